"""The keyword side's engine: today's bm25s (rebuilt whole after a write) against tantivy
(segments: a write adds only what it changed), on the dev store's chunks.

    .venv/bin/python bench/keyword_engines.py [--limit N] [--articles N]

Both index the same text (``vectorstore.indexed_text``: headline and chunk) as the same
terms (``vectorstore.terms``; tantivy splits them on whitespace only, so neither engine
analyses words its own way) and are asked the same dev questions: keyword recall at k (a
gold answer in a returned chunk), query time with no filter and with a one-week filter
(bm25s: a mask over its scores, as ``ChunkIndex``; tantivy: a range query on a fast
field), the time to index everything, and what one new 10-chunk article costs before the
next question can see it (bm25s: a rebuild; tantivy: add, commit, reload). Dev only
measures; nothing is fitted here.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from common import build_index, contains, dev_arguments, question_date, questions, table

KS = (1, 5, 10)


def chunks(store: Any) -> tuple[list[str], list[list[str]], list[int], list[str]]:
    """Every chunk of the store: ids, terms, days, texts."""
    from vectorstore import indexed_text, terms

    ids, corpus, days, texts = [], [], [], []
    for found in store.pages(["documents", "metadatas"]):
        for cid, text, meta in zip(
            found["ids"], found["documents"], found["metadatas"], strict=True
        ):
            ids.append(cid)
            corpus.append(terms(indexed_text(str(meta.get("title", "")), text)))
            days.append(int(meta.get("day", 0) or 0))
            texts.append(text)
    return ids, corpus, days, texts


class Bm25s:
    """Today's engine, as ``vectorstore.ChunkIndex`` runs it."""

    name = "bm25s (today)"

    def __init__(self, corpus: list[list[str]], days: list[int]) -> None:
        import bm25s

        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False)
        self.days = np.asarray(days)

    def search(self, tokens: list[str], k: int, week: tuple[int, int] | None) -> list[int]:
        tokens = [t for t in tokens if t in self.bm25.vocab_dict]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        if week:
            scores = np.where((self.days >= week[0]) & (self.days <= week[1]), scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [int(i) for i in top if scores[i] > 0]

    @staticmethod
    def add(corpus: list[list[str]], days: list[int], new: list[list[str]]) -> Bm25s:
        return Bm25s(corpus + new, days + [days[-1]] * len(new))


class Tantivy:
    """tantivy: one text field of whitespace-split terms, the chunk's row and day as fast
    fields."""

    name = "tantivy"

    def __init__(self, corpus: list[list[str]], days: list[int], folder: Path) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("text", tokenizer_name="whitespace")
        builder.add_integer_field("row", stored=True, fast=True)
        builder.add_integer_field("day", indexed=True, fast=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(folder))
        self.writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        for row, (words, day) in enumerate(zip(corpus, days, strict=True)):
            self.writer.add_document(tantivy.Document(text=" ".join(words), row=row, day=day))
        self.writer.commit()
        self.index.reload()
        self.rows = len(corpus)

    def search(self, tokens: list[str], k: int, week: tuple[int, int] | None) -> list[int]:
        import tantivy

        if not tokens:
            return []
        words = [
            (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "text", t))
            for t in dict.fromkeys(tokens)
        ]
        query = tantivy.Query.boolean_query(words)
        if week:
            days = tantivy.Query.range_query(
                self.schema, "day", tantivy.FieldType.Integer, week[0], week[1]
            )
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, days)]
            )
        searcher = self.index.searcher()
        hits = searcher.search(query, k).hits
        return [int(searcher.doc(address)["row"][0]) for _, address in hits]

    def add(self, corpus: list[list[str]], days: list[int], new: list[list[str]]) -> Tantivy:
        import tantivy

        for words in new:
            self.writer.add_document(
                tantivy.Document(text=" ".join(words), row=self.rows, day=days[-1])
            )
            self.rows += 1
        self.writer.commit()
        self.index.reload()
        return self


def main() -> None:
    parser = dev_arguments("keyword_engines", __doc__)
    args = parser.parse_args()
    from vectorstore import terms
    from vectorstore.writes import day_number

    built = build_index(args.articles, backend="onnx")
    ids, corpus, days, texts = chunks(built.store)
    qs = questions(args.limit)
    rows = []
    with tempfile.TemporaryDirectory(prefix="aq-keyword-") as tmp:
        engines: list[Any] = []
        builds = []
        for make in (lambda: Bm25s(corpus, days), lambda: Tantivy(corpus, days, Path(tmp))):
            t = time.perf_counter()
            engines.append(make())
            builds.append(time.perf_counter() - t)
        for engine, build_s in zip(engines, builds, strict=True):
            hits = {k: 0 for k in KS}
            plain, weekly = [], []
            for q in qs:
                tokens = terms(q["question"])
                t = time.perf_counter()
                found = engine.search(tokens, max(KS), None)
                plain.append(time.perf_counter() - t)
                for k in KS:
                    hits[k] += any(contains(texts[i], q["answer_texts"]) for i in found[:k])
                today = question_date(q)
                week = (day_number(str(today - timedelta(days=7))), day_number(str(today)))
                t = time.perf_counter()
                engine.search(tokens, max(KS), week)
                weekly.append(time.perf_counter() - t)
            new = corpus[:10]  # one more 10-chunk article
            t = time.perf_counter()
            engine.add(corpus, days, new)
            add_s = time.perf_counter() - t
            rows.append(
                [
                    engine.name,
                    *(hits[k] / max(len(qs), 1) for k in KS),
                    1000 * statistics.median(plain),
                    1000 * sorted(plain)[round(0.95 * (len(plain) - 1))],
                    1000 * statistics.median(weekly),
                    build_s,
                    1000 * add_s,
                ]
            )
    print(f"{len(qs)} questions; {len(ids)} chunks")
    print(
        table(
            rows,
            [
                "engine",
                *(f"R@{k}" for k in KS),
                "p50 ms",
                "p95 ms",
                "p50 ms, one week",
                "index all s",
                "one article added, ms",
            ],
        )
    )


if __name__ == "__main__":
    main()

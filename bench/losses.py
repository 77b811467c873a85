"""Where retrieval loses the answer, on RealTime QA dev: a loss table.

    .venv/bin/python bench/losses.py [--limit N] [--backend onnx]

For each dev question whose gold answer occurs (as whole words) somewhere in the corpus,
the first step at which it is lost:

1. **not a candidate**: in neither side's candidates (the dense and the BM25 top
   ``POOL``, with the question's own dates and sources);
2. **fused out**: a candidate, but not in the fused top 10;
3. **dropped by diversity or dates**: in the fused top 10 without the news filters and
   diversity, not with them (the default search);
4. **not handed over**: in the default top 10, not among the passages the answerer gets
   (``top_k`` above the relevance floor);
5. **handed over**: in the answerer's passages.

Dev only measures; the same index as ``bench/retrieval.py``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from common import (
    DATA,
    build_index,
    contains,
    normalize,
    question_date,
    questions,
    read_jsonl,
    table,
)

STEPS = ("not a candidate", "fused out", "dropped by diversity or dates", "not handed over")


def lost_at(retriever: Any, q: dict[str, Any], top_k: int, min_score: float) -> str:
    """The first step at which ``q``'s gold answer is lost (``STEPS``), or "handed over"."""
    from qa import Filters
    from qa.retrieval import POOL, Search

    filters = Filters(reference_date=question_date(q))

    def holds(k: int, floor: float = -1.0, **options: Any) -> bool:
        found = retriever.search(Search(q["question"], k, filters=filters, **options), floor)
        return any(contains(p.text, q["answer_texts"]) for p in found)

    candidate = holds(POOL, mode="dense", diverse=False) or holds(POOL, mode="bm25", diverse=False)
    if not candidate:
        return STEPS[0]
    default_top = holds(10)
    if not default_top and not holds(10, news=False, diverse=False):
        return STEPS[1]
    if not default_top:
        return STEPS[2]
    if not holds(top_k, min_score):
        return STEPS[3]
    return "handed over"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="first N questions only")
    parser.add_argument("--backend", default="onnx")
    parser.add_argument("--json", type=Path, default=Path("bench/results/losses.json"))
    args = parser.parse_args()

    from qa import Settings
    from qa.retrieval import Retriever

    built = build_index(backend=args.backend)
    retriever = Retriever(built.store)
    retriever.index.sync()
    corpus = [
        f" {normalize(d.get('title', '') + ' ' + d['text'])} "
        for d in read_jsonl(DATA / "corpus.jsonl")
    ]
    settings = Settings()
    qs = questions(args.limit)
    counts = dict.fromkeys((*STEPS, "handed over"), 0)
    answerable = 0
    for q in qs:
        golds = [g for g in (normalize(x) for x in q["answer_texts"]) if g]
        if not any(f" {g} " in doc for doc in corpus for g in golds):
            continue
        answerable += 1
        counts[lost_at(retriever, q, settings.top_k, settings.min_score)] += 1
    rows = [[step, n, n / max(answerable, 1)] for step, n in counts.items()]
    print(f"{len(qs)} questions; {answerable} with a gold answer somewhere in the corpus")
    print(table(rows, ["lost at", "questions", "share"]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    out = {"questions": len(qs), "answerable": answerable, **counts}
    args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

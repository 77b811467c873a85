"""Passage-level training examples from the RealTime QA *train* split, read in place.

Each train question lists its own search results (``search_doc_ids``). Those articles are
cleaned and chunked exactly as ingest does (``make_article``, ``chunk_text``), and each
chunk is given the text the store indexes (``indexed_text``: the headline with the chunk).

- **positives**: chunks holding a gold answer as whole words, best first by their share of
  the question's words (at most ``POSITIVES`` a question);
- **hard negatives**: chunks of the same search results holding no gold answer, those
  holding one of the quiz's *wrong* choices first, then by the question's words;
- **headline pairs** (self-supervised): an article's headline and its opening passage
  without the headline, from train articles no question of the held-out weeks uses.

The last ``HOLDOUT_WEEKS`` weeks of train are held out for the model card's figures. The
split's texts are never copied anywhere.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from qa.reading import overlap
from sources import LoadError, make_article
from training.pairs import TRAIN, normalize, questions, split
from vectorstore import CHUNK_TOKENS, OVERLAP_TOKENS, indexed_text, terms
from vectorstore.chunking import chunk_text

POSITIVES = 2
NEGATIVES = 3


@dataclass(slots=True)
class Pool:
    """One question with the indexed chunks of its own search results."""

    qid: str
    question: str
    chunks: list[str]  # indexed text (headline + chunk)
    gold: list[bool]  # chunk holds a gold answer
    wrong: list[bool]  # chunk holds a wrong choice (and no gold answer)
    scores: list[float]  # share of the question's words the chunk has


def holds(text: str, answers: list[str]) -> bool:
    """A gold answer occurs in ``text`` as whole words (both normalised)."""
    hay = f" {normalize(text)} "
    return any(a and f" {a} " in hay for a in (normalize(x) for x in answers))


def article_chunks(doc: dict) -> tuple[list[str], list[str]]:
    """(indexed texts, bare chunk texts) of one train article, as ingest makes them."""
    try:
        article = make_article(doc["doc_id"], doc["text"], title=doc.get("title") or "")
    except LoadError:
        return [], []
    chunks = chunk_text(article.text, CHUNK_TOKENS, OVERLAP_TOKENS)
    return [indexed_text(article.title, c.text) for c in chunks], [c.text for c in chunks]


def pools(qs: list[dict], docs: dict[str, dict]) -> Iterator[Pool]:
    """The pool of every question that has search results."""
    cache: dict[str, list[str]] = {}
    for q in qs:
        texts: list[str] = []
        for doc_id in q["search_doc_ids"]:
            if doc_id in docs:
                if doc_id not in cache:
                    cache[doc_id] = article_chunks(docs[doc_id])[0]
                texts.extend(cache[doc_id])
        if not texts:
            continue
        golds = q["answer_texts"]
        wrongs = [c for i, c in enumerate(q["choices"]) if i not in q["answer_indices"]]
        q_terms = set(terms(q["question"]))
        gold = [holds(t, golds) for t in texts]
        yield Pool(
            q["question_id"],
            q["question"],
            texts,
            gold,
            [not g and holds(t, wrongs) for t, g in zip(texts, gold, strict=True)],
            [overlap(q_terms, t) for t in texts],
        )


def ranked(pool: Pool) -> tuple[list[int], list[int]]:
    """(positives, negatives) of a pool, best first: positives by their share of the
    question's words; negatives holding a wrong choice first, then by that share."""
    pos = sorted((i for i, g in enumerate(pool.gold) if g), key=lambda i: -pool.scores[i])
    neg = sorted(
        (i for i, g in enumerate(pool.gold) if not g),
        key=lambda i: (not pool.wrong[i], -pool.scores[i]),
    )
    return pos, neg


def triplets(pool: Pool, rng: random.Random) -> list[tuple[str, str, str]]:
    """(question, positive, hard negative) rows of one pool (none without both)."""
    pos, neg = ranked(pool)
    if not pos or not neg:
        return []
    hard = neg[:NEGATIVES]
    return [(pool.question, pool.chunks[i], pool.chunks[rng.choice(hard)]) for i in pos[:POSITIVES]]


def headline_pairs(docs: dict[str, dict], n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(headline, opening passage without the headline) of ``n`` train articles."""
    chosen = rng.sample(sorted(docs), min(n, len(docs)))
    rows = []
    for doc_id in chosen:
        title = (docs[doc_id].get("title") or "").strip()
        if len(title.split()) < 4:
            continue
        bare = article_chunks(docs[doc_id])[1]
        if bare:
            rows.append((title, bare[0]))
    return rows


Triplet = tuple[str, str, str]


def split_pools() -> tuple[list[Pool], list[Pool]]:
    """The pools of the fit weeks and of the held-out weeks."""
    fit, held, docs = _split()
    return list(pools(fit, docs)), list(pools(held, docs))


def load(seed: int, headlines: int) -> tuple[list[Triplet], list[tuple[str, str]], list[Pool]]:
    """(fit triplets, headline pairs from articles no held-out question uses, held-out
    pools)."""
    rng = random.Random(seed)
    fit, held, docs = _split()
    rows = [row for pool in pools(fit, docs) for row in triplets(pool, rng)]
    held_docs = {d for q in held for d in q["search_doc_ids"]}
    others = {k: v for k, v in docs.items() if k not in held_docs}
    return rows, headline_pairs(others, headlines, rng), list(pools(held, docs))


def _split() -> tuple[list[dict], list[dict], dict[str, dict]]:
    """(fit questions, held-out questions, every train article by id)."""
    fit, held = split([q for q in questions() if q["search_doc_ids"]])
    return fit, held, every_article()


def every_article() -> dict[str, dict]:
    """Every train article by id."""
    import gzip
    import json

    with gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {(doc := json.loads(line))["doc_id"]: doc for line in fh}

"""Retrieval: a question becomes the ranked passages that may answer it.

Modes: ``dense`` (cosine over MiniLM embeddings in Chroma), ``bm25`` (keywords), and
``hybrid`` (both, fused by reciprocal rank). On top of any mode: filters and boosts from
the question's dates and sources (``news``), and diversity — at most a few passages per
article and no syndicated copy of a passage already chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np

from vectorstore import ArticleStore, ChunkIndex, Passage, Scope

from .query import Filters, QuestionError, parse_filters

Mode = Literal["dense", "bm25", "hybrid"]
RRF_K = 60
POOL = 40  # candidates taken from each side before fusion
PER_ARTICLE = 2  # passages of one article at most
DUPLICATE_COSINE = 0.97  # two passages this alike are one passage (syndicated copies)
FRESH_AT_MOST = 50_000  # chunks a local client's vector index may lack before it is reopened


@dataclass(frozen=True, slots=True)
class Fusion:
    """How the two rankings and the recency boost combine (the defaults were fitted by
    ``bench/tune_retrieval.py`` on RealTime QA train; see the README for dev before/after)."""

    dense: float = field(default=1.5, metadata={"help": "weight of the dense ranking"})
    keyword: float = field(default=1.0, metadata={"help": "weight of the keyword ranking"})
    recency: float = field(
        default=4.0, metadata={"help": "a passage from the reference day counts 1 + this"}
    )
    recency_days: float = field(
        default=14.0, metadata={"help": "days over which the recency boost falls to 1/e"}
    )


@dataclass(slots=True)
class Search:
    """One retrieval request: the question and what narrows it."""

    question: str
    k: int
    mode: Mode = "hybrid"
    filters: Filters = field(default_factory=Filters)  # the caller's
    news: bool = True  # read dates and sources from the question; favour recent articles
    diverse: bool = True


class Retriever:
    """Dense, keyword and hybrid search over one store, with news-aware filters."""

    def __init__(
        self, store: ArticleStore, index: ChunkIndex | None = None, fusion: Fusion = Fusion()
    ) -> None:
        self.store = store
        self.index = index or ChunkIndex.for_store(store)
        self.fusion = fusion

    def filters(self, req: Search) -> Filters:
        """The filters of a request: the caller's, else those the question names."""
        given = req.filters
        if not req.news:
            return given
        known = sorted(set(self.index.sources) - {""})
        found = parse_filters(req.question, given.reference_date, known)
        if given.date_from or given.date_to:
            found = replace(found, date_from=given.date_from, date_to=given.date_to)
        if given.sources:
            found = replace(found, sources=given.sources)
        return replace(found, recent=found.recent or given.recent, story=given.story)

    def search(self, req: Search, min_score: float = -1.0) -> list[Passage]:
        """The ``req.k`` best passages, best first; none whose cosine is below ``min_score``."""
        if req.k <= 0 or not req.question.strip():
            return []
        # another process may have written since the last question: the chunk index first,
        # then the vector side, so that the vector side holds every chunk a keyword hit names
        # (refresh reads the revision again, after the keyword side has read the chunks: one
        # shared read would let a write land between the two and miss the vector side)
        self.index.sync()
        self.store.refresh()
        lacking = self.index.count_after(self.store.client_seq)  # chunks its client lacks
        if lacking > FRESH_AT_MOST:
            self.store.current()  # a new client, holding every chunk the index does
            lacking = 0
        f = self.filters(req)
        articles = self._story_articles(f.story)
        scope = self.index.scope(f.date_from, f.date_to, f.sources, articles)
        vector = np.asarray(self.store.embeddings.embed_query(req.question), dtype=np.float32)
        pool = max(POOL, req.k * 4)
        ranked: dict[str, float] = {}
        passages: dict[str, Passage] = {}
        vectors: dict[str, np.ndarray] = {}
        found: list[str] = []
        if req.mode in ("dense", "hybrid"):
            for rank, (cid, _) in enumerate(self._dense(vector, pool, scope, lacking)):
                ranked[cid] = ranked.get(cid, 0.0) + self.fusion.dense / (RRF_K + rank + 1)
                found.append(cid)
        if req.mode in ("bm25", "hybrid"):
            hits = self.index.search(req.question, pool, scope, sync=False)
            for rank, hit in enumerate(hits):
                ranked[hit.id] = ranked.get(hit.id, 0.0) + self.fusion.keyword / (RRF_K + rank + 1)
                found.append(hit.id)
        # each chunk's text from Chroma (a chunk removed since is not there), its vector
        # from the chunk index (Chroma's own copy, current whatever this client holds)
        ids = list(dict.fromkeys(found))
        kept = self.index.vectors(ids)
        for p in self.store.passages([i for i in ids if i in kept]):
            passages[p.id], vectors[p.id] = p, kept[p.id]
        for pid, p in passages.items():
            p.score = float(vectors[pid] @ vector)  # cosine: normalised embeddings
            p.extra["fused"] = ranked.get(pid, 0.0)
        if req.news:
            ref = f.reference_date or date.today()
            for p in passages.values():
                p.extra["fused"] *= _boost(p, f, ref, self.fusion)
        order = sorted(passages, key=lambda pid: passages[pid].extra["fused"], reverse=True)
        order = [pid for pid in order if passages[pid].score >= min_score]
        chosen: list[str] = []
        per_article: dict[str, int] = {}
        # first at most PER_ARTICLE passages an article; then, if k are not reached, the rest
        for capped in (True, False) if req.diverse else (False,):
            for pid in order:
                if len(chosen) >= req.k:
                    break
                p = passages[pid]
                if pid in chosen or (capped and per_article.get(p.article_id, 0) >= PER_ARTICLE):
                    continue
                if req.diverse and any(
                    float(vectors[pid] @ vectors[c]) >= DUPLICATE_COSINE for c in chosen
                ):
                    continue
                chosen.append(pid)
                per_article[p.article_id] = per_article.get(p.article_id, 0) + 1
        return [passages[pid] for pid in chosen]

    def _story_articles(self, story: str) -> list[str]:
        """The articles of ``story`` (none: no story asked for); a QuestionError if it has none."""
        if not story:
            return []
        articles = self.store.story_ledger().articles_of(story)
        if not articles:
            raise QuestionError(
                f"no stored story has the id {story!r}; list them with `article-qa stories`"
            )
        return articles

    def _dense(
        self, vector: np.ndarray, k: int, scope: Scope | None, lacking: int
    ) -> list[tuple[str, float]]:
        """The dense side, as (id, cosine), best first: Chroma's vector index, with the
        chunks its client does not hold yet (``lacking`` of them, stored after
        ``client_seq``) compared directly from the chunk index; a filter from the chunk
        index's days, sources and vectors (Chroma's `where` was three times slower)."""
        if scope is not None:
            exact = self.index.nearest(vector, k, scope)
            if exact is not None:  # the allowed chunks, every one compared: exact
                return exact
        among = self.index.chunk_ids(scope) if scope is not None else None
        hits = self.store.nearest_ids(vector, k, among)
        since = self.store.client_seq
        if lacking:
            newer = replace(scope, seq_after=since) if scope else Scope(seq_after=since)
            hits += self.index.nearest(vector, k, newer) or []
        best = {cid: score for cid, score in sorted(hits, key=lambda h: h[1])}
        return sorted(best.items(), key=lambda h: -h[1])[:k]


def _boost(p: Passage, f: Filters, ref: date, fusion: Fusion) -> float:
    """Favour passages from near the reference date (more so for "this week" questions)."""
    boost = 1.0
    try:
        published = date.fromisoformat(p.date)
    except ValueError:
        return boost
    age = (ref - published).days
    if age < -1:  # published after the reference date: not news yet on that day
        return boost * 0.5
    weight = fusion.recency if f.recent else fusion.recency / 2
    boost *= 1.0 + weight * math.exp(-max(age, 0) / fusion.recency_days)
    return boost

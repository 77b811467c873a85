"""The product's own index of the chunks: BM25 (bm25s) for the keyword side of hybrid
search, and each chunk's day, source and vector, for filtered search on both sides.

Chroma stays the one source of truth. The index remembers the store revision it was built
from; whenever the store has changed since (an ingest or a removal, in this process or
another), the next search rebuilds it from the chunks in Chroma and saves it. It is saved
beside a local store, or in the user's cache for a Chroma server. The vectors are a copy of
Chroma's, saved as one ``.npy`` file and memory-mapped: a filtered dense search compares
the question with the allowed chunks' vectors directly (``nearest``), exactly, in
microseconds, instead of asking Chroma for them (``where``: ~100 ms on 39k chunks).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .chroma import INDEX_FOLDER
from .documents import indexed_text
from .errors import StoreError
from .store import ArticleStore
from .terms import terms
from .writes import day_number

log = logging.getLogger(__name__)

INDEX_VERSION = 2  # 2: the vectors too
EXACT_AT_MOST = 50_000  # filtered dense search: up to this many allowed chunks compared directly


@dataclass(slots=True)
class ChunkHit:
    """A chunk found by its words: its id and BM25 score."""

    id: str
    score: float


class ChunkIndex:
    """BM25 over the store's chunks, kept in step with the store by its revision."""

    def __init__(self, store: ArticleStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._bm25: Any = None
        self.ids: list[str] = []
        self.days = np.zeros(0, dtype=np.int64)
        self.sources: list[str] = []
        self.articles: list[str] = []
        self.vectors: np.ndarray | None = None  # one row per chunk (memory-mapped when loaded)

    @classmethod
    def for_store(cls, store: ArticleStore) -> ChunkIndex:
        """The index of ``store``: beside a local store, else in the server's cache folder."""
        return cls(store, store.state_dir / INDEX_FOLDER / store.name)

    # -- keeping in step ----------------------------------------------------------------------

    def sync(self) -> None:
        """Make the index match the store: load the saved one, or rebuild it."""
        revision = self.store.revision()
        if revision == self._revision:
            return
        with self._lock:
            if revision == self._revision:
                return
            if not self._load(revision):
                self._build(revision)

    def _load(self, revision: str) -> bool:
        meta_file = self.folder / "meta.json"
        if not meta_file.exists():
            return False
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            if meta.get("revision") != revision or meta.get("version") != INDEX_VERSION:
                return False
            import bm25s

            bm25, vectors = None, None
            if meta["ids"]:
                bm25 = bm25s.BM25.load(str(self.folder / "bm25"), mmap=False, show_progress=False)
                vectors = np.load(self.folder / "vectors.npy", mmap_mode="r")
                if len(vectors) != len(meta["ids"]):
                    raise ValueError(f"{len(vectors)} vectors for {len(meta['ids'])} chunks")
        except Exception as exc:  # derived data, unreadable for any reason: rebuilt from Chroma
            log.warning(
                "article-qa: the chunk index in %s could not be read (%s: %s); rebuilding it",
                self.folder,
                type(exc).__name__,
                exc,
            )
            return False
        self._set(revision, bm25, meta["ids"], meta["days"], meta["sources"], meta["articles"])
        self.vectors = vectors
        return True

    def _build(self, revision: str) -> None:
        """Read every chunk with its vector through a Chroma client that is current (one
        behind another process's writes would find the new chunks' rows but not their
        vectors): the store catches up first, and again if a write lands meanwhile."""
        for attempt in range(3):
            self.store.refresh()
            try:
                self._build_once(revision)
                return
            except StoreError:
                if attempt == 2:
                    raise

    def _build_once(self, revision: str) -> None:
        import bm25s

        ids, days, sources, articles, corpus, rows = [], [], [], [], [], []
        for found in self.store.pages(["documents", "metadatas", "embeddings"]):
            for cid, text, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            ):
                ids.append(cid)
                days.append(int(meta.get("day", 0) or 0))
                sources.append(str(meta.get("source", "")))
                articles.append(str(meta.get("article_id", "")))
                corpus.append(terms(indexed_text(str(meta.get("title", "")), text)))
            rows.append(np.asarray(found["embeddings"], dtype=np.float32))
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        self._set(revision, bm25, ids, days, sources, articles)
        self.vectors = np.vstack(rows) if rows else None
        self._save(revision, bm25)

    def _save(self, revision: str, bm25: Any) -> None:
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".chunk-index-", dir=self.folder.parent))
        except OSError:
            return  # nowhere to save it: it is rebuilt next time
        try:
            if bm25 is not None:
                bm25.save(str(tmp / "bm25"), show_progress=False)
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", self.vectors)
            meta = {
                "version": INDEX_VERSION,
                "revision": revision,
                "ids": self.ids,
                "days": self.days.tolist(),
                "sources": self.sources,
                "articles": self.articles,
            }
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            old = self.folder.with_name(self.folder.name + f".old-{os.getpid()}")
            if self.folder.exists():
                self.folder.replace(old)
            tmp.replace(self.folder)
            shutil.rmtree(old, ignore_errors=True)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # an unsaved index is rebuilt next time

    def _set(
        self,
        revision: str,
        bm25: Any,
        ids: list[str],
        days: list[int],
        sources: list[str],
        articles: list[str],
    ) -> None:
        self._bm25, self.ids, self.sources, self.articles = bm25, ids, sources, articles
        self.days = np.asarray(days, dtype=np.int64)
        self._revision = revision

    # -- searching ----------------------------------------------------------------------------

    def mask(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        sources: Sequence[str] = (),
    ) -> np.ndarray | None:
        """Which chunks (in index order) were published in ``date_from``..``date_to`` by one
        of ``sources``, for ``search``; None when nothing is restricted (Chroma's own
        ``where`` for the same: ``where_clause``)."""
        if not (date_from or date_to or sources):
            return None
        mask = np.ones(len(self.days), dtype=bool)
        if date_from:
            mask &= self.days >= day_number(date_from.isoformat())
        if date_to:
            mask &= self.days <= day_number(date_to.isoformat())
        if sources:
            wanted = set(sources)
            mask &= np.fromiter((s in wanted for s in self.sources), bool, len(self.days))
        return mask

    def chunk_ids(self, mask: np.ndarray | None) -> set[str] | None:
        """The ids of the chunks ``mask`` keeps (None: no restriction), for the dense side's
        filtered search (``ArticleStore.nearest_among``)."""
        if mask is None:
            return None
        ids = self.ids
        return {ids[i] for i in np.flatnonzero(mask)}

    def nearest(
        self, vector: np.ndarray, k: int, mask: np.ndarray
    ) -> list[tuple[str, float]] | None:
        """The ``k`` chunks ``mask`` keeps that are nearest to ``vector`` (cosine), best
        first, compared directly — exact; None when more than ``EXACT_AT_MOST`` are kept
        (the caller asks the vector index instead, ``ArticleStore`` with ``among``)."""
        rows = np.flatnonzero(mask)
        vectors = self.vectors
        if vectors is None or len(rows) > EXACT_AT_MOST:
            return None
        sims = np.asarray(vectors[rows] @ vector, dtype=np.float32)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(self.ids[rows[i]], float(sims[i])) for i in top]

    def search(
        self, query: str, k: int, mask: np.ndarray | None = None, sync: bool = True
    ) -> list[ChunkHit]:
        """The ``k`` chunks with the best BM25 score for ``query`` (only where ``mask``).

        ``sync=False`` when the caller has just synced (one revision check per query).
        """
        if sync:
            self.sync()
        bm25 = self._bm25
        tokens = [t for t in terms(query) if bm25 is not None and t in bm25.vocab_dict]
        if not tokens or k <= 0:
            return []
        scores = bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [ChunkHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def __len__(self) -> int:
        self.sync()
        return len(self.ids)


def where_clause(
    date_from: date | None = None, date_to: date | None = None, sources: Sequence[str] = ()
) -> dict[str, Any] | None:
    """The Chroma ``where`` that keeps chunks published in ``date_from``..``date_to`` (either
    may be open) from one of ``sources``; None when nothing is restricted."""
    clauses: list[dict[str, Any]] = []
    if date_from:
        clauses.append({"day": {"$gte": day_number(date_from.isoformat())}})
    if date_to:
        clauses.append({"day": {"$lte": day_number(date_to.isoformat())}})
    if sources:
        clauses.append({"source": {"$in": list(sources)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}

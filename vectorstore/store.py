"""ArticleStore: articles as chunks in one Chroma collection (a local folder or a Chroma
server): opening it, the embedder it records, and reading (listing, nearest chunks,
chunks by id). Writing is ``writes.Writes``; one writer and current readers is
``consistency.OneWriter``; opening a client and its failures are in ``chroma.py``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from models import Embedder, EmbeddingModel

from .changes import SEQ, finished, removed_between, stored_after
from .chroma import (
    OPEN_LOCK,
    WRITE_LOCK,
    ChromaEmbeddingFunction,
    finish_swap,
    import_chromadb,
    open_client,
    paged,
    read_only_copy,
    remove_copy,
    store_errors,
)
from .consistency import OneWriter
from .copies import Copies
from .documents import ArticleInfo, Passage
from .errors import StoreError
from .writes import Writes

log = logging.getLogger(__name__)

REINDEX_COMMAND = "article-qa reindex"
LINKS_AT_MOST = 2_000_000_000  # bytes of Chroma's graph file before its size is suspect
INDEXED_TEXT = "headline+chunk"  # what a chunk's vector embeds (``documents.indexed_text``)


class ArticleStore(OneWriter, Writes):
    """Store, replace, list, remove and search articles in one Chroma collection."""

    def __init__(
        self,
        embeddings: EmbeddingModel,
        path: str | Path | None = None,
        url: str | None = None,
        collection: str = "articles",
    ) -> None:
        self.embeddings = embeddings
        self.name = collection
        self.url = url
        self.location = url or str(path)
        self._path = None if url or path is None else Path(path).expanduser()
        self._origin = self._path  # the folder named; a read-only one is served from a copy
        self.read_only = bool(
            self._path and self._path.is_dir() and not os.access(self._path, os.W_OK)
        )
        if self.read_only and self._path is not None:
            self._path = read_only_copy(self._path)
            weakref.finalize(self, remove_copy, self._path)
        with self._opening():
            self._open()
        self._max_batch = max(1, int(self._client.get_max_batch_size()))
        self._lock = FileLock(self._path / WRITE_LOCK) if self._path else None
        self._threads = threading.RLock()  # one writing thread of this process at a time
        self._reopen_lock = threading.Lock()
        self.note_current()  # a new client is current
        self._copies_cache: Copies | None = None  # for one write run (``_copies``)
        self.chunk_index: Any = None  # this store's chunk index, made when first needed

    def _opening(self) -> contextlib.AbstractContextManager[Any]:
        """Two processes creating one new store at once race in Chroma's migrations: the
        first open of a local folder is serialised by a lock file in it."""
        if self._path is None or self.read_only:
            return contextlib.nullcontext()
        try:
            self._path.mkdir(parents=True, exist_ok=True)
            return FileLock(self._path / OPEN_LOCK)
        except OSError:  # the open itself will say what is wrong with the folder
            return contextlib.nullcontext()

    @property
    def state_dir(self) -> Path:
        """Where state derived from or kept beside the store lives (the chunk index, the
        feed list): the store's folder (a read-only store's own, not its copy), or a cache
        folder per Chroma server."""
        if self._origin is not None:
            return self._origin
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        safe = "".join(ch if ch.isalnum() else "_" for ch in self.location)
        return Path(base) / "article-qa" / "servers" / safe

    @property
    def folder(self) -> Path | None:
        """The local folder Chroma opens (a read-only store's private copy); None for a
        Chroma server."""
        return self._path

    def _open(self) -> None:
        if self._path is not None:
            # Chroma shares one client per folder in a process, and a client keeps its
            # vector index in memory: a store opened again after another process wrote
            # (say, an ingest re-run after one was killed) would read the new chunks' rows
            # but not their vectors ("Error finding id"). Each store gets a client of its own.
            import_chromadb()  # first: the quick way (chroma.py)
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient._identifier_to_system.pop(str(self._path), None)
        self._client = open_client(self._path, self.url)
        self._meta: dict[str, Any] = {}
        self._database = self._database_file()
        try:
            finish_swap(self._client, self.name, self.function())
            self._col = self._client.get_or_create_collection(
                name=self.name,
                embedding_function=self.function(),
                configuration={"hnsw": {"space": "cosine"}},
            )
            self._meta = dict(self._col.metadata or {})
        except Exception as exc:
            raise StoreError(
                f"cannot open collection '{self.name}' in {self.location} "
                f"({type(exc).__name__}: {exc})"
            ) from exc

    def function(self) -> ChromaEmbeddingFunction:
        """The embedding function Chroma is given with every collection opened."""
        return ChromaEmbeddingFunction(self.embeddings)

    @property
    def client(self) -> Any:
        """The Chroma client (for ``reindex``, which fills a second collection)."""
        return self._client

    def reopen_collection(self) -> None:
        """Take up the collection under this store's name again (after a reindex swapped
        another one into its place)."""
        self._col = self._client.get_collection(self.name, embedding_function=self.function())
        self._meta = dict(self._col.metadata or {})
        self.note_current()

    def note_current(self) -> None:
        """This object's client is current with the store as it is now (just opened, or
        it wrote the last run itself)."""
        state = self.state()
        self._seen = self._opened = state.token
        self._client_seq = state.seq

    @property
    def client_seq(self) -> int:
        """The last write run this object's Chroma client holds the vectors of: a local
        client opened before later runs neither finds their chunks by vector nor returns
        their vectors (``consistency``); the chunk index has them."""
        return self._client_seq

    # -- the embedder that wrote the vectors -------------------------------------------------

    def embedder_record(self) -> dict[str, str | int]:
        """What the collection records of this process's embedder (nothing for a model
        that does not say what it is)."""
        ours: Embedder | None = getattr(self.embeddings, "identity", None)
        if ours is None:
            return {}
        record: dict[str, str | int] = {
            "embedder": ours.model,
            "embedder_backend": ours.backend,
            "embedder_text": INDEXED_TEXT,
        }
        return record | ({"embedder_dim": ours.dim} if ours.dim else {})

    def embedder_problem(self) -> str | None:
        """Why this process can't use the stored vectors (None: it can). A store records
        the model that embedded it; the same model on another backend (fp32 torch, int8
        onnx) is compatible — measured within half a point of recall (README)."""
        meta, ours = self._meta, getattr(self.embeddings, "identity", None)
        recorded = meta.get("embedder")
        if ours is None or not recorded:
            return None  # a store from before stores recorded it, or an unnamed model
        if meta.get("embedder_text") != INDEXED_TEXT:
            return (
                f"the store at {self.location} was embedded before chunks were embedded with "
                f"their headlines: run `{REINDEX_COMMAND}` to re-embed the stored articles "
                "(questions find the story they name much more often)"
            )
        dims = meta.get("embedder_dim")
        if recorded != ours.model or (dims and ours.dim and dims != ours.dim):
            return (
                f"the store at {self.location} was embedded with {recorded} ({dims or '?'} "
                f"dimensions), and this process embeds with {ours.model}: its vectors can't be "
                f"compared. Run `{REINDEX_COMMAND}` to re-embed the stored articles with "
                f"{ours.model}, or set ARTICLE_QA_EMBEDDING_MODEL back to the model it was "
                "built with"
            )
        return None

    def check_embedder(self) -> None:
        """Raise the ``embedder_problem`` as a ``StoreError``."""
        problem = self.embedder_problem()
        if problem:
            raise StoreError(problem)

    def revision(self) -> str:
        """A token that changes with every finished write run that wrote or removed
        chunks, in any process, and with a reindex (``changes.StoreState.token``)."""
        return self.state().token

    def vector_index_problem(self) -> str | None:
        """A warning when Chroma's vector index files of a local store have bloated: its
        graph file (``link_lists.bin``) far larger than the vectors themselves, a known
        Chroma/hnswlib failure that can fill a disk (69 GB at a million chunks here)."""
        if self._path is None:
            return None
        for links in self._path.glob("*/link_lists.bin"):
            vectors = links.with_name("data_level0.bin")
            size = links.stat().st_size
            base = vectors.stat().st_size if vectors.exists() else 0
            if size > max(LINKS_AT_MOST, 4 * base):
                return (
                    f"Chroma's vector index in {links.parent} has bloated: its graph file is "
                    f"{size / 1e9:.1f} GB beside {base / 1e9:.1f} GB of vectors (a known Chroma "
                    f"bug). Run `{REINDEX_COMMAND}` to build it anew before it fills the disk"
                )
        return None

    def after_write(self) -> None:
        """A write run was recorded: bring the chunk index up to it now, in the writer,
        so that no reader pays for it (one that got there first has done it already)."""
        from .chunk_index import ChunkIndex  # the index is built on the store: not at import

        try:
            ChunkIndex.for_store(self).sync(wait=False)
        except Exception as exc:  # the run is recorded: readers catch the index up themselves
            log.warning("article-qa: the chunk index was not brought up to date (%s)", exc)
        try:
            problem = self.vector_index_problem()
        except OSError:
            problem = None
        if problem:
            log.warning("article-qa: %s", problem)

    def _current(self) -> Any:
        """The collection under this store's name now (another process may have swapped
        one in)."""
        return self._client.get_collection(self.name, embedding_function=self.function())

    def all_chunks(
        self, page: int = 5000, with_text: bool = True
    ) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every stored chunk as (id, text, metadata), page by page (a store of tens of
        thousands of chunks is more than Chroma returns at once); text "" if not wanted."""
        include = ["documents", "metadatas"] if with_text else ["metadatas"]
        for found in self.pages(include, page):
            texts = found["documents"] or [""] * len(found["ids"])
            yield from zip(found["ids"], texts, found["metadatas"] or [], strict=True)

    def pages(
        self, include: Sequence[str], size: int = 5000, where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every stored chunk (that ``where`` keeps), ``size`` at a time, as Chroma's ``get``
        gives them."""
        return paged(lambda limit, offset: self._page(limit, offset, list(include), where), size)

    @store_errors
    def _page(
        self, size: int, offset: int, include: list[str], where: dict[str, Any] | None
    ) -> Any:
        return self._col.get(
            include=include, limit=size, offset=offset, **({"where": where} if where else {})
        )

    # -- what changed (``changes``) ------------------------------------------------------

    def stored_between(self, after: int, upto: int) -> Iterator[dict[str, Any]]:
        """The chunks write runs ``after+1 .. upto`` stored (and still stored), page by
        page, with their texts, metadata and vectors."""
        include = ["documents", "metadatas", "embeddings"]
        return (finished(found, upto) for found in self.pages(include, where=stored_after(after)))

    def run_in_hand(self, after: int, upto: int, token: str) -> list[dict[str, Any]] | None:
        """The chunks ``stored_between(after, upto)`` would read (as the chunk index reads
        them), when they are the run this process has just written and recorded and still
        holds (``run_chunks``): the writer hands them to its chunk index instead of reading
        them back. None otherwise — also when the store holds other ids under the run's
        number than those in hand (a killed run's, another writer's through a server)."""
        pages = self._run_chunks.pages(after, upto, token)
        if pages is None:
            return None
        held = {str(cid) for found in self.pages([], where={SEQ: upto}) for cid in found["ids"]}
        return pages if held == self._run_chunks.ids(pages) else None

    @store_errors
    def removed_between(self, after: int, upto: int) -> set[str]:
        """The chunk ids write runs ``after+1 .. upto`` removed."""
        return removed_between(self._client, self.name, str(self._col.id), after, upto)

    # -- reading -------------------------------------------------------------------------

    @store_errors
    def count(self) -> int:
        """Number of stored chunks (after catching up with other processes' writes, and
        with a store created again in this folder)."""
        self.refresh()
        return int(self._col.count())

    @store_errors
    def list_articles(self) -> list[ArticleInfo]:
        """Every stored article (one entry per article, newest first)."""
        articles: dict[str, ArticleInfo] = {}
        for _, _, meta in self.all_chunks(with_text=False):
            aid = str(meta["article_id"])
            info = articles.get(aid)
            if info is None:
                articles[aid] = ArticleInfo.from_meta(meta)
            else:
                info.chunks += 1
        return sorted(articles.values(), key=lambda a: (a.date, a.title), reverse=True)

    def find_articles(self, ref: str) -> list[ArticleInfo]:
        """Stored articles whose id, URL, path or title is ``ref`` (id prefixes count too)."""
        ref = ref.strip()
        return [
            a
            for a in self.list_articles()
            if ref and (a.id.startswith(ref) or ref in (a.url, a.path, a.title))
        ]

    @store_errors
    def nearest(
        self, vector: Sequence[float] | np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> tuple[list[Passage], list[np.ndarray]]:
        """The ``k`` chunks nearest to ``vector`` by Chroma's vector index (cosine), best
        first, with their stored vectors. ``where``: Chroma's own filter (the retriever
        filters through the chunk index instead: ``nearest_ids`` with ``among``)."""
        self.check_embedder()
        found = self._col.query(
            query_embeddings=[list(map(float, vector))],
            n_results=k,
            include=["documents", "metadatas", "distances", "embeddings"],
            **({"where": where} if where else {}),
        )
        scores = [1.0 - float(d) for d in (found["distances"] or [[]])[0]]
        return Passage.from_rows(
            found["ids"][0],
            (found["documents"] or [[]])[0],
            (found["metadatas"] or [[]])[0],
            scores,
        ), _vectors(found["embeddings"][0] if found.get("embeddings") is not None else [])

    @store_errors
    def nearest_ids(
        self, vector: Sequence[float] | np.ndarray, k: int, among: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` chunks nearest to ``vector`` by Chroma's vector index, as (id, cosine),
        best first — of ``among`` only, when given (the index asked for enough neighbours
        that ``k`` allowed ones are among them, and again for four times as many while too
        few are). Only what this client's vector index holds (``client_seq``); a chunk
        removed since may be among them (reading it finds nothing)."""
        self.check_embedder()
        if k <= 0 or (among is not None and not among):
            return []
        query = [list(map(float, vector))]
        if among is None:  # Chroma gives fewer when it holds fewer
            return _pairs(
                self._col.query(query_embeddings=query, n_results=k, include=["distances"])
            )
        total = self.count_now()
        allowed = among if isinstance(among, set | frozenset) else set(among)  # no copy a question
        n = min(total, max(2 * k, math.ceil(1.5 * k * total / len(allowed))))
        while True:
            found = self._col.query(
                query_embeddings=query, n_results=min(n, total), include=["distances"]
            )
            pairs = [(cid, score) for cid, score in _pairs(found) if cid in allowed]
            if len(pairs) >= k or n >= total:
                return pairs[:k]
            n = min(total, 4 * n)

    @store_errors
    def passages(self, ids: Sequence[str]) -> list[Passage]:
        """Stored chunks by id, in the order asked (those no longer stored left out)."""
        if not ids:
            return []
        found = self._col.get(ids=list(ids), include=["documents", "metadatas"])
        rows = Passage.from_rows(found["ids"], found["documents"], found["metadatas"])
        by_id = {p.id: p for p in rows}
        return [by_id[i] for i in ids if i in by_id]

    @store_errors
    def count_now(self) -> int:
        """Number of stored chunks, as this client reads it (no catching up)."""
        return int(self._col.count())

    @store_errors
    def leads(self, article_ids: Sequence[str]) -> dict[str, Passage]:
        """The first chunk of each of these articles (where the news is), by article id."""
        if not article_ids:
            return {}
        found = self._col.get(
            where={"$and": [{"article_id": {"$in": list(article_ids)}}, {"chunk_index": 0}]},
            include=["documents", "metadatas"],
        )
        rows = Passage.from_rows(found["ids"], found["documents"], found["metadatas"])
        return {p.article_id: p for p in rows if p.article_id}


def _pairs(found: Any) -> list[tuple[str, float]]:
    """A query's (id, cosine) pairs, best first."""
    distances = (found["distances"] or [[]])[0]
    return [(cid, 1.0 - float(d)) for cid, d in zip(found["ids"][0], distances, strict=True)]


def _vectors(rows: Any) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.float32) for v in rows]

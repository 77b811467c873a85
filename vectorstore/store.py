"""ArticleStore: articles as chunks in a Chroma collection (local folder or Chroma server).

Chroma doubles as the record manager: every chunk carries its article's id and content
hash, so a re-ingest can tell an unchanged article (nothing written) from a changed one
(new chunks written first, then the old ones removed, so the article is never missing).

One writer, any number of readers: ``writing()`` holds a lock file for a write run and
``refresh()`` reopens a reader whose client fell behind another process's writes. (~380
lines: the collection's reads and writes and the rules that keep them consistent belong
together; opening a store and its failures are in ``chroma.py``.)
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import uuid
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
from filelock import FileLock, Timeout

from sources import Article

from .chroma import (
    DATABASE,
    OPEN_LOCK,
    WRITE_HOLDER,
    WRITE_LOCK,
    WRITE_WAIT_S,
    import_chromadb,
    log,
    open_client,
    read_only_copy,
    remove_copy,
    store_errors,
)
from .copies import Copies, also_at, encode, signature, with_copies
from .documents import ArticleInfo, Chunk, Passage
from .embeddings import ChromaEmbeddingFunction, Embedder, EmbeddingModel
from .errors import ReadOnlyError, StoreError

Status = Literal["added", "unchanged", "updated", "folded"]  # folded: a copy (copies.py)
REINDEX_COMMAND = "article-qa reindex"
REINDEXING = ".reindex"  # suffix of the collection a reindex fills (reindex.py)


def _meta(article: Article, chunk: Chunk, n_chunks: int) -> dict[str, str | int]:
    return {
        **article.metadata(),
        "chunk_index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "n_chunks": n_chunks,
        "day": day_number(article.date),
    }


def _copy_record(article: Article) -> dict[str, str]:
    return {
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "date": article.date,
        "path": article.path,
    }


def day_number(day: str) -> int:
    """``2023-09-11`` → 20230911 (Chroma filters compare numbers, not strings); 0 if none."""
    digits = day.replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


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


class ArticleStore:
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
        self._seen = self.revision()  # the revision this object's Chroma client is current with
        self._copies_cache: Copies | None = None  # for one write run (``_copies``)

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
        """Where state derived from or kept beside the store lives (the keyword index, the
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
            from .reindex import finish_swap

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

    # -- the embedder that wrote the vectors -------------------------------------------------

    def embedder_record(self) -> dict[str, str | int]:
        """What the collection records of this process's embedder (nothing for a model
        that does not say what it is)."""
        ours: Embedder | None = getattr(self.embeddings, "identity", None)
        if ours is None:
            return {}
        record: dict[str, str | int] = {"embedder": ours.model, "embedder_backend": ours.backend}
        return record | ({"embedder_dim": ours.dim} if ours.dim else {})

    def embedder_problem(self) -> str | None:
        """Why this process can't use the stored vectors (None: it can). A store records
        the model that embedded it; the same model on another backend (fp32 torch, int8
        onnx) is compatible — measured within half a point of recall (README)."""
        meta, ours = self._meta, getattr(self.embeddings, "identity", None)
        recorded = meta.get("embedder")
        if ours is None or not recorded:
            return None  # a store from before stores recorded it, or an unnamed model
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

    # -- one writer, any number of readers ------------------------------------------------

    @store_errors
    def refresh(self) -> bool:
        """Catch up with writes by other processes: a local Chroma client keeps its vector
        index in memory and would neither find their chunks nor fetch them by id, so the
        client is reopened when the store's revision is not the one it last saw (a reindex
        in another process, which swaps in a new collection, changes it too). True when it
        was. A store folder deleted under a running process is a ``StoreError`` saying so;
        one created again in its place is opened."""
        if not self._threads.acquire(blocking=False):
            return False  # another thread is writing through this client: it is current
        try:
            if self._lock is not None and self._lock.is_locked:
                return False  # this thread is writing, and its client is current
            return self._catch_up()
        finally:
            self._threads.release()

    def _catch_up(self) -> bool:
        with self._reopen_lock:
            moved = self._check_folder()
            if self._path is None:  # a server is always current, but a reindex swaps
                if not moved and self._col.id == self._current().id:
                    return False
                self.reopen_collection()
                return True
            now = self.revision()
            if now == self._seen and not moved:
                return False
            # a new client (see _open); searches already running finish on the old one,
            # which stays valid
            self._open()
            self._seen = self.revision()
            self._copies_cache = None  # others may have written
            return True

    def _database_file(self) -> tuple[int, int] | None:
        """Which file Chroma's database is (device, inode); None for a server or none."""
        if self._path is None:
            return None
        try:
            found = (self._path / DATABASE).stat()
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def _check_folder(self) -> bool:
        """Raise if the store's folder was deleted under this process; True if a new store
        stands in its place (it must be opened again)."""
        if self._path is None or self._database is None:
            return False
        now = self._database_file()
        if now is None:
            raise StoreError(
                f"the article store at {self.location} was deleted or moved while article-qa "
                "was running; add articles again (`article-qa ingest PATH`) and this process "
                "opens the new store by itself"
            )
        return now != self._database

    def check_writable(self) -> None:
        """A ``StoreError`` if this store can only be read."""
        if self.read_only:
            raise ReadOnlyError(
                f"the store at {self.location} is read-only: it can be searched, not written; "
                "ingest into a writable folder (ARTICLE_QA_STORE_DIR)"
            )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive write access to a local store for one run (an ingest, a removal): a
        lock file in the store folder, with its holder named beside it. A second writer
        waits (and says for whom) up to ``WRITE_WAIT_S``, then gives up with a StoreError.
        Re-entrant within one ``ArticleStore``."""
        self.check_writable()
        if not self._threads.acquire(timeout=WRITE_WAIT_S):
            raise StoreError(f"the store at {self.location} is busy writing; try again later")
        try:
            with self._file_lock():
                yield
        finally:
            self._threads.release()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """The write lock file of a local store, for ``writing``."""
        if self._lock is None or self._path is None:  # a server: no lock file, others write
            self._catch_up()
            self._copies_cache = None
            yield
            return
        self._check_folder()  # before the lock file would create the folder again
        holder = self._path / WRITE_HOLDER
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            who = holder.read_text(encoding="utf-8") if holder.exists() else "another process"
            log.warning("article-qa: waiting for %s to finish writing %s", who, self.location)
            try:
                self._lock.acquire(timeout=WRITE_WAIT_S)
            except Timeout:
                raise StoreError(
                    f"the store at {self.location} is being written by {who}; try again when "
                    "it has finished"
                ) from None
        try:
            if self._lock.lock_counter == 1:
                holder.write_text(
                    f"pid {os.getpid()} ({' '.join(sys.argv)[:200]})", encoding="utf-8"
                )
                self._catch_up()  # another process may have written (or reindexed) since
            yield
        finally:
            if self._lock.lock_counter == 1:
                self._seen = self.revision()  # its own writes: this client is current
                holder.unlink(missing_ok=True)
            self._lock.release()

    # -- writing -------------------------------------------------------------------------

    def put(self, article: Article, chunks: Sequence[Chunk]) -> Status:
        """Store one article's chunks; see ``put_many``."""
        return self.put_many([(article, chunks)])[0]

    @store_errors
    def put_many(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[Status]:
        """Store several articles at once (one embedding batch); unchanged ones are skipped."""
        with self.writing():
            return self._put_many(items)

    def _put_many(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[Status]:
        self.check_embedder()
        ids = list({article.id for article, _ in items})
        existing = self._col.get(where={"article_id": {"$in": ids}}, include=["metadatas"])
        stored: dict[str, list[tuple[str, dict]]] = {}
        for cid, meta in zip(existing["ids"], existing["metadatas"] or [], strict=True):
            stored.setdefault(str(meta["article_id"]), []).append((cid, meta))

        statuses: list[Status] = []
        new_ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, str | int]] = []
        keep: set[str] = set()
        copies: Copies | None = None
        folded: dict[str, list[dict[str, str]]] = {}  # original's id → copies found now
        for article, chunks in items:
            old = stored.get(article.id, [])
            wanted = [f"{article.id}-{article.content_hash[:12]}-{c.index}" for c in chunks]
            if sorted(cid for cid, _ in old) == sorted(wanted):
                statuses.append("unchanged")
                keep.update(wanted)
                continue
            mh = signature(article.text)
            if not old:  # a new article: a syndicated copy of one stored (or in this batch)?
                copies = copies or self._copies()
                original = copies.original_of(article.id, mh)
                if original is not None:
                    statuses.append("folded")
                    folded.setdefault(original, []).append(_copy_record(article))
                    continue
                copies.add(article.id, mh)
            statuses.append("updated" if old else "added")
            keep.update(wanted)
            new_ids.extend(wanted)
            texts.extend(c.text for c in chunks)
            metas.extend(_meta(article, c, len(chunks)) for c in chunks)
            metas[len(metas) - len(chunks)]["minhash"] = encode(mh)  # on its first chunk

        if texts:
            vectors = self.embeddings.embed_documents(texts)
            for i in range(0, len(new_ids), self._max_batch):
                j = i + self._max_batch
                self._col.upsert(
                    ids=new_ids[i:j],
                    documents=texts[i:j],
                    metadatas=metas[i:j],
                    embeddings=vectors[i:j],
                )
        stale = [cid for group in stored.values() for cid, _ in group if cid not in keep]
        self._delete(stale)
        for original, records in folded.items():
            self.record_copies(original, records)
        if texts or stale or folded:
            self._bump()
        return statuses

    def _copies(self) -> Copies:
        """The stored articles' signatures for copy detection, read once per write run (a
        local store's; on a server, once per batch): a big ingest's batches share them,
        each batch adding its new ones, instead of each reading every stored one again."""
        if self._copies_cache is None:
            self._copies_cache = Copies(self._signatures())
        return self._copies_cache

    def _signatures(self) -> dict[str, str]:
        """Every stored article's MinHash, by article id (from its first chunk)."""
        found = self._col.get(where={"chunk_index": 0}, include=["metadatas"])
        return {
            str(m["article_id"]): str(m["minhash"])
            for m in found["metadatas"] or []
            if m and m.get("minhash")
        }

    @store_errors
    def copies_of(self, article_id: str) -> list[dict[str, str]]:
        """The syndicated copies recorded on a stored article."""
        found = self._col.get(
            where={"$and": [{"article_id": article_id}, {"chunk_index": 0}]}, include=["metadatas"]
        )
        return also_at(dict((found["metadatas"] or [{}])[0] or {}))

    def record_copies(self, article_id: str, records: Sequence[dict[str, str]]) -> None:
        """Add copies to an article's ``also_at`` (each copy once; at most
        ``MAX_RECORDED`` in full, the rest counted)."""
        found = self._col.get(where={"article_id": article_id}, include=["metadatas"])
        if not found["ids"]:
            return
        metas = [dict(m or {}) for m in found["metadatas"] or []]
        first = next((m for m in metas if m.get("chunk_index") == 0), metas[0])
        fields = with_copies(first, list(records))
        keys = fields.pop("copy_keys")
        metadatas = [{**m, **fields, **({"copy_keys": keys} if m is first else {})} for m in metas]
        self._col.update(ids=found["ids"], metadatas=metadatas)

    @store_errors
    def remove(self, article_id: str) -> int:
        """Remove an article's chunks; returns how many were removed."""
        with self.writing():
            self._copies_cache = None  # a removed article is no original any more
            found = self._col.get(where={"article_id": article_id}, include=[])
            self._delete(found["ids"])
            if found["ids"]:
                self._bump()
            return len(found["ids"])

    def _bump(self) -> None:
        """Record that the collection changed (the keyword index compares revisions), and
        the embedder that wrote it."""
        # Chroma replaces a collection's metadata whole: the rest is read first
        fresh = self._current()
        self._meta = {
            **(fresh.metadata or {}),
            "revision": uuid.uuid4().hex,
            **self.embedder_record(),
        }
        self._col.modify(metadata=self._meta)

    @store_errors
    def revision(self) -> str:
        """A token that changes whenever chunks are written or removed, by any process."""
        fresh = self._current()
        self._meta = dict(fresh.metadata or {})
        return f"{fresh.id}:{self._meta.get('revision', '')}:{fresh.count()}"

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

    def pages(self, include: Sequence[str], size: int = 5000) -> Iterator[dict[str, Any]]:
        """Every stored chunk, ``size`` at a time, as Chroma's ``get`` gives them."""
        offset = 0
        while True:
            found = self._page(size, offset, list(include))
            if not found["ids"]:
                return
            yield found
            offset += len(found["ids"])

    @store_errors
    def _page(self, size: int, offset: int, include: list[str]) -> Any:
        return self._col.get(include=include, limit=size, offset=offset)

    def _delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), self._max_batch):
            self._col.delete(ids=list(ids[i : i + self._max_batch]))

    # -- reading -------------------------------------------------------------------------

    @store_errors
    def count(self) -> int:
        """Number of stored chunks."""
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

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        """The ``k`` chunks nearest to ``query``, best first, scored by cosine similarity."""
        if k <= 0 or not query.strip():
            return []
        vector = self.embeddings.embed_query(query)
        return self.search_vector(vector, k, where)

    def search_vector(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[Passage]:
        """Like ``search`` for an already embedded query."""
        return self.search_vector_with_embeddings(vector, k, where, with_embeddings=False)[0]

    @store_errors
    def search_vector_with_embeddings(
        self,
        vector: Sequence[float] | np.ndarray,
        k: int,
        where: dict[str, Any] | None = None,
        with_embeddings: bool = True,
        among: Collection[str] | None = None,
    ) -> tuple[list[Passage], list[np.ndarray]]:
        """Like ``search_vector``, with each passage's stored embedding. ``among``: only
        these chunk ids (a filter the caller resolved from its own index, e.g. the keyword
        index's days and sources) — exact, and faster than Chroma's ``where``."""
        self.check_embedder()
        if among is not None:
            return self._nearest_among(np.asarray(vector, dtype=np.float32), k, among)
        kwargs: dict[str, Any] = {"where": where} if where else {}
        include = ["documents", "metadatas", "distances"]
        found = self._col.query(
            query_embeddings=[list(map(float, vector))],
            n_results=k,
            include=[*include, "embeddings"] if with_embeddings else include,
            **kwargs,
        )
        passages = [
            Passage.from_record(cid, doc or "", meta or {}, score=1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                found["ids"][0],
                (found["documents"] or [[]])[0],
                (found["metadatas"] or [[]])[0],
                (found["distances"] or [[]])[0],
                strict=True,
            )
        ]
        embeddings = found.get("embeddings")
        vectors = [
            np.asarray(v, dtype=np.float32)
            for v in (embeddings[0] if embeddings is not None else [])
        ]
        return passages, vectors

    def _nearest_among(
        self, vector: np.ndarray, k: int, among: Collection[str]
    ) -> tuple[list[Passage], list[np.ndarray]]:
        """The ``k`` chunks of ``among`` nearest to ``vector``: the unfiltered vector index
        asked for enough neighbours that ``k`` of them are allowed, asked again for four
        times as many while too few are. For a wide filter; a narrow one is answered from
        the keyword index's vectors (``KeywordIndex.nearest``)."""
        allowed = among if isinstance(among, set | frozenset) else set(among)
        if not allowed or k <= 0:
            return [], []
        total = self.count()
        n = min(total, max(2 * k, math.ceil(1.5 * k * total / len(allowed))))
        while True:
            found = self._col.query(query_embeddings=[vector.tolist()], n_results=n, include=[])
            chosen = [cid for cid in found["ids"][0] if cid in allowed][:k]
            if len(chosen) >= k or n >= total:
                break
            n = min(total, 4 * n)
        passages, vectors = self.passages_with_embeddings(chosen)
        for p, v in zip(passages, vectors, strict=True):
            p.score = float(v @ vector)
        return passages, vectors

    @store_errors
    def passages_with_embeddings(
        self, ids: Sequence[str]
    ) -> tuple[list[Passage], list[np.ndarray]]:
        """Stored chunks by id, in the order asked, with their embeddings."""
        if not ids:
            return [], []
        self.check_embedder()
        found = self._col.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        by_id = {
            cid: (Passage.from_record(cid, doc or "", meta or {}), np.asarray(v, dtype=np.float32))
            for cid, doc, meta, v in zip(
                found["ids"],
                found["documents"] or [],
                found["metadatas"] or [],
                found["embeddings"] if found["embeddings"] is not None else [],
                strict=True,
            )
        }
        kept = [by_id[i] for i in ids if i in by_id]
        return [p for p, _ in kept], [v for _, v in kept]

    @store_errors
    def leads(self, article_ids: Sequence[str]) -> dict[str, Passage]:
        """The first chunk of each of these articles (where the news is), by article id."""
        if not article_ids:
            return {}
        found = self._col.get(
            where={"$and": [{"article_id": {"$in": list(article_ids)}}, {"chunk_index": 0}]},
            include=["documents", "metadatas"],
        )
        return {
            str(meta["article_id"]): Passage.from_record(cid, doc or "", meta)
            for cid, doc, meta in zip(
                found["ids"], found["documents"] or [], found["metadatas"] or [], strict=True
            )
            if meta
        }

    def passages(self, ids: Iterable[str]) -> list[Passage]:
        """Stored chunks by id (for neighbours and citations)."""
        found = self._col.get(ids=list(ids), include=["documents", "metadatas"])
        return [
            Passage.from_record(cid, doc or "", meta or {})
            for cid, doc, meta in zip(
                found["ids"], found["documents"] or [], found["metadatas"] or [], strict=True
            )
        ]

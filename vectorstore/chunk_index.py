"""The product's own index of the chunks: BM25 for the keyword side of hybrid search
(``keyword_index``, tantivy), and each chunk's day, source and vector for filtered search
on both sides (``chunk_rows``) — kept in step with the store write by write.

Chroma stays the one source of truth. Each write run is numbered (``changes``); the index
remembers the store revision and run it is at, in ``meta.json`` beside its files. When the
store has moved on, the first process to notice — normally the writer itself, as its run
finishes — reads only the runs since (the chunks they stored, the ids they removed) and
adds one segment to each side, marking the rows it replaces deleted: a write costs what
it added, not the whole store. Every other process sees the new ``meta.json`` and loads
what is new in it. ``meta.json`` is written last, by replacing it: a process killed
mid-update leaves the previous index readable, and the next update starts from it. A full
build (from every chunk) happens only for a new index, another collection (a reindex), a
store from before runs were numbered, or an index that disagrees with the store's count.

The index lives beside a local store, or in the user's cache for a Chroma server (one
per machine: its processes share it; each machine catches up on its own); for a store
that can't be written, in a private temporary folder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from .changes import SEQ, StoreState, finished
from .chroma import INDEX_FOLDER
from .chunk_rows import (
    PARTS,
    Rows,
    Segment,
    merge_plan,
    merged,
    positions,
    read_segment,
    segment_file,
    write_segment,
)
from .documents import indexed_text
from .errors import StoreError
from .keyword_index import Entry, KeywordIndex, Scope
from .store import ArticleStore
from .writes import day_number

log = logging.getLogger(__name__)

INDEX_VERSION = 4  # 3: tantivy and segments, kept up to date by write runs; 4: runs, ids sorted
EXACT_AT_MOST = 50_000  # filtered dense search: up to this many kept chunks compared directly
SEGMENT_ROWS = 100_000  # a build or a long catch-up writes segments of at most this many rows
META = "meta.json"
DAMAGED = (OSError, ValueError, EOFError, KeyError, TypeError)  # reading a damaged index
KEYWORD = "keyword"

_MAKING = threading.Lock()  # one index per store object, also when threads ask at once


@dataclass(slots=True)
class ChunkHit:
    """A chunk found by its words: its id and BM25 score."""

    id: str
    score: float


class ChunkIndex:
    """The keyword and rows sides of the store's chunks, kept in step by its write runs."""

    def __init__(self, store: ArticleStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._lock = threading.Lock()
        self._token: str | None = None  # the store revision this process has loaded
        self._rows = Rows([], [])
        self._keyword: KeywordIndex | None = None
        self._builds: int | None = None  # the saved index's build the keyword side is from

    @classmethod
    def for_store(cls, store: ArticleStore) -> ChunkIndex:
        """The index of ``store`` (one per store object: its writes and its questions share
        it): beside a local store, else in the server's cache folder."""
        with _MAKING:
            if not isinstance(store.chunk_index, ChunkIndex):
                store.chunk_index = cls(store, _index_folder(store))
            return store.chunk_index

    # -- keeping in step ----------------------------------------------------------------------

    def sync(self, wait: bool = True) -> None:
        """Make the index match the store as of its last finished write run: load what
        another process added, or catch up (or build) it here. ``wait=False`` (the writer,
        after its run): if another thread of this process is bringing the index up to
        date already, leave it to that thread (which may be waiting for the writer)."""
        token = self.store.revision()
        if token == self._token:
            return
        if not self._lock.acquire(blocking=wait):
            return
        try:
            if token == self._token:
                return
            self._sync(token)
        finally:
            self._lock.release()

    def _sync(self, token: str) -> None:
        try:
            meta = _read_meta(self.folder)
            if meta is None or meta["token"] != token:
                meta = self._update()
            try:
                self._load(meta)
            except FileNotFoundError:  # an update removed them after meta was read
                self._load(self._update())
        except DAMAGED as exc:  # derived data, unreadable for any reason: built anew
            log.warning(
                "article-qa: the chunk index in %s could not be read (%s: %s); rebuilding it",
                self.folder,
                type(exc).__name__,
                exc,
            )
            try:
                self._load(self._update(rebuild=True))
            except StoreError:
                raise
            except Exception as again:
                raise StoreError(
                    f"the chunk index in {self.folder} can't be built ({type(again).__name__}: "
                    f"{again}); free some disk space or fix the folder's permissions, or "
                    "delete the folder, then ask again"
                ) from again

    def _load(self, meta: dict[str, Any]) -> None:
        if self._keyword is None or meta.get("builds") != self._builds:
            self._keyword = KeywordIndex(self.folder / KEYWORD)  # a build made it anew
            self._builds = meta.get("builds")
        else:
            self._keyword.reload()
        self._rows = Rows(self._segments(meta), meta["sources"])
        self._token = meta["token"]

    def _update(self, rebuild: bool = False) -> dict[str, Any]:
        """Bring the saved index up to the store, under the index's lock file (one process
        updates; the others wait, then load what it wrote). ``rebuild``: from every chunk,
        whatever the saved index says."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(self.folder.with_name(self.folder.name + ".lock")):
            for attempt in range(3):
                state = self.store.state()
                try:
                    meta = _read_meta(self.folder)
                except DAMAGED:
                    if not rebuild:
                        raise
                    meta = None
                if not rebuild and meta is not None and meta["token"] == state.token:
                    return meta  # another process did it while this one waited
                self.store.current()  # a client that returns the vectors of every finished run
                state = self.store.state()
                if rebuild:
                    return self._build(meta, state)
                try:
                    if _continues(meta, state):
                        assert meta is not None
                        caught = self._catch_up(meta, state)
                        if caught is not None:
                            return caught
                    return self._build(meta, state)
                except StoreError:
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _catch_up(self, meta: dict[str, Any], state: StoreState) -> dict[str, Any] | None:
        """The runs since ``meta``'s, added; None when the result disagrees with the store's
        count of chunks (a write the numbering missed: the caller builds instead)."""
        removed = self.store.removed_between(meta["seq"], state.seq)
        in_hand = self.store.run_in_hand(meta["seq"], state.seq, state.token)  # its own run
        pages = (
            in_hand if in_hand is not None else self.store.stored_between(meta["seq"], state.seq)
        )
        update = _Update(self.folder, meta, state)
        update.apply(removed, pages, self._segments(meta))
        if update.live != state.chunks or update.keyword_count != state.chunks:
            log.warning(
                "article-qa: the chunk index of %s counts %d chunks after catching up, the "
                "store %s; rebuilding it",
                self.store.location,
                update.live,
                state.chunks,
            )
            return None
        return update.save(
            builds=meta.get("builds", 0),
            catch_ups=meta.get("catch_ups", 0) + 1,
            handed_over=meta.get("handed_over", 0) + (in_hand is not None),
        )

    def _build(self, meta: dict[str, Any] | None, state: StoreState) -> dict[str, Any]:
        """Every chunk of the store's finished runs, indexed anew."""
        shutil.rmtree(self.folder / KEYWORD, ignore_errors=True)  # a damaged one too
        base = {"segments": [], "sources": [], "generation": (meta or {}).get("generation", 0)}
        update = _Update(self.folder, base, state, fresh=True)
        pages = (
            finished(found, state.seq)
            for found in self.store.pages(["documents", "metadatas", "embeddings"])
        )
        update.apply(set(), pages, [])
        builds = (meta or {}).get("builds", 0) + 1
        return update.save(
            builds=builds,
            catch_ups=(meta or {}).get("catch_ups", 0),
            handed_over=(meta or {}).get("handed_over", 0),
        )

    def _segments(self, meta: dict[str, Any]) -> list[Segment]:
        """The segments ``meta`` names: those loaded already as they are, the rest (or
        those with new deletions) read from their files."""
        loaded = {s.name: s for s in self._rows.segments}
        return [
            loaded[e["name"]]
            if e["name"] in loaded and loaded[e["name"]].deleted_file == e["deleted"]
            else read_segment(self.folder, e["name"], e["deleted"])
            for e in meta["segments"]
        ]

    def stats(self) -> dict[str, Any]:
        """What the saved index says of itself: its run, chunks, segments, and how many
        times it was built from every chunk and caught up with a write (of those, how
        many from the chunks the writer handed over rather than read back)."""
        try:
            meta = _read_meta(self.folder) or {}
        except DAMAGED:
            meta = {}
        return {
            "seq": meta.get("seq"),
            "chunks": meta.get("chunks"),
            "segments": len(meta.get("segments", [])),
            "builds": meta.get("builds", 0),
            "catch_ups": meta.get("catch_ups", 0),
            "handed_over": meta.get("handed_over", 0),
        }

    # -- searching ----------------------------------------------------------------------------

    @property
    def sources(self) -> list[str]:
        """Every source the index has seen (for reading sources from a question)."""
        return self._rows.source_table

    @property
    def ids(self) -> list[str]:
        """Every chunk id in the index (for checks; a million of them is a lot of strings)."""
        self.sync()
        return sorted(self._rows.ids_where([s.alive for s in self._rows.segments]))

    def scope(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        sources: Sequence[str] = (),
        articles: Collection[str] = (),
    ) -> Scope | None:
        """The chunks published in ``date_from``..``date_to`` by one of ``sources`` (of one
        of ``articles``: a story's), for ``search``, ``nearest`` and ``chunk_ids``; None when
        nothing is restricted (Chroma's own ``where`` for the same: ``where_clause``)."""
        if not (date_from or date_to or sources or articles):
            return None
        scope = Scope(
            day_from=day_number(date_from.isoformat()) if date_from else None,
            day_to=day_number(date_to.isoformat()) if date_to else None,
            sources=tuple(sources),
            articles=frozenset(articles),
        )
        if articles:  # the keyword side filters by chunk id
            scope = replace(scope, chunk_ids=frozenset(self.chunk_ids(scope) or ()))
        return scope

    def chunk_ids(self, scope: Scope | None) -> set[str] | None:
        """The ids of the chunks ``scope`` keeps (None: no restriction), for the dense
        side's filtered search (``ArticleStore.nearest_ids`` with ``among``)."""
        if scope is None:
            return None
        rows = self._rows
        return rows.ids_where(rows.masks(scope))

    def count_after(self, seq: int) -> int:
        """How many chunks write runs after ``seq`` stored (and are still stored)."""
        return self._rows.count_after(seq)

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks, by id (the index's copy of Chroma's)."""
        return self._rows.vectors(ids)

    def nearest(self, vector: np.ndarray, k: int, scope: Scope) -> list[tuple[str, float]] | None:
        """The ``k`` chunks ``scope`` keeps that are nearest to ``vector`` (cosine), best
        first, compared directly — exact; None when more than ``EXACT_AT_MOST`` are kept
        (the caller asks the vector index instead, ``ArticleStore`` with ``among``)."""
        rows = self._rows
        masks = rows.masks(scope)
        if sum(int(m.sum()) for m in masks) > EXACT_AT_MOST:
            return None
        return rows.nearest(vector, k, masks)

    def search(
        self, query: str, k: int, scope: Scope | None = None, sync: bool = True
    ) -> list[ChunkHit]:
        """The ``k`` chunks with the best BM25 score for ``query`` (only those ``scope``
        keeps). ``sync=False`` when the caller has just synced (one revision check a query)."""
        if sync:
            self.sync()
        if self._keyword is None:
            return []
        return [ChunkHit(cid, score) for cid, score in self._keyword.search(query, k, scope)]

    def __len__(self) -> int:
        self.sync()
        return len(self._rows)


class _Update:
    """One update of the saved index: removals and additions to both sides, a bounded
    merge of rows segments, then the new ``meta.json`` (last)."""

    def __init__(
        self, folder: Path, meta: dict[str, Any], state: StoreState, fresh: bool = False
    ) -> None:
        self.folder = folder
        self.state = state
        self.fresh = fresh
        self.generation = int(meta.get("generation", 0)) + 1
        self.sources: list[str] = list(meta["sources"])
        self.codes = {s: i for i, s in enumerate(self.sources)}
        self.live = 0
        self.keyword_count = 0
        self._made = 0

    def _name(self, kind: str) -> str:
        # unique even where generations start again (a new index beside an old one's files
        # that other processes still map): a file is never written over
        return f"{kind}{self.generation:07d}-{self._next()}-{uuid.uuid4().hex[:8]}"

    def apply(
        self, removed: set[str], pages: Iterable[dict[str, Any]], segments: Sequence[Segment]
    ) -> None:
        keyword = KeywordIndex(self.folder / KEYWORD)
        segments = list(segments)
        with keyword.writing() as writer:
            if self.fresh:
                writer.remove_all()
            writer.remove(removed)
            buffer = _Buffer()
            for found in pages:
                if not found["ids"]:
                    continue  # a page of a run still under way only
                buffer.take(found)
                if not self.fresh:  # a chunk stored again replaces the one indexed
                    writer.remove(found["ids"])
                    removed = removed | set(found["ids"])
                writer.add(buffer.entries_from(found))
                if len(buffer) >= SEGMENT_ROWS:
                    segments = self._delete(segments, removed)
                    segments.append(self._write(buffer))
                    removed, buffer = set(), _Buffer()
            segments = self._delete(segments, removed)
            if len(buffer):
                segments.append(self._write(buffer))
            segments = self._merge(segments)
        self.segments = segments
        self.live = sum(s.live for s in segments)
        self.keyword_count = len(keyword)

    def _delete(self, segments: list[Segment], ids: set[str]) -> list[Segment]:
        """Mark the rows holding ``ids`` deleted, segment by segment."""
        if not ids:
            return segments
        out = []
        for seg in segments:
            rows = positions(seg, ids)
            if len(rows):
                alive = seg.alive.copy()
                alive[rows] = False
                name = f"{seg.name}.del{self.generation:07d}-{self._next()}.npy"
                with (self.folder / name).open("wb") as fh:
                    np.save(fh, np.flatnonzero(~alive).astype(np.int64))
                seg = dataclasses.replace(seg, alive=alive, deleted_file=name)
            out.append(seg)
        return out

    def _next(self) -> int:
        self._made += 1
        return self._made

    def _write(self, buffer: _Buffer) -> Segment:
        name = self._name("s")
        codes = [self._code(s) for s in buffer.sources]
        write_segment(
            self.folder, name, buffer.ids, buffer.days, codes, buffer.seqs, buffer.vectors()
        )
        return read_segment(self.folder, name, None)

    def _code(self, source: str) -> int:
        code = self.codes.get(source)
        if code is None:
            code = self.codes[source] = len(self.sources)
            self.sources.append(source)
        return code

    def _merge(self, segments: list[Segment]) -> list[Segment]:
        plan = merge_plan(segments)
        if not plan:
            return segments
        rows = merged(plan)
        gone = {s.name for s in plan}
        kept = [s for s in segments if s.name not in gone]
        if not rows.ids:  # nothing left alive in them
            return kept
        name = self._name("m")
        write_segment(
            self.folder, name, rows.ids, rows.days.tolist(), rows.sources.tolist(),
            rows.seqs.tolist(), rows.vectors,
        )  # fmt: skip
        return [*kept, read_segment(self.folder, name, None)]

    def save(self, **counters: int) -> dict[str, Any]:
        meta = {
            "version": INDEX_VERSION,
            "token": self.state.token,
            "collection": self.state.collection,
            "seq": self.state.seq,
            "chunks": self.live,
            "generation": self.generation,
            "sources": self.sources,
            "segments": [{"name": s.name, "deleted": s.deleted_file} for s in self.segments],
            **counters,
        }
        tmp = self.folder / f".{META}.{os.getpid()}"
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, self.folder / META)
        _remove_unused(self.folder, meta)
        return meta


class _Buffer:
    """Chunks read from the store, waiting to become one rows segment."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.days: list[int] = []
        self.sources: list[str] = []
        self.seqs: list[int] = []
        self._vectors: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, found: dict[str, Any]) -> None:
        self.ids.extend(found["ids"])
        for meta in found["metadatas"]:
            self.days.append(int(meta.get("day", 0) or 0))
            self.sources.append(str(meta.get("source", "")))
            self.seqs.append(int(meta.get(SEQ, 0) or 0))
        self._vectors.append(np.asarray(found["embeddings"], dtype=np.float32))

    @staticmethod
    def entries_from(found: dict[str, Any]) -> Iterator[Entry]:
        for cid, text, meta in zip(
            found["ids"], found["documents"], found["metadatas"], strict=True
        ):
            yield Entry(
                id=cid,
                text=indexed_text(str(meta.get("title", "")), text or ""),
                day=int(meta.get("day", 0) or 0),
                source=str(meta.get("source", "")),
            )

    def vectors(self) -> np.ndarray:
        return np.vstack(self._vectors)


def _continues(meta: dict[str, Any] | None, state: StoreState) -> bool:
    """Whether the saved index can catch up with ``state`` run by run."""
    return (
        meta is not None
        and meta.get("version") == INDEX_VERSION
        and meta.get("collection") == state.collection
        and state.chunks is not None
        and int(meta.get("seq", 0)) <= state.seq
    )


def _read_meta(folder: Path) -> dict[str, Any] | None:
    """The saved index's ``meta.json``; None when there is none (or of another version);
    ``DAMAGED`` when it can't be read."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(meta, dict):
        raise ValueError(f"{META} holds no object")
    if meta.get("version") != INDEX_VERSION:
        return None
    return meta


def _remove_unused(folder: Path, meta: dict[str, Any]) -> None:
    """Remove the rows files no segment of ``meta`` uses (processes that still map them
    keep reading them: the file goes when they let go)."""
    used = {folder / e["deleted"] for e in meta["segments"] if e["deleted"]}
    used |= {segment_file(folder, e["name"], part) for e in meta["segments"] for part in PARTS}
    for path in folder.glob("*.npy"):
        if path not in used:
            path.unlink(missing_ok=True)


def _index_folder(store: ArticleStore) -> Path:
    """Where the store's index is kept: beside it (or in the server's cache folder), else —
    for a folder this process can't write — in a private temporary folder."""
    folder = store.state_dir / INDEX_FOLDER / store.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    private = Path(tempfile.mkdtemp(prefix="article-qa-index-"))
    weakref.finalize(store, shutil.rmtree, private, True)
    return private / store.name


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

"""The rows side of the chunk index: each chunk's id, day, source and vector, in segments.

A filter (a week, some outlets, the chunks stored since a run) becomes a boolean mask over
these rows, and a narrow one is searched by comparing the question with the kept rows'
vectors directly — exact, and far quicker than asking Chroma with a ``where``. Any chunk's
vector is found by its id (each segment keeps its ids sorted too). A write adds one
segment (``.npy`` files: ids, days, source codes, write runs, vectors, the ids sorted and
where each stands) and marks the rows it replaces or removes in a deletions file of the
segment it touched; nothing else is rewritten. The vectors are
memory-mapped: a page over a million chunks holds none of them until a filter reads some.
Merging happens at write time, in bounded steps (``merge_plan``): segments of the same
size class merge when there are ``MERGE_AT`` of them (so a row is rewritten about
log₄(chunks) times in its life), and a segment with many deleted rows is rewritten
without them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .keyword_index import Scope

MERGE_AT = 4  # segments of one size class merged together
LARGEST_MERGE = 500_000  # rows: segments this big are only compacted, never merged
COMPACT_AT = 0.3  # a segment with this share of its rows deleted is rewritten without them
PARTS = ("ids", "days", "src", "seq", "vec", "sid", "ord")


@dataclass(slots=True)
class Segment:
    """One segment's rows, read from its files (``alive``: not deleted)."""

    name: str
    ids: np.ndarray  # bytes, one per row
    days: np.ndarray  # int32
    sources: np.ndarray  # uint32 codes into the index's source table
    seqs: np.ndarray  # int32: the write run that stored each row
    vectors: np.ndarray  # float32, memory-mapped
    sorted_ids: np.ndarray  # the ids in order (memory-mapped), for finding a row by its id
    order: np.ndarray  # int32: where each of ``sorted_ids`` stands in ``ids``
    alive: np.ndarray  # bool
    deleted_file: str | None

    @property
    def live(self) -> int:
        return int(self.alive.sum())


def segment_file(folder: Path, name: str, part: str) -> Path:
    return folder / f"{name}.{part}.npy"


def write_segment(
    folder: Path,
    name: str,
    ids: Sequence[str],
    days: Sequence[int],
    sources: Sequence[int],
    seqs: Sequence[int],
    vectors: np.ndarray,
) -> None:
    """Write a new segment's files (not yet part of the index: the index's meta file names
    the segments it has, and is written last)."""
    width = max((len(i.encode()) for i in ids), default=1)
    encoded = np.asarray([i.encode() for i in ids], dtype=f"S{width}")
    order = np.argsort(encoded, kind="stable").astype(np.int32)
    arrays = {
        "ids": encoded,
        "days": np.asarray(days, dtype=np.int32),
        "src": np.asarray(sources, dtype=np.uint32),
        "seq": np.asarray(seqs, dtype=np.int32),
        "vec": np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1),
        "sid": encoded[order],
        "ord": order,
    }
    for part, array in arrays.items():
        with segment_file(folder, name, part).open("wb") as fh:
            np.save(fh, array)


def read_segment(folder: Path, name: str, deleted_file: str | None) -> Segment:
    ids = np.load(segment_file(folder, name, "ids"), mmap_mode="r")
    alive = np.ones(len(ids), dtype=bool)
    if deleted_file:
        alive[np.load(folder / deleted_file)] = False
    return Segment(
        name=name,
        ids=ids,
        days=np.load(segment_file(folder, name, "days")),
        sources=np.load(segment_file(folder, name, "src")),
        seqs=np.load(segment_file(folder, name, "seq")),
        vectors=np.load(segment_file(folder, name, "vec"), mmap_mode="r"),
        sorted_ids=np.load(segment_file(folder, name, "sid"), mmap_mode="r"),
        order=np.load(segment_file(folder, name, "ord"), mmap_mode="r"),
        alive=alive,
        deleted_file=deleted_file,
    )


def locate(segment: Segment, ids: Iterable[str]) -> list[tuple[str, int]]:
    """(id, row) of each of these ids that ``segment`` holds and has not deleted, found in
    its sorted ids (an id longer than the segment's width is not in it)."""
    width = segment.sorted_ids.dtype.itemsize
    keys = sorted({e for e in (i.encode() for i in ids) if len(e) <= width})
    if not keys or not len(segment.sorted_ids):
        return []
    at = np.searchsorted(segment.sorted_ids, np.asarray(keys, dtype=segment.sorted_ids.dtype))
    found = []
    for key, i in zip(keys, at, strict=True):
        if i < len(segment.sorted_ids) and segment.sorted_ids[i] == key:
            row = int(segment.order[i])
            if segment.alive[row]:
                found.append((key.decode(), row))
    return found


def positions(segment: Segment, ids: Iterable[str]) -> np.ndarray:
    """The rows of ``segment`` that hold these ids and are not deleted yet."""
    return np.asarray(sorted(row for _, row in locate(segment, ids)), dtype=np.int64)


class Rows:
    """The index's segments, in order, with its table of sources."""

    def __init__(self, segments: Sequence[Segment], sources: Sequence[str]) -> None:
        self.segments = list(segments)
        self.source_table = list(sources)

    def __len__(self) -> int:
        return sum(s.live for s in self.segments)

    def masks(self, scope: Scope) -> list[np.ndarray]:
        """Per segment, which of its live rows ``scope`` keeps."""
        codes = (
            np.asarray([i for i, s in enumerate(self.source_table) if s in scope.sources])
            if scope.sources
            else None
        )
        wanted = np.asarray(sorted(a.encode() for a in scope.articles), dtype=bytes)
        found = []
        for seg in self.segments:
            mask = seg.alive.copy()
            if scope.day_from is not None:
                mask &= seg.days >= scope.day_from
            if scope.day_to is not None:
                mask &= seg.days <= scope.day_to
            if codes is not None:
                mask &= np.isin(seg.sources, codes)
            if scope.seq_after is not None:
                mask &= seg.seqs > scope.seq_after
            if scope.articles:
                mask &= np.isin(np.char.partition(seg.ids, b"-")[:, 0], wanted)
            found.append(mask)
        return found

    def count_after(self, seq: int) -> int:
        """How many live rows write runs after ``seq`` stored."""
        return sum(int((seg.alive & (seg.seqs > seq)).sum()) for seg in self.segments)

    def vectors(self, ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The vectors of these chunks, by id (those the index has, not deleted)."""
        wanted = set(ids)
        found: dict[str, np.ndarray] = {}
        for seg in reversed(self.segments):  # newest first: a live row is in one segment
            if not wanted:
                break
            for cid, row in locate(seg, wanted):
                found[cid] = np.asarray(seg.vectors[row], dtype=np.float32)
            wanted -= found.keys()
        return found

    def ids_where(self, masks: Sequence[np.ndarray]) -> set[str]:
        return {
            cid.decode()
            for seg, mask in zip(self.segments, masks, strict=True)
            for cid in np.asarray(seg.ids)[mask]
        }

    def nearest(
        self, vector: np.ndarray, k: int, masks: Sequence[np.ndarray]
    ) -> list[tuple[str, float]]:
        """The ``k`` kept rows nearest to ``vector`` (cosine of unit vectors), best first."""
        best: list[tuple[float, str]] = []
        for seg, mask in zip(self.segments, masks, strict=True):
            rows = np.flatnonzero(mask)
            if not len(rows):
                continue
            sims = np.asarray(seg.vectors[rows] @ vector, dtype=np.float32)
            top = np.argsort(-sims, kind="stable")[:k]
            best.extend((float(sims[i]), seg.ids[rows[i]].decode()) for i in top)
        best.sort(key=lambda pair: -pair[0])
        return [(cid, score) for score, cid in best[:k]]


def size_class(rows: int) -> int:
    return int(math.log(max(rows, 1), MERGE_AT))


def merge_plan(segments: Sequence[Segment]) -> list[Segment]:
    """The segments to merge in this write (none, or one bounded step): the smallest size
    class with ``MERGE_AT`` segments, or else one segment that is mostly deleted rows."""
    classes: dict[int, list[Segment]] = {}
    for seg in segments:
        if seg.live < LARGEST_MERGE:
            classes.setdefault(size_class(seg.live), []).append(seg)
    for _, group in sorted(classes.items()):
        if len(group) >= MERGE_AT:
            return group
    for seg in segments:
        if len(seg.alive) and 1 - seg.live / len(seg.alive) >= COMPACT_AT:
            return [seg]
    return []


@dataclass(slots=True)
class Merged:
    """The live rows of several segments, as one."""

    ids: list[str]
    days: np.ndarray
    sources: np.ndarray
    seqs: np.ndarray
    vectors: np.ndarray


def merged(segments: Sequence[Segment]) -> Merged:
    """The live rows of ``segments`` as one."""
    keep = [np.flatnonzero(seg.alive) for seg in segments]
    pairs = list(zip(segments, keep, strict=True))
    dim = segments[0].vectors.shape[1] if segments else 0
    return Merged(
        ids=[cid.decode() for s, k in pairs for cid in np.asarray(s.ids)[k]],
        days=_join([s.days[k] for s, k in pairs], np.int32),
        sources=_join([s.sources[k] for s, k in pairs], np.uint32),
        seqs=_join([s.seqs[k] for s, k in pairs], np.int32),
        vectors=np.vstack([np.asarray(s.vectors[k]) for s, k in pairs])
        if pairs
        else np.zeros((0, dim), np.float32),
    )


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

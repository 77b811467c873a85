"""The rows side of the chunk index: each chunk's id, day, source and vector, in segments.

A filter (a week, some outlets) becomes a boolean mask over these rows, and a narrow one
is searched by comparing the question with the kept rows' vectors directly — exact, and
far quicker than asking Chroma with a ``where``. A write adds one segment (four ``.npy``
files: ids, days, source codes, vectors) and marks the rows it replaces or removes in a
deletions file of the segment it touched; nothing else is rewritten. The vectors are
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
PARTS = ("ids", "days", "src", "vec")


@dataclass(slots=True)
class Segment:
    """One segment's rows, read from its files (``alive``: not deleted)."""

    name: str
    ids: np.ndarray  # bytes, one per row
    days: np.ndarray  # int32
    sources: np.ndarray  # uint32 codes into the index's source table
    vectors: np.ndarray  # float32, memory-mapped
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
    vectors: np.ndarray,
) -> None:
    """Write a new segment's files (not yet part of the index: the index's meta file names
    the segments it has, and is written last)."""
    width = max((len(i.encode()) for i in ids), default=1)
    arrays = {
        "ids": np.asarray([i.encode() for i in ids], dtype=f"S{width}"),
        "days": np.asarray(days, dtype=np.int32),
        "src": np.asarray(sources, dtype=np.uint32),
        "vec": np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1),
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
        vectors=np.load(segment_file(folder, name, "vec"), mmap_mode="r"),
        alive=alive,
        deleted_file=deleted_file,
    )


def positions(segment: Segment, ids: Iterable[str]) -> np.ndarray:
    """The rows of ``segment`` that hold these ids and are not deleted yet."""
    width = segment.ids.dtype.itemsize
    wanted = [e for e in (i.encode() for i in ids) if len(e) <= width]  # longer: not in it
    if not wanted:
        return np.zeros(0, dtype=np.int64)
    found = np.isin(np.asarray(segment.ids), np.asarray(wanted, dtype=segment.ids.dtype))
    return np.flatnonzero(found & segment.alive)


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
        found = []
        for seg in self.segments:
            mask = seg.alive.copy()
            if scope.day_from is not None:
                mask &= seg.days >= scope.day_from
            if scope.day_to is not None:
                mask &= seg.days <= scope.day_to
            if codes is not None:
                mask &= np.isin(seg.sources, codes)
            found.append(mask)
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


def merged(segments: Sequence[Segment]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The live rows of ``segments`` as one: ids, days, source codes, vectors."""
    ids: list[str] = []
    days, sources, vectors = [], [], []
    for seg in segments:
        keep = np.flatnonzero(seg.alive)
        ids.extend(cid.decode() for cid in np.asarray(seg.ids)[keep])
        days.append(seg.days[keep])
        sources.append(seg.sources[keep])
        vectors.append(np.asarray(seg.vectors[keep]))
    dim = segments[0].vectors.shape[1] if segments else 0
    return (
        ids,
        np.concatenate(days) if days else np.zeros(0, np.int32),
        np.concatenate(sources) if sources else np.zeros(0, np.uint32),
        np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32),
    )

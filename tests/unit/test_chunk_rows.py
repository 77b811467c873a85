"""The rows side of the chunk index: segments on disk, deletions, filters, exact nearest
search, and the merge policy's bounded steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vectorstore.chunk_rows import (
    LARGEST_MERGE,
    MERGE_AT,
    Rows,
    Segment,
    merge_plan,
    merged,
    positions,
    read_segment,
    write_segment,
)
from vectorstore.keyword_index import Scope


def _segment(folder: Path, name: str, ids: list[str], days: list[int], src: list[int]) -> Segment:
    rng = np.random.default_rng(len(ids))
    vectors = rng.standard_normal((len(ids), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    seqs = list(range(1, len(ids) + 1))  # each row stored by its own run, for the test
    write_segment(folder, name, ids, days, src, seqs, vectors)
    return read_segment(folder, name, None)


def test_segments_filter_delete_and_search_exactly(tmp_path: Path) -> None:
    a = _segment(
        tmp_path,
        "a",
        ["x-0", "x-1", "a-much-longer-id-2"],
        [20240101, 20240105, 20240110],
        [0, 1, 0],
    )
    b = _segment(tmp_path, "b", ["y-0", "y-1"], [20240103, 20240120], [1, 1])
    rows = Rows([a, b], ["Herald", "Courier"])
    assert len(rows) == 5
    week = rows.masks(Scope(day_from=20240101, day_to=20240107))
    assert rows.ids_where(week) == {"x-0", "x-1", "y-0"}
    herald = rows.masks(Scope(sources=("Herald",)))
    assert rows.ids_where(herald) == {"x-0", "a-much-longer-id-2"}
    # an id longer than a segment's width is not in it (and is not cut short to match)
    assert positions(b, ["y-0-and-more", "y-1"]).tolist() == [1]
    assert positions(a, ["a-much-longer-id-2"]).tolist() == [2]

    # exact search: the kept row nearest to a row's own vector is that row
    query = np.asarray(b.vectors[0])
    assert rows.nearest(query, 1, rows.masks(Scope(day_from=20240101)))[0][0] == "y-0"
    # a deleted row is neither kept nor found
    np.save(tmp_path / "b.del1.npy", np.asarray([0]))
    b2 = read_segment(tmp_path, "b", "b.del1.npy")
    rows = Rows([a, b2], ["Herald", "Courier"])
    assert len(rows) == 4 and "y-0" not in rows.ids_where(rows.masks(Scope(day_from=1)))
    assert all(cid != "y-0" for cid, _ in rows.nearest(query, 5, rows.masks(Scope(day_from=1))))
    joined = merged([a, b2])
    assert joined.ids == ["x-0", "x-1", "a-much-longer-id-2", "y-1"] and len(joined.vectors) == 4
    assert joined.days.tolist()[-1] == 20240120 and joined.sources.tolist() == [0, 1, 0, 1]
    assert joined.seqs.tolist() == [1, 2, 3, 2]
    # a chunk's vector by its id; a deleted one is not found; the newer rows are counted
    found = rows.vectors(["y-1", "a-much-longer-id-2", "y-0", "nope"])
    assert set(found) == {"y-1", "a-much-longer-id-2"}
    assert np.allclose(found["y-1"], b.vectors[1]) and np.allclose(
        found["a-much-longer-id-2"], a.vectors[2]
    )
    assert rows.count_after(1) == 3 and rows.ids_where(rows.masks(Scope(seq_after=2))) == {
        "a-much-longer-id-2"
    }


def _sized(name: str, rows: int, deleted: int = 0) -> Segment:
    alive = np.ones(rows, dtype=bool)
    alive[:deleted] = False
    empty = np.zeros(0)
    return Segment(name, empty, empty, empty, empty, empty, empty, empty, alive, None)


def test_merges_are_bounded_steps() -> None:
    # small segments of one size class merge once there are MERGE_AT of them
    small = [_sized(f"s{i}", 10) for i in range(MERGE_AT - 1)]
    big = _sized("big", 100_000)
    assert merge_plan([big, *small]) == []
    plan = merge_plan([big, *small, _sized("new", 12)])
    assert {s.name for s in plan} == {*(s.name for s in small), "new"}
    # the largest are never merged with others, only compacted when mostly deleted
    huge = [_sized(f"h{i}", LARGEST_MERGE + i) for i in range(MERGE_AT)]
    assert merge_plan(huge) == []
    worn = _sized("worn", LARGEST_MERGE, deleted=LARGEST_MERGE // 2)
    assert [s.name for s in merge_plan([*huge, worn])] == ["worn"]

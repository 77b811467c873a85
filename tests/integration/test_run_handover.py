"""The writer hands the chunks of its own run to the chunk index instead of reading them
back from Chroma (``vectorstore.run_chunks``), and reads them back when they are not
exactly the run's: a killed run's chunks under the same number, or too many to hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vectorstore import run_chunks
from vectorstore.chunk_index import ChunkIndex
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore


def _news(folder: Path, first: int, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    records = [
        {
            "title": f"Council vote {i}",
            "date": "2024-05-02",
            "url": f"https://news.example/{i}",
            "text": f"The council of Ostrava{i} voted on project Q{i:04d}X on Tuesday. "
            f"Mayor Lee{i} said the plan for {i} new homes would go ahead next spring.",
        }
        for i in range(first, first + n)
    ]
    path = folder / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _indexed_ids(index: ChunkIndex) -> list[str]:
    return sorted(index.ids)


def _stored_ids(store: ArticleStore) -> list[str]:
    return sorted(cid for cid, _, _ in store.all_chunks(with_text=False))


def _same_as_chroma(index: ChunkIndex) -> None:
    """The index holds exactly the store's chunks, each with the store's vector (read by a
    client of its own: a local client opened before another wrote has not their vectors)."""
    fresh = ArticleStore(index.store.embeddings, path=index.store.location)
    stored = {
        cid: (vec, meta)
        for found in fresh.pages(["embeddings", "metadatas"])
        for cid, vec, meta in zip(
            found["ids"], found["embeddings"], found["metadatas"], strict=True
        )
    }
    assert _indexed_ids(index) == sorted(stored)
    vectors = index.vectors(list(stored))
    for cid, (vec, _) in stored.items():
        assert np.allclose(vectors[cid], vec, atol=1e-6), cid
    seqs = {
        cid.decode(): int(seq)
        for seg in index._rows.segments
        for cid, seq, alive in zip(seg.ids, seg.seqs, seg.alive, strict=True)
        if alive
    }
    assert seqs == {cid: int(meta["seq"]) for cid, (_, meta) in stored.items()}


def test_the_writer_hands_its_run_to_the_index(embeddings: Any, tmp_path: Path) -> None:
    path = tmp_path / "store"
    ingest([_news(tmp_path / "a", 0, 5)], ArticleStore(embeddings, path=path))
    writer = ArticleStore(embeddings, path=path)
    ingest([_news(tmp_path / "b", 5, 5)], writer)
    index = ChunkIndex.for_store(ArticleStore(embeddings, path=path))
    stats = index.stats()
    assert stats["builds"] == 1 and stats["catch_ups"] == 1 and stats["handed_over"] == 1
    _same_as_chroma(index)
    assert index.search("project Q0007X", 1)[0].id.startswith(
        index.store.find_articles("Council vote 7")[0].id
    )
    # an article updated: its old chunks removed at the end of the run are not handed over
    before = set(_indexed_ids(index))
    changed = _news(tmp_path / "c", 5, 1)
    changed.write_text(changed.read_text().replace("new homes", "new schools"))
    ingest([changed], writer)
    index.sync()
    assert index.stats()["handed_over"] == 2
    _same_as_chroma(index)
    gone, new = before - set(_indexed_ids(index)), set(_indexed_ids(index)) - before
    assert len(gone) == len(new) == 1 and index.search("schools", 1)[0].id in new
    # the handed-over chunks are let go once the index has them
    state = writer.state()
    assert writer.run_in_hand(state.seq - 1, state.seq, state.token) is None


def test_one_run_storing_removing_and_storing_again(embeddings: Any, tmp_path: Path) -> None:
    """In one run an article changes and changes back, another is removed and stored
    again: the store keeps each, and the index gets each chunk once, handed over."""
    path = tmp_path / "store"
    first = _news(tmp_path / "a", 0, 3)
    ingest([first], ArticleStore(embeddings, path=path))
    writer = ArticleStore(embeddings, path=path)
    changed = _news(tmp_path / "b", 0, 1)
    changed.write_text(changed.read_text().replace("new homes", "new schools"))
    [removed] = writer.find_articles("Council vote 2")
    with writer.writing():
        ingest([changed], writer)
        ingest([_news(tmp_path / "c", 0, 1)], writer)  # back as it was
        writer.remove(removed.id)
        ingest([first], writer)  # stored again
    index = ChunkIndex.for_store(ArticleStore(embeddings, path=path))
    assert len(index.store.find_articles("Council vote 0")) == 1
    assert index.store.find_articles("Council vote 2")
    assert index.stats()["handed_over"] == 1 and index.stats()["builds"] == 1
    _same_as_chroma(index)


def test_a_failed_run_and_an_empty_run_are_read_back(
    embeddings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store"
    ingest([_news(tmp_path / "a", 0, 2)], ArticleStore(embeddings, path=path))
    writer = ArticleStore(embeddings, path=path)
    with pytest.raises(RuntimeError), writer.writing():
        ingest([_news(tmp_path / "b", 2, 2)], writer)
        raise RuntimeError("the run fails after storing")
    index = ChunkIndex.for_store(writer)
    assert index.stats()["handed_over"] == 0
    _same_as_chroma(index)
    # a run that changed nothing, then another process's run it did not catch the index
    # up with: this process reads that run back (nothing of its own is in hand)
    ingest([_news(tmp_path / "a", 0, 2)], writer)  # unchanged: nothing recorded
    other = ArticleStore(embeddings, path=path)
    monkeypatch.setattr(other, "after_write", lambda: None)
    ingest([_news(tmp_path / "c", 4, 2)], other)
    index.sync()
    assert index.stats()["handed_over"] == 0 and index.stats()["builds"] == 1
    _same_as_chroma(index)


def test_a_killed_runs_chunks_are_read_back(
    embeddings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed before it was recorded left chunks under the number the next run
    takes: that run reads its chunks back from the store, the killed run's with them."""
    path = tmp_path / "store"
    ingest([_news(tmp_path / "a", 0, 3)], ArticleStore(embeddings, path=path))
    killed = ArticleStore(embeddings, path=path)
    monkeypatch.setattr(killed, "finish_run", lambda: None)  # as if killed before recording
    ingest([_news(tmp_path / "b", 3, 3)], killed)
    ingest([_news(tmp_path / "c", 6, 3)], ArticleStore(embeddings, path=path))
    index = ChunkIndex.for_store(ArticleStore(embeddings, path=path))
    assert index.stats()["handed_over"] == 0 and index.stats()["builds"] == 1
    _same_as_chroma(index)
    assert index.search("project Q0004X", 1) and index.search("project Q0007X", 1)


def test_a_run_too_large_to_hold_is_read_back(
    embeddings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_chunks, "AT_MOST", 4)
    path = tmp_path / "store"
    ingest([_news(tmp_path / "a", 0, 2)], ArticleStore(embeddings, path=path))
    ingest([_news(tmp_path / "b", 2, 6)], ArticleStore(embeddings, path=path))
    index = ChunkIndex.for_store(ArticleStore(embeddings, path=path))
    assert index.stats()["catch_ups"] == 1 and index.stats()["handed_over"] == 0
    assert _indexed_ids(index) == _stored_ids(index.store)

"""The writer hands the chunks of its own run to the chunk index instead of reading them
back from Chroma (``vectorstore.run_chunks``), and reads them back when they are not
exactly the run's: a killed run's chunks under the same number, or too many to hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def test_the_writer_hands_its_run_to_the_index(embeddings: Any, tmp_path: Path) -> None:
    path = tmp_path / "store"
    ingest([_news(tmp_path / "a", 0, 5)], ArticleStore(embeddings, path=path))
    writer = ArticleStore(embeddings, path=path)
    ingest([_news(tmp_path / "b", 5, 5)], writer)
    index = ChunkIndex.for_store(ArticleStore(embeddings, path=path))
    stats = index.stats()
    assert stats["builds"] == 1 and stats["catch_ups"] == 1 and stats["handed_over"] == 1
    assert _indexed_ids(index) == _stored_ids(index.store)
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
    assert _indexed_ids(index) == _stored_ids(index.store)
    gone, new = before - set(_indexed_ids(index)), set(_indexed_ids(index)) - before
    assert len(gone) == len(new) == 1 and index.search("schools", 1)[0].id in new
    # the handed-over chunks are let go once the index has them
    assert writer.run_in_hand(writer.state().seq - 1, writer.state().seq) is None


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
    assert _indexed_ids(index) == _stored_ids(index.store)
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

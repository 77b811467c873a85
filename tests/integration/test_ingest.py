"""Ingest into a real Chroma store: idempotent, replaces changed articles, reports bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data/articles/kim-putin-summit.txt"


def test_reingest_stores_nothing_new(store: ArticleStore) -> None:
    first = ingest([SAMPLE], store)
    count = store.count()
    ids = sorted(store._col.get(include=[])["ids"])
    second = ingest([SAMPLE], store)
    assert (first.added, second.added, second.unchanged, second.chunks_written) == (1, 0, 1, 0)
    assert store.count() == count > 1
    assert sorted(store._col.get(include=[])["ids"]) == ids


def test_every_chunk_keeps_article_metadata_and_span(store: ArticleStore) -> None:
    ingest([SAMPLE], store)
    got = store._col.get(include=["documents", "metadatas"])
    assert {m["title"] for m in got["metadatas"]} == {
        "North Korea said Kim Jong Un would visit Russia and meet President Vladimir Putin, "
        "with the reclusive leader's armored train reportedly heading to the border."
    }
    from sources import load_file

    [article] = list(load_file(SAMPLE))
    indexes = sorted(m["chunk_index"] for m in got["metadatas"])
    assert indexes == list(range(len(indexes)))
    for doc, meta in zip(got["documents"], got["metadatas"], strict=True):
        assert meta["date"] == "2023-09-11"
        assert meta["path"] == str(SAMPLE)
        assert meta["n_chunks"] == len(indexes)
        assert article.text[meta["start"] : meta["end"]] == doc


def test_changed_article_replaces_its_old_chunks(store: ArticleStore, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Storm hits coast\n\n" + "The storm reached the coast at noon. " * 40)
    ingest([path], store)
    old_ids = set(store._col.get(include=[])["ids"])
    path.write_text("Storm hits coast\n\n" + "The hurricane reached the bay by night. " * 40)
    report = ingest([path], store)
    assert report.updated == 1 and report.added == 0
    got = store._col.get(include=["documents"])
    assert not old_ids & set(got["ids"])
    assert all("hurricane" in d and "noon" not in d for d in got["documents"])
    assert len(store.list_articles()) == 1


def test_list_and_remove_articles(store: ArticleStore, tmp_path: Path) -> None:
    for i, word in enumerate(["apples", "pears"]):
        (tmp_path / f"{word}.json").write_text(
            json.dumps(
                {
                    "title": f"About {word}",
                    "text": f"Farmers grew {word} this year.",
                    "date": f"2024-01-0{i + 1}",
                }
            )
        )
    ingest([tmp_path], store)
    listed = store.list_articles()
    assert [a.title for a in listed] == ["About pears", "About apples"]  # newest first
    [pears] = store.find_articles("About pears")
    assert store.remove(pears.id) == 1
    assert [a.title for a in store.list_articles()] == ["About apples"]
    assert store.find_articles(pears.id[:6]) == []


def test_bad_files_are_reported_and_the_rest_stored(store: ArticleStore, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "good.txt")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (folder / "bad.json").write_text("{oops")
    (folder / "records.jsonl").write_text(
        json.dumps({"title": "Fine", "text": "A fine record about rain."}) + "\nnot json\n"
    )
    report = ingest([folder, tmp_path / "nope.txt"], store)
    assert report.added == 2
    reasons = {Path(e.path.split(":")[0]).name: e.reason for e in report.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "bad.json", "records.jsonl", "nope.txt"}
    assert "binary" in reasons["binary.txt"] and "no such file" in reasons["nope.txt"]
    assert {a.title for a in store.list_articles()} >= {"Fine"}
    assert "2 added" in report.summary() and "5 failed" in report.summary()


def test_store_reopens_with_our_embedding_function(store_dir: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    ingest([SAMPLE], ArticleStore(embeddings, path=store_dir))
    reopened = ArticleStore(embeddings, path=store_dir)
    hits, _ = reopened.nearest(embeddings.embed_query("armored train to Vladivostok"), 2)
    assert hits and "armored train" in hits[0].text
    assert 0.3 < hits[0].score <= 1.0


def test_a_reader_sees_one_new_revision_per_finished_run(embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A long ingest writes batch after batch; another process's reader sees the store
    change (and reopens its client) once, when the run has finished — not once a batch."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(6):
        (folder / f"a{i}.txt").write_text(
            f"date 2024-02-0{i + 1} Harbour works {i}\n\nThe harbour crane number {i} was "
            f"repaired on Monday after a storm, the port authority said.\n",
            encoding="utf-8",
        )
    writer = ArticleStore(embeddings, path=tmp_path / "store")
    ingest([SAMPLE], writer)
    reader = ArticleStore(embeddings, path=tmp_path / "store")
    before = reader.revision()
    seen: list[tuple[str, bool]] = []
    written: list[int] = []
    report = ingest(
        [folder],
        writer,
        batch_chunks=1,  # a batch an article
        on_progress=lambda done, total: (
            seen.append((reader.revision(), reader.refresh())),
            written.append(writer._col.count()),
        ),
    )
    assert report.added == 6 and writer.count() > 6
    assert len(seen) >= 6 and seen == [(before, False)] * len(seen)  # batches: no change seen
    assert written[-1] > written[0]  # while batches were being written
    assert reader.revision() != before and reader.refresh() and not reader.refresh()
    assert writer.state().seq == 2 and writer.state().chunks == writer.count()


def test_an_updated_article_is_never_missing_while_its_run_goes_on(  # type: ignore[no-untyped-def]
    embeddings, tmp_path: Path
) -> None:
    """An article updated during a long write run keeps its old chunks until the run is
    recorded (and the chunk index holds the new ones): a reader never finds neither."""
    from qa.retrieval import Retriever, Search

    store = ArticleStore(embeddings, path=tmp_path / "store")
    ingest([SAMPLE], store)
    reader = Retriever(ArticleStore(embeddings, path=tmp_path / "store"))
    changed = tmp_path / "new" / SAMPLE.name
    changed.parent.mkdir()
    changed.write_text(SAMPLE.read_text() + "\n\nThe train carried a brass band.\n")
    with store.writing():  # one run, still going on after this article
        assert ingest([changed], store).updated == 1
        for mode in ("bm25", "dense"):
            found = reader.search(Search("armored train to Vladivostok", 3, mode=mode))
            assert found and "brass band" not in " ".join(p.text for p in found), mode
    found = reader.search(Search("brass band on the train", 3, mode="bm25"))
    assert any("brass band" in p.text for p in found)
    assert store.count() == len(store.passages(reader.index.ids))


def test_a_bloated_vector_index_is_said_after_a_write(  # type: ignore[no-untyped-def]
    embeddings, tmp_path: Path, caplog
) -> None:
    """Chroma's graph file can grow far past its vectors (69 GB at a million chunks here, a
    known Chroma bug) until the disk is full: a write says so, with what to run. The
    bloated file is made by hand (sparse: it takes no disk)."""
    import logging

    store = ArticleStore(embeddings, path=tmp_path / "store")
    ingest([SAMPLE], store)
    assert store.vector_index_problem() is None
    segment = tmp_path / "store" / "0000-bloated-segment"
    segment.mkdir()
    (segment / "data_level0.bin").write_bytes(b"\0" * 1000)
    with (segment / "link_lists.bin").open("wb") as fh:
        fh.truncate(3_000_000_000)
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "m.txt").write_text("date 2024-03-01 More news\n\nAnother story.\n")
    with caplog.at_level(logging.WARNING):
        ingest([folder], store)
    assert "has bloated" in caplog.text and "article-qa reindex" in caplog.text

"""Hybrid retrieval, news-aware filters, diversity and follow-up questions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from qa import Assistant, Settings
from qa.followup import is_follow_up, rewrite
from qa.query import Filters, parse_filters
from qa.retrieval import Retriever, Search
from vectorstore.chunk_index import ChunkIndex
from vectorstore.ingest import ingest
from vectorstore.store import ArticleStore

REF = date(2022, 7, 1)


def _articles(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


NEWS = [
    {
        "title": "Harbour strike ends",
        "date": "2022-06-29",
        "url": "https://www.cnn.com/a",
        "text": "Dock workers in Rotterdam ended their strike on Tuesday after a pay deal of 7 percent.",
    },
    {
        "title": "Harbour strike begins",
        "date": "2022-03-02",
        "url": "https://www.usatoday.com/b",
        "text": "Dock workers in Rotterdam began a strike over pay on Monday, halting container traffic.",
    },
    {
        "title": "Zorblax valve recall",
        "date": "2022-06-20",
        "url": "https://theweek.co.uk/c",
        "text": "The maker recalled the ZX-4471 valve after reports of leaks in cold weather.",
    },
]


def test_dates_and_sources_are_read_from_the_question() -> None:
    f = parse_filters("What happened this week in Rotterdam?", REF)
    assert f.recent and f.date_to == REF and f.date_from and (REF - f.date_from).days <= 8
    f = parse_filters("What did the Fed decide in September 2023?", REF)
    assert (f.date_from, f.date_to) == (date(2023, 9, 1), date(2023, 9, 30))
    f = parse_filters("Who won, according to CNN?", REF, ["cnn.com", "usatoday.com"])
    assert f.sources == ("cnn.com",)
    f = parse_filters("How is Kim traveling to Russia?", REF, ["cnn.com"])
    assert (f.date_from, f.date_to, f.sources, f.recent) == (None, None, (), False)


def test_follow_up_questions_are_rewritten_to_stand_alone() -> None:
    earlier = ["What does Kim want from Russia?"]
    assert is_follow_up("And what does Putin want?")
    assert not is_follow_up("Who is Andrei Lankov?")
    assert rewrite("And Putin?", earlier) == "What does Putin want from Russia?"
    assert rewrite("How is he traveling?", earlier) == "How is Kim traveling?"
    standalone = rewrite("And what does Putin want?", earlier)
    assert standalone.startswith("What does Putin want") and "Kim" in standalone
    assert rewrite("Who is Andrei Lankov?", earlier) == "Who is Andrei Lankov?"
    swapped = rewrite("And what does Putin get in return?", earlier)
    assert swapped == "What does Putin want from Kim?"
    same_side = rewrite("And what does Kim get in return?", ["What does Kim want from Putin?"])
    assert same_side != "What does Kim want from Kim?"  # no swap of a party with itself


def test_chat_follow_up_uses_the_history(sample_store: Path) -> None:
    bot = Assistant(Settings(store_dir=sample_store))
    bot.ask("What does Kim want from Russia?")
    follow = bot.ask("And what does Putin want?")
    assert "Putin" in follow.standalone and "Kim" in follow.standalone
    assert "artillery shells" in follow.text and follow.citations
    back = bot.ask("And what does Putin get in return?")
    assert "artillery shells" in back.text and back.citations, back.text


def test_keyword_index_follows_updates_and_removals(embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = ArticleStore(embeddings, path=tmp_path / "store")
    path = _articles(tmp_path / "in", NEWS)
    ingest([path], store)
    index = ChunkIndex.for_store(store)
    assert len(index) == store.count()
    assert [h.id.split("-")[0] for h in index.search("ZX-4471 valve", 3)][:1]
    # another store object (as in another process) loads the saved index: it was built
    # once, by the first write, and is never built again below
    again = ChunkIndex.for_store(ArticleStore(embeddings, path=tmp_path / "store"))
    assert len(again) == store.count() and again.stats()["builds"] == 1
    # an article changes: its new words are found, its old ones are gone
    changed = [
        *NEWS[:2],
        {**NEWS[2], "text": "The maker recalled the QP-9 pump after reports of fires."},
    ]
    ingest([_articles(tmp_path / "in", changed)], store)
    assert index.search("QP-9 pump", 3) and not index.search("ZX-4471", 3)
    assert len(index) == store.count()
    assert index.stats() | {"builds": 1, "catch_ups": 1} == index.stats()  # the write's own
    # removal
    [recall] = store.find_articles("Zorblax valve recall")
    store.remove(recall.id)
    assert not index.search("QP-9 pump", 3) and len(index) == store.count()
    assert again.search("ZX", 3) == index.search("ZX", 3) and len(again) == store.count()
    assert index.stats()["builds"] == 1 and index.stats()["catch_ups"] == 2


def test_hybrid_finds_a_rare_code_and_filters_narrow(embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = ArticleStore(embeddings, path=tmp_path / "store")
    ingest([_articles(tmp_path / "in", NEWS)], store)
    r = Retriever(store)
    found = r.search(Search("ZX-4471", 1, "hybrid", Filters(reference_date=REF)))
    assert found and found[0].title == "Zorblax valve recall"
    # "this week" relative to the question's date picks the recent strike article
    found = r.search(
        Search("Rotterdam dock strike this week", 1, filters=Filters(reference_date=REF))
    )
    assert found[0].title == "Harbour strike ends"
    # explicit filters from Python
    found = r.search(
        Search("Rotterdam dock strike", 3, filters=Filters(date_to=date(2022, 4, 1)), news=True)
    )
    assert [p.title for p in found] == ["Harbour strike begins"]
    found = r.search(Search("Rotterdam dock strike", 3, filters=Filters(sources=("usatoday.com",))))
    assert {p.source for p in found} == {"usatoday.com"}


def test_near_duplicate_syndicated_copies_are_shown_once(embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = {**NEWS[0], "url": "https://www.usatoday.com/copy", "title": "Rotterdam strike is over"}
    store = ArticleStore(embeddings, path=tmp_path / "store")
    report = ingest([_articles(tmp_path / "in", [*NEWS, copy])], store)
    assert report.folded == 1  # the copy is recorded on the story at ingest, not stored
    r = Retriever(store)
    diverse = r.search(Search("Rotterdam strike pay deal", 3, news=False))
    plain = r.search(Search("Rotterdam strike pay deal", 3, news=False, diverse=False))
    for found in (diverse, plain):
        texts = [p.text for p in found]
        assert len(texts) == len(set(texts))
    [story] = [p for p in plain if "pay deal of 7 percent" in p.text]
    assert [c["url"] for c in story.also_at] == ["https://www.usatoday.com/copy"]


def test_filters_from_python_answer_function(embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qa import answer

    store = ArticleStore(embeddings, path=tmp_path / "store")
    ingest([_articles(tmp_path / "in", NEWS)], store)
    early = answer(
        "What did Rotterdam dock workers do?",
        store_dir=tmp_path / "store",
        date_to=date(2022, 4, 1),
    )
    assert {c.title for c in early.citations} == {"Harbour strike begins"}
    late = answer(
        "What did Rotterdam dock workers do?", store_dir=tmp_path / "store", sources=["cnn.com"]
    )
    assert {c.title for c in late.citations} == {"Harbour strike ends"}


def test_a_reader_finds_another_writers_chunks_without_reopening(  # type: ignore[no-untyped-def]
    embeddings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local reader's Chroma client holds the vectors of the store as it was opened; the
    chunks written since (by another client, as by another process) are compared from the
    chunk index, removed ones are never shown, and the client is reopened only once what
    it lacks grows past ``FRESH_AT_MOST``."""
    import qa.retrieval

    path = tmp_path / "store"
    ingest([_articles(tmp_path / "a", NEWS[:2])], ArticleStore(embeddings, path=path))
    reader = Retriever(ArticleStore(embeddings, path=path))
    seen = reader.store.client_seq
    assert reader.search(Search("harbour strike", 2, mode="dense"))
    writer = ArticleStore(embeddings, path=path)
    ingest([_articles(tmp_path / "b", NEWS[2:])], writer)  # the valve recall
    for mode in ("dense", "hybrid"):
        found = reader.search(Search("Zorblax valve recall ZX-4471", 3, mode=mode, news=False))
        assert found and found[0].title == "Zorblax valve recall", mode
        assert reader.store.client_seq == seen  # the client was not reopened
    [strike] = writer.find_articles("Harbour strike ends")
    writer.remove(strike.id)  # the old client's vector index still holds it
    for mode in ("dense", "bm25", "hybrid"):
        found = reader.search(Search("harbour strike", 5, mode=mode, news=False))
        assert all(p.article_id != strike.id for p in found), mode
    assert reader.store.client_seq == seen
    monkeypatch.setattr(qa.retrieval, "FRESH_AT_MOST", 0)
    reader.search(Search("valve", 2, mode="dense"))
    assert reader.store.client_seq == writer.state().seq > seen  # reopened: current again


def test_a_reader_catches_the_index_up_when_the_writer_did_not(  # type: ignore[no-untyped-def]
    embeddings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer killed after recording its run, before bringing the chunk index up to it
    (its after_write skipped here): a reader whose client was opened before catches the
    index up by itself at its next question, run by run."""
    path = tmp_path / "store"
    ingest([_articles(tmp_path / "a", NEWS[:2])], ArticleStore(embeddings, path=path))
    reader = Retriever(ArticleStore(embeddings, path=path))
    assert reader.search(Search("harbour strike", 2, mode="bm25"))
    writer = ArticleStore(embeddings, path=path)
    monkeypatch.setattr(writer, "after_write", lambda: None)
    ingest([_articles(tmp_path / "b", NEWS[2:])], writer)
    found = reader.search(Search("Zorblax valve recall ZX-4471", 3, mode="dense", news=False))
    assert found and found[0].title == "Zorblax valve recall"
    assert reader.index.stats()["builds"] == 1 and reader.index.stats()["catch_ups"] == 1

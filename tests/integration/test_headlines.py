"""Chunks carry their story: what the store embeds and keyword-indexes is the headline with
the chunk, while what is shown and cited stays the article's own text (issue 20). Real
store, real models."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Assistant, Settings, StoreError
from vectorstore import indexed_text

STORIES = {
    "harbour.txt": (
        "Velmar port strike ends after nine days",
        "Dock workers returned to the cranes on Thursday. The union accepted a raise of seven "
        "percent and shorter night shifts, and the first container ship left the terminal "
        "before noon.",
    ),
    "ferry.txt": (
        "Osk island ferry doubles its crossings",
        "From June the shipping line will sail four times a day. A new boat with room for two "
        "hundred cars was delivered last week, and tickets go on sale in May.",
    ),
    "rotterdam.txt": (  # the same words in its body, another story
        "Rotterdam dockers vote on a walkout",
        "Dock workers at the port will vote next week on a strike over pay and night shifts; "
        "union leaders say the cranes could stop by the end of the month.",
    ),
    "school.txt": (
        "Brisk council approves a new primary school",
        "The council voted six to one on Tuesday for the building on the old market site. "
        "Work starts in autumn and the first pupils are expected in two years.",
    ),
}


def _stories(folder: Path) -> Path:
    folder.mkdir()
    for name, (title, body) in STORIES.items():
        (folder / name).write_text(f"date 2024-05-14 {title}\n\n{body}\n", encoding="utf-8")
    return folder


def test_the_indexed_text_is_the_headline_then_the_chunk() -> None:
    assert (
        indexed_text("Port strike ends", "Workers returned.")
        == "Port strike ends\nWorkers returned."
    )
    assert indexed_text("  ", "Workers returned.") == "Workers returned."


def test_a_question_naming_only_the_headline_finds_its_story(tmp_path: Path) -> None:
    bot = Assistant(Settings(store_dir=tmp_path / "store", retrieval_mode="dense"))
    assert bot.ingest([_stories(tmp_path / "news")]).added == 4
    for question, title in (
        ("What happened with the Velmar port strike?", STORIES["harbour.txt"][0]),
        ("How often will the Osk island ferry sail?", STORIES["ferry.txt"][0]),
    ):
        [top, *_] = bot.passages(question, 3)
        assert top.title == title  # the body never names the port or the island
    answer = bot.ask("What raise ended the Velmar port strike?")
    assert "seven percent" in answer.text
    cited = next(c for c in answer.citations if "seven percent" in c.quote)
    assert cited.title == STORIES["harbour.txt"][0]
    assert cited.passage.startswith("Dock workers")  # the article's own text, not the headline
    assert cited.passage[cited.quote_start : cited.quote_end] == cited.quote


def test_a_store_embedded_without_headlines_asks_for_a_reindex(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    bot = Assistant(Settings(store_dir=store_dir))
    bot.ingest([_stories(tmp_path / "news")])
    col = bot.store.client.get_collection(bot.store.name)  # as a store of the last round
    col.modify(metadata={k: v for k, v in (col.metadata or {}).items() if k != "embedder_text"})
    old = Assistant(Settings(store_dir=store_dir))
    with pytest.raises(StoreError, match="before chunks were embedded with their headlines"):
        old.ask("What happened with the Velmar port strike?")
    assert old.reindex() == 4  # every chunk embedded again, with its headline
    assert "seven percent" in old.ask("What raise ended the Velmar port strike?").text

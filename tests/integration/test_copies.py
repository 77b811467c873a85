"""Syndicated copies (issue 12): the same wire story from three outlets is stored once, the
others recorded on it; the citation says where else it ran; removing it promotes the next."""

from __future__ import annotations

import json
from pathlib import Path

from qa import Assistant, Settings

STORY = (
    "Dock workers in the port of Velmar walked out on Tuesday after talks on a new pay deal "
    "collapsed, halting cargo at the container terminal for the first time in a decade. The "
    "union said its members want a raise of nine percent and an end to twelve-hour night "
    "shifts. The port authority said it would return to the table on Friday, and shipping "
    "lines began rerouting vessels to Orsk and Tamber while the strike lasts."
)


def _outlets(folder: Path) -> list[Path]:
    """The same wire story as three outlets ran it: other headlines and boilerplate, one
    with its last sentence trimmed."""
    folder.mkdir()
    versions = [
        (
            "gazette",
            "Velmar dock workers strike over pay",
            STORY + " Subscribe for more port news.",
        ),
        ("courier", "Strike halts Velmar port", "VELMAR (Wire) - " + STORY),
        ("herald", "Velmar dockers walk out", STORY.rsplit(", and shipping", 1)[0] + "."),
    ]
    paths = []
    for outlet, title, text in versions:
        path = folder / f"{outlet}.json"
        record = {"title": title, "source": outlet, "date": "2024-05-14", "text": text}
        path.write_text(json.dumps(record | {"url": f"https://{outlet}.example/velmar"}))
        paths.append(path)
    other = folder / "ferry.json"
    other.write_text(
        '{"title": "Ferry timetable changes", "source": "gazette", "date": "2024-05-14", '
        '"text": "The Velmar ferry will leave at seven from June, the harbour office said."}',
        encoding="utf-8",
    )
    return [*paths, other]


def test_three_copies_are_one_story_and_the_next_is_promoted(tmp_path: Path) -> None:
    bot = Assistant(Settings(store_dir=tmp_path / "store"))
    report = bot.ingest(_outlets(tmp_path / "in"))
    assert (report.added, report.folded) == (2, 2), report.summary()
    assert "2 copies of stored stories folded" in report.summary()
    stored = {a.title: a for a in bot.articles()}
    assert set(stored) == {"Velmar dock workers strike over pay", "Ferry timetable changes"}
    result = bot.ask("Why did the Velmar dock workers strike?")
    cited = result.citations[0]
    assert cited.title == "Velmar dock workers strike over pay"
    assert [c["source"] for c in cited.also_at] == ["courier", "herald"]
    passages = bot.passages("Velmar dock workers strike nine percent", 10)
    assert len({p.article_id for p in passages if "nine percent" in p.text}) == 1  # counted once
    assert bot.ingest(_outlets(tmp_path / "again")[:3]).folded == 2  # still folded, not added

    bot.remove(stored["Velmar dock workers strike over pay"].id)
    titles = {a.title for a in bot.articles()}
    assert "Strike halts Velmar port" in titles  # the next copy took its place
    [promoted] = [a for a in bot.articles() if a.title == "Strike halts Velmar port"]
    assert [c["source"] for c in bot.store.copies_of(promoted.id)] == ["herald"]


FESTIVAL = (
    "A lantern festival drew record crowds to Riverside park on Tuesday, with more than 40,000 "
    "visitors and 300 paper lanterns floated on the lake. Organisers said the evening parade "
    "would be repeated next year after the city council agreed to fund it again."
)


def _festival(folder: Path) -> tuple[Path, Path]:
    """Two outlets' versions of one report: the second adds the winning team's codename and
    an updated count."""
    folder.mkdir()
    first = folder / "gazette.json"
    first.write_text(json.dumps({
        "title": "Lantern festival draws record crowds", "source": "gazette",
        "date": "2024-05-14", "url": "https://gazette.example/lanterns", "text": FESTIVAL,
    }))  # fmt: skip
    updated = FESTIVAL.replace("more than 40,000", "more than 52,000") + (
        " The design contest was won by the team known by the codename Blue Heron, whose "
        "lantern showed the old river bridge."
    )
    second = folder / "courier.json"
    second.write_text(json.dumps({
        "title": "Record crowds at Riverside lantern festival", "source": "courier",
        "date": "2024-05-14", "url": "https://courier.example/lanterns", "text": updated,
    }))  # fmt: skip
    return first, second


def test_a_copy_keeps_what_only_it_says_searchable_and_cited(tmp_path: Path) -> None:
    bot = Assistant(Settings(store_dir=tmp_path / "store"))
    first, second = _festival(tmp_path / "in")
    assert bot.ingest([first]).added == 1
    report = bot.ingest([second])
    assert report.folded == 1 and report.added == 0, report.summary()
    original = bot.find("https://gazette.example/lanterns")[0]
    assert [c["source"] for c in bot.store.copies_of(original.id)] == ["courier"]

    passages = bot.passages("Which team won the lantern design contest, by codename?", 6)
    added = [p for p in passages if "Blue Heron" in p.text]
    assert added and added[0].url == "https://courier.example/lanterns"
    assert "parade" not in added[0].text and "40,000" not in added[0].text  # only what is new
    counts = bot.passages("How many visitors did the lantern festival draw?", 6)
    assert any("52,000" in p.text and p.source == "courier" for p in counts)  # the update
    answer = bot.ask("What was the codename of the team that won the design contest?")
    assert any("Blue Heron" in c.passage and c.source == "courier" for c in answer.citations)
    # the shared sentences are still counted once: only the original holds them
    shared = bot.passages("Organisers said the evening parade would be repeated next year", 6)
    assert [p.source for p in shared if "evening parade" in p.text] == ["gazette"]

    # ingesting the copy again changes nothing; its additions join the original's story
    assert bot.ingest([second]).unchanged == 1
    [story] = bot.stories()
    assert {a.source for a in story.articles} == {"gazette", "courier"}

    # removing the original promotes the copy whole
    bot.remove(original.id)
    promoted = bot.find("https://courier.example/lanterns")
    assert promoted and promoted[0].chunks >= 1
    texts = " ".join(p.text for p in bot.passages("lantern festival crowds parade", 6))
    assert "evening parade" in texts and "Blue Heron" in texts


def test_a_copy_with_one_added_passage_is_promoted_whole(tmp_path: Path) -> None:
    """A one-chunk original and a copy adding one paragraph: the copy's addition is one
    chunk, as the whole copy would be — still told apart when the original goes."""
    bot = Assistant(Settings(store_dir=tmp_path / "store"))
    first, second = _festival(tmp_path / "in")
    assert bot.ingest([first, second]).folded == 1
    [copy] = bot.find("https://courier.example/lanterns")
    additions = bot.store._col.get(where={"article_id": copy.id}, include=["metadatas"])
    assert all(cid.split("-")[-1].startswith("a") for cid in additions["ids"])
    original = bot.find("https://gazette.example/lanterns")[0]
    assert bot.remove(original.id) > 0  # promotes the copy, read again from its file
    [promoted] = bot.find("https://courier.example/lanterns")
    stored = bot.store._col.get(where={"article_id": promoted.id}, include=["metadatas"])
    assert not any(m.get("copy_of") for m in stored["metadatas"])  # whole now, no copy
    texts = " ".join(p.text for p in bot.passages("evening parade repeated next year", 4))
    assert "evening parade" in texts  # the shared sentences came back with it
    [story] = bot.stories()
    assert [a.source for a in story.articles] == ["courier"]


def test_copies_are_looked_for_among_the_articles_of_the_days_around(tmp_path: Path) -> None:
    """A copy runs within a week of its original: one a month later is an article of its
    own; an undated one is compared with every stored article."""
    bot = Assistant(Settings(store_dir=tmp_path / "store"))
    folder = tmp_path / "in"
    folder.mkdir()

    def version(name: str, day: str) -> Path:
        path = folder / f"{name}.json"
        record = {"title": f"Velmar strike ({name})", "source": name, "text": STORY}
        path.write_text(json.dumps(record | {"date": day, "url": f"https://{name}.example/v"}))
        return path

    assert bot.ingest([version("gazette", "2024-05-14")]).added == 1
    assert bot.ingest([version("courier", "2024-05-19")]).folded == 1  # 5 days on: a copy
    assert bot.ingest([version("herald", "")]).folded == 1  # undated: compared with all
    later = bot.ingest([version("digest", "2024-06-20")])  # a month on: its own
    assert (later.added, later.folded) == (1, 0)

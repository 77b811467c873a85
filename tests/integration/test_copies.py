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

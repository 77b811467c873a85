"""Shared fixtures: every test gets its own store folder; the real model and Chroma are used."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vectorstore.environment import offline_environment

offline_environment(force=True)
for _name in list(os.environ):
    if _name.startswith("ARTICLE_QA_"):
        del os.environ[_name]  # a developer's own settings must not leak into tests

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "articles"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real store or a stray .env."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embeddings():  # type: ignore[no-untyped-def]
    from vectorstore.embeddings import load_embeddings

    return load_embeddings()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(embeddings, store_dir: Path):  # type: ignore[no-untyped-def]
    from vectorstore.store import ArticleStore

    return ArticleStore(embeddings, path=store_dir)


@pytest.fixture(scope="session")
def sample_store_dir(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Path:  # type: ignore[no-untyped-def]
    """A store holding the bundled sample article, built once per session."""
    from vectorstore.ingest import ingest
    from vectorstore.store import ArticleStore

    folder = tmp_path_factory.mktemp("sample") / "store"
    report = ingest([SAMPLE_DIR], ArticleStore(embeddings, path=folder))
    assert report.added == 1 and not report.failed
    return folder


@pytest.fixture
def sample_store(sample_store_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample store that a test may change."""
    copy = tmp_path / "sample-store"
    shutil.copytree(sample_store_dir, copy)
    return copy


@pytest.fixture(scope="session")
def sample_bot(sample_store_dir: Path):  # type: ignore[no-untyped-def]
    from qa import Assistant, Settings

    return Assistant(Settings(store_dir=sample_store_dir))


@pytest.fixture(scope="session")
def quotes_bot(sample_store_dir: Path):  # type: ignore[no-untyped-def]
    """The default offline answerer: quote bundles over passages as retrieved (no reader)."""
    from qa import Assistant, Settings

    return Assistant(Settings(store_dir=sample_store_dir, offline_reader=False, rerank=False))


@pytest.fixture(scope="session")
def reader_bot(sample_store_dir: Path):  # type: ignore[no-untyped-def]
    """The reader's offline answers (``ARTICLE_QA_OFFLINE_READER=true``)."""
    from qa import Assistant, Settings

    return Assistant(Settings(store_dir=sample_store_dir, offline_reader=True))


# -- a scripted OpenAI-compatible server --------------------------------------------------


class ScriptedLLM:
    """A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol.

    It stands in for a language model (none that can answer runs here): each request
    pops the next scripted reply and records what was sent.
    """

    def __init__(self) -> None:
        self.replies: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                # a client that gave up (a timeout test) is nobody to answer
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._reply()

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.requests.append(body)
                reply = outer.replies.pop(0) if outer.replies else {"text": "NOT_IN_ARTICLES"}
                if reply.get("delay"):
                    threading.Event().wait(reply["delay"])
                if reply.get("status"):
                    self._send(reply["status"], {"error": {"message": reply.get("text", "")}})
                elif reply.get("raw") is not None:
                    data = reply["raw"].encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif body.get("stream"):
                    self._stream(body, reply["text"])
                else:
                    self._send(200, outer.completion(body, reply["text"]))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = text.split(" ")
                for i, word in enumerate(words):
                    piece = word if i == 0 else " " + word
                    chunk = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": body.get("model", "scripted"),
                        "choices": [
                            {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body.get("model", "scripted"),
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def completion(body: dict[str, Any], text: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "scripted"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *texts: str) -> None:
        self.replies.extend({"text": t} for t in texts)


@pytest.fixture
def scripted_llm() -> Iterator[ScriptedLLM]:
    server = ScriptedLLM()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


# -- the page, served for real --------------------------------------------------------------


class Page:
    """A running article-qa page on 127.0.0.1 (a real Gradio server in this process)."""

    def __init__(self, settings: Any) -> None:
        from qa import Assistant
        from web import serve

        self.bot = Assistant(settings)
        self.blocks = serve(self.bot, host="127.0.0.1", port=None, block=False)
        self.url = self.blocks.local_url.rstrip("/") + "/"

    def close(self) -> None:
        self.blocks.close()


@pytest.fixture
def page_factory(tmp_path: Path) -> Iterator[Any]:
    """Start pages with given settings; all are closed after the test."""
    pages: list[Page] = []

    def start(**settings: Any) -> Page:
        from qa import Settings

        settings.setdefault("upload_dir", tmp_path / "uploads")
        settings.setdefault("seed_dir", None)
        page = Page(Settings(**settings))
        pages.append(page)
        return page

    yield start
    for page in pages:
        page.close()


@pytest.fixture
def sample_page(page_factory, sample_store: Path) -> Page:  # type: ignore[no-untyped-def]
    """The page over a private copy of the sample store."""
    return page_factory(store_dir=sample_store)


# -- a Chroma server ------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` on 127.0.0.1 over a temp folder; yields its URL."""
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "chroma-server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "chroma run exited"
        assert time.monotonic() < deadline, "chroma run did not start in 60 s"
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(30)

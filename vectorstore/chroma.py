"""Opening a Chroma store and what can go wrong with it: the client (local folder or
server), the copy a read-only folder is served from, the write lock's names, and Chroma,
SQLite and file-system failures turned into one sentence saying what to do."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from models import EmbeddingModel, load_embeddings
from sources import STATE_FILE

from .errors import StoreError

log = logging.getLogger(__name__)
OPEN_LOCK = "open.lock"  # in a local store's folder: held while a process opens it
WRITE_LOCK = "write.lock"  # in a local store's folder: held by the one process writing
WRITE_HOLDER = "write.lock.holder"  # who holds it (pid and command), for the one waiting
WRITE_WAIT_S = 600.0  # how long a second writer waits before giving up
DATABASE = "chroma.sqlite3"  # Chroma's database in a local store's folder
INDEX_FOLDER = "chunk-index"  # in a local store's folder: the chunk index (chunk_index.py)
REINDEXING = ".reindex"  # suffix of the collection a reindex fills (reindex.py)
OLD = ".old"  # suffix of the collection a reindex swaps out
COPY_PREFIX = "article-qa-readonly-"  # + the pid of the process serving from the copy


def import_chromadb() -> Any:
    """``import chromadb``, a third faster: Chroma's classes are declared with the
    ``overrides`` package, which compares every overriding method's signature with its
    parent's as the module loads (~0.25 s of a cold start on two cores) — a check of
    Chroma's own code, the same on every import. It is skipped for this import; the rest
    of ``@override`` (the marker ``EnforceOverrides`` reads, final methods) still runs."""
    import importlib
    import sys

    if "chromadb" in sys.modules:
        return sys.modules["chromadb"]
    checks: Any = importlib.import_module("overrides.overrides")  # the module, not the function
    compare = checks.ensure_signature_is_compatible
    checks.ensure_signature_is_compatible = lambda *args, **kwargs: None
    try:
        import chromadb
    finally:
        checks.ensure_signature_is_compatible = compare
    return chromadb


def open_client(path: str | Path | None, url: str | None) -> Any:
    chromadb = import_chromadb()
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise StoreError(
                f"Chroma server URL '{url}' has no host; use e.g. http://localhost:8000"
            )
        try:
            return chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {url} ({exc}); start it with "
                "`chroma run --path DIR --port N` or unset ARTICLE_QA_CHROMA_URL"
            ) from exc
    if path is None:
        raise StoreError("no store location: set ARTICLE_QA_STORE_DIR or ARTICLE_QA_CHROMA_URL")
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(folder), settings=settings)
    except Exception as exc:
        raise StoreError(
            f"cannot open the article store at {folder} ({type(exc).__name__}: {exc}); "
            "check the folder's permissions, or point ARTICLE_QA_STORE_DIR at a new folder"
        ) from exc


def read_only_copy(folder: Path) -> Path:
    """A private copy of a store that can't be written here (a read-only mount, a replica):
    Chroma writes when it opens a store, so questions are served from the copy. The copy
    is removed when the store object goes or the process ends (``remove_copy``); copies
    left by processes that were killed are removed here."""
    _remove_orphaned_copies()
    root = Path(tempfile.mkdtemp(prefix=f"{COPY_PREFIX}{os.getpid()}-"))
    copy = root / "store"
    shutil.copytree(
        folder,
        copy,
        ignore=shutil.ignore_patterns(
            OPEN_LOCK, WRITE_LOCK, WRITE_HOLDER, INDEX_FOLDER, STATE_FILE
        ),
    )
    log.warning(
        "article-qa: the store at %s is read-only; serving questions from a copy in %s "
        "(it is not written, and writes elsewhere are not seen until the next start)",
        folder,
        copy,
    )
    return copy


def remove_copy(copy: Path) -> None:
    """Remove a private copy made by ``read_only_copy``."""
    shutil.rmtree(copy.parent, ignore_errors=True)


def _remove_orphaned_copies() -> None:
    """Remove the copies of processes that no longer run (a SIGKILL skips ``remove_copy``)."""
    for old in Path(tempfile.gettempdir()).glob(f"{COPY_PREFIX}*-*"):
        pid = old.name.removeprefix(COPY_PREFIX).split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def finish_swap(client: Any, name: str, function: Any) -> None:
    """Finish a swap a killed reindex left half-done, when opening a store: the original
    renamed away and the new one not yet in its place."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if name + OLD not in names:
        return
    if name not in names:
        client.get_collection(name + REINDEXING, embedding_function=function).modify(name=name)
        log.warning("article-qa: finished the reindex of collection %s that was interrupted", name)
    client.delete_collection(name + OLD)


_T = TypeVar("_T")
_FAILURES = (
    # (what Chroma / SQLite says, what the user reads)
    (
        "disk is full",
        "the disk holding it is full; free some space and run the command again "
        "(nothing stored so far is lost)",
    ),
    (
        "readonly database",
        "it is read-only here; check the folder's permissions, or serve a writable copy",
    ),
    ("database is locked", "another process holds it; try again in a moment"),
    ("malformed", "its files are damaged; restore a backup, or ingest again into a new folder"),
)


def paged(get: Callable[[int, int], Any], size: int) -> Iterator[Any]:
    """Chroma's ``get`` results page by page: ``get(limit, offset)`` until one comes back
    empty (one ``get`` of more than ~32,000 records is more than SQLite takes)."""
    offset = 0
    while True:
        found = get(size, offset)
        if not found["ids"]:
            return
        yield found
        offset += len(found["ids"])


def explain(exc: BaseException, location: str) -> StoreError:
    """A Chroma, SQLite or file-system failure as one sentence saying what to do."""
    said = str(exc)
    for marker, advice in _FAILURES:
        if marker in said.lower():
            return StoreError(f"the article store at {location} cannot be used: {advice}")
    return StoreError(
        f"the article store at {location} failed ({type(exc).__name__}: {said[:300]}); "
        "run the command again, and if it keeps failing, ingest into a new folder"
    )


def store_errors(method: Callable[..., _T]) -> Callable[..., _T]:
    """Turn what Chroma, SQLite or the file system raise inside ``method`` into a
    ``StoreError`` with a message (a StoreError passes as it is)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            # Chroma's own errors (chromadb.errors, imported only when a store is opened)
            if isinstance(exc, sqlite3.Error | OSError) or type(exc).__module__.startswith(
                "chromadb"
            ):
                raise explain(exc, self.location) from exc
            raise

    return wrapper


class ChromaEmbeddingFunction:
    """Chroma's embedding-function protocol over an ``EmbeddingModel``."""

    def __init__(self, embeddings: EmbeddingModel) -> None:
        self._embeddings = embeddings

    def __call__(self, input: list[str]) -> list[list[float]]:
        return self._embeddings.embed_documents(list(input))

    def embed_query(self, input: list[str]) -> list[list[float]]:
        return [self._embeddings.embed_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "article-qa-sentence-transformers"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(load_embeddings())

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "l2", "ip"]

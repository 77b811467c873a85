"""Ingest: files and folders → cleaned articles → chunks → the store, with a report."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import CHUNK_TOKENS, OVERLAP_TOKENS, chunk_text
from .documents import Article, Chunk
from .embeddings import wordpiece_fits
from .fetch import DEADLINE_S
from .loaders import LoadError, discover, html_article, load_file
from .store import ArticleStore, Status

IS_A_FEED = "this is a feed, not a page: follow it with `article-qa feeds add URL`"


@dataclass(slots=True)
class IngestItem:
    """What happened to one article."""

    title: str
    path: str
    status: Status
    chunks: int


@dataclass(slots=True)
class IngestReport:
    """The outcome of one ingest run."""

    items: list[IngestItem] = field(default_factory=list)
    failed: list[LoadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # metadata dropped from stored articles
    seconds: float = 0.0

    def _n(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def added(self) -> int:
        return self._n("added")

    @property
    def updated(self) -> int:
        return self._n("updated")

    @property
    def unchanged(self) -> int:
        return self._n("unchanged")

    @property
    def folded(self) -> int:
        """Syndicated copies of stored articles: recorded on them, not stored again."""
        return self._n("folded")

    @property
    def chunks_written(self) -> int:
        """Chunks embedded and written in this run (unchanged articles write none)."""
        return sum(item.chunks for item in self.items if item.status in ("added", "updated"))

    def summary(self) -> str:
        """One line for people: counts, chunks and time."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.chunks_written} chunks written "
            f"in {self.seconds:.1f} s"
            + (f"; {self.folded} copies of stored stories folded" if self.folded else "")
            + (f"; {len(self.warnings)} warnings" if self.warnings else "")
        )


def load_url(
    url: str, allow_private: bool = False, deadline_s: float = DEADLINE_S
) -> Iterator[Article | LoadError]:
    """The article of one web page (as ``load_file`` for a file): fetched, then read by the
    same HTML path as files; its id is its canonical URL."""
    from .fetch import FEED_TYPES, HTML_TYPES, FetchError, fetch

    try:
        page = fetch(
            url, HTML_TYPES + FEED_TYPES, allow_private=allow_private, deadline_s=deadline_s
        )
        if page.is_feed and not page.is_html:
            raise LoadError(url, IS_A_FEED)
        yield html_article(page.text, url, url=page.url)
    except FetchError as exc:
        yield LoadError(exc.url, exc.reason)
    except LoadError as exc:
        yield exc
    except Exception as exc:  # a parser bug on one page must not stop the others
        yield LoadError(url, f"could not read the page ({type(exc).__name__}: {exc})")


def _units(path: Path | str) -> int:
    """How many progress steps a file is worth (a JSONL file: one per line)."""
    if isinstance(path, Path) and path.suffix.lower() == ".jsonl":
        try:
            with path.open("rb") as fh:
                return max(1, sum(1 for line in fh if line.strip()))
        except OSError:
            return 1
    return 1


def ingest(
    paths: Sequence[str | Path],
    store: ArticleStore,
    *,
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    batch_chunks: int = 256,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    allow_private: bool = False,
    deadline_s: float = DEADLINE_S,
) -> IngestReport:
    """Ingest every supported file under ``paths``, and every web page among them given
    as an http(s) URL, into ``store``.

    Unreadable files, pages that can't be fetched and bad records are collected in
    ``report.failed`` with their path or URL and reason; everything else is stored.
    ``progress`` draws a bar on stderr; ``on_progress(done, total)`` is called as work
    advances (for UIs). ``allow_private``: fetch from private addresses too (see ``fetch``);
    ``deadline_s``: the most one page may take. Pages are fetched before the store's write
    lock is taken: a slow server never holds up another writer.
    """
    from tqdm.auto import tqdm

    store.check_writable()  # before anything is fetched
    started = time.perf_counter()
    report = IngestReport()
    fits = wordpiece_fits(store.embeddings)
    files: list[Path | str] = []
    for found in discover(list(paths)):
        if isinstance(found, LoadError):
            report.failed.append(found)
        else:
            files.append(found)
    weights = [_units(f) for f in files]
    total = sum(weights)
    bar = tqdm(total=total, unit="article", disable=not progress, dynamic_ncols=True)
    done = 0
    pending: list[tuple[Article, list[Chunk]]] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending, pending_chunks
        if not pending:
            return
        for (article, chunks), status in zip(pending, store.put_many(pending), strict=True):
            report.items.append(IngestItem(article.title, article.path, status, len(chunks)))
        pending, pending_chunks = [], 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar.update(n)
        bar.set_postfix(failed=len(report.failed), refresh=False)
        if on_progress:
            on_progress(min(done, total), total)

    with contextlib.ExitStack() as finish:
        finish.callback(bar.close)
        fetched: dict[str, list[Article | LoadError]] = {}
        for url in (f for f in files if isinstance(f, str)):  # no network under the lock
            fetched[url] = list(load_url(url, allow_private, deadline_s))
        finish.enter_context(store.writing())  # one writer at a time, for the whole run
        for file, weight in zip(files, weights, strict=True):
            seen = 0
            loaded = fetched[file] if isinstance(file, str) else load_file(file)
            for result in loaded:
                seen += 1
                if weight > 1:
                    advance(1)
                if isinstance(result, LoadError):
                    report.failed.append(result)
                    continue
                report.warnings += [f"{result.path}: {w}" for w in result.warnings]
                chunks = chunk_text(result.text, max_tokens, overlap_tokens, fits=fits)
                if any(article.id == result.id for article, _ in pending):
                    flush()  # the same article twice: store the first before comparing
                pending.append((result, chunks))
                pending_chunks += len(chunks)
                if pending_chunks >= batch_chunks:
                    flush()
            advance(1 if weight == 1 else max(0, weight - seen))
        flush()
    report.seconds = time.perf_counter() - started
    return report

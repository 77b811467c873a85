"""The one ingest pipeline: articles from any source → chunks → copies folded → embedded →
stored → a report. Files and folders, web pages, feeds and uploads all go through
``write``; ``ingest`` and ``sync`` only say where the articles come from and how long the
store's write lock is held.

Nothing is fetched while the write lock is held: web pages are fetched before an ingest
takes it, and a feed sync takes it for each batch it writes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models import wordpiece_fits
from sources import (
    FETCH_DEADLINE_S,
    HOST_DELAY_S,
    Article,
    Feed,
    FeedList,
    FeedReading,
    LoadError,
    Pacer,
    discover,
    load_file,
    load_pages,
)

from .chunking import CHUNK_TOKENS, OVERLAP_TOKENS, chunk_text
from .documents import Chunk
from .reports import FeedResult, IngestItem, IngestReport, SyncReport
from .store import ArticleStore

Progress = Callable[[int, int], None]


def write(
    items: Iterable[Article | LoadError],
    store: ArticleStore,
    report: IngestReport,
    *,
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    batch_chunks: int = 256,
    after_batch: Callable[[], None] | None = None,
) -> None:
    """Chunk, embed and store ``items`` ``batch_chunks`` chunks at a time (each batch under
    the store's write lock; copies of stored stories are folded by the store), adding what
    happened to each to ``report``. ``after_batch`` runs after each batch is stored."""
    fits = wordpiece_fits(store.embeddings)
    pending: list[tuple[Article, list[Chunk]]] = []

    def flush() -> None:
        if not pending:
            return
        for (article, chunks), status in zip(pending, store.put_many(pending), strict=True):
            report.items.append(IngestItem(article.title, article.path, status, len(chunks)))
        pending.clear()
        if after_batch:
            after_batch()

    for item in items:
        if isinstance(item, LoadError):
            report.failed.append(item)
            continue
        report.warnings += [f"{item.path}: {w}" for w in item.warnings]
        chunks = chunk_text(item.text, max_tokens, overlap_tokens, fits=fits)
        if any(article.id == item.id for article, _ in pending):
            flush()  # the same article twice: store the first before comparing
        pending.append((item, chunks))
        if sum(len(c) for _, c in pending) >= batch_chunks:
            flush()
    flush()


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
    on_progress: Progress | None = None,
    allow_private: bool = False,
    deadline_s: float = FETCH_DEADLINE_S,
) -> IngestReport:
    """Ingest every supported file under ``paths``, and every web page among them given
    as an http(s) URL, into ``store``, holding its write lock for the whole run.

    Unreadable files, pages that can't be fetched and bad records are collected in
    ``report.failed`` with their path or URL and reason; everything else is stored.
    ``progress`` draws a bar on stderr; ``on_progress(done, total)`` is called as work
    advances (for UIs). ``allow_private``: fetch from private addresses too;
    ``deadline_s``: the most one page may take.
    """
    from tqdm.auto import tqdm

    store.check_writable()  # before anything is fetched
    started = time.perf_counter()
    report = IngestReport()
    files: list[Path | str] = []
    for found in discover(list(paths)):
        if isinstance(found, LoadError):
            report.failed.append(found)
        else:
            files.append(found)
    weights = [_units(f) for f in files]
    total = sum(weights)
    pages = load_pages([f for f in files if isinstance(f, str)], allow_private, deadline_s)
    with contextlib.ExitStack() as finish:
        bar = tqdm(total=total, unit="article", disable=not progress, dynamic_ncols=True)
        finish.callback(bar.close)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            bar.update(n)
            bar.set_postfix(failed=len(report.failed), refresh=False)
            if on_progress:
                on_progress(min(done, total), total)

        def articles() -> Iterable[Article | LoadError]:
            for file, weight in zip(files, weights, strict=True):
                seen = 0
                for result in pages[file] if isinstance(file, str) else load_file(file):
                    seen += 1
                    if weight > 1:
                        advance(1)
                    yield result
                advance(1 if weight == 1 else max(0, weight - seen))

        finish.enter_context(store.writing())  # one writer at a time, for the whole run
        write(
            articles(),
            store,
            report,
            max_tokens=max_tokens,
            overlap_tokens=overlap_tokens,
            batch_chunks=batch_chunks,
        )
    report.seconds = time.perf_counter() - started
    return report


def sync(
    store: ArticleStore,
    feeds: FeedList,
    *,
    only: Sequence[str] = (),
    allow_private: bool = False,
    delay: float = HOST_DELAY_S,
    deadline_s: float = FETCH_DEADLINE_S,
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    batch_chunks: int = 256,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> SyncReport:
    """Read every followed feed (those with the URLs in ``only``, when given) and store its
    new and updated items. Each batch is written under the store's write lock (reading
    happens outside it) and the feed's state is saved after it, so the state never claims
    an item that is not stored. A feed or an item that fails is reported and the others
    go on; a store that fails stops the sync."""
    from tqdm.auto import tqdm

    store.check_writable()
    started = time.perf_counter()
    report = SyncReport()
    pacer = Pacer(delay)
    chosen = [f for f in feeds.all() if not only or f.url in only]
    bar = tqdm(total=len(chosen), unit="feed", disable=not progress, dynamic_ncols=True)
    try:
        for n, feed in enumerate(chosen):
            if not feeds.follows(feed.url):  # removed while earlier feeds synced
                continue
            reading = FeedReading(feed, pacer, allow_private, deadline_s)
            written = IngestReport()

            def save(feed: Feed = feed) -> None:  # only now: the state never runs ahead
                feeds.update(feed)

            write(
                reading,
                store,
                written,
                max_tokens=max_tokens,
                overlap_tokens=overlap_tokens,
                batch_chunks=batch_chunks,
                after_batch=save,
            )
            result = FeedResult.of(feed.label, written, reading.unchanged, reading.notes)
            result.error = reading.error
            report.feeds.append(result)
            feed.last_fetch = datetime.now(UTC).isoformat(timespec="seconds")
            feed.last_error = result.error
            feeds.update(feed)  # unless it was removed meanwhile
            bar.update(1)
            if on_progress:
                on_progress(n + 1, len(chosen))
    finally:
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def remove_promoting_copy(store: ArticleStore, article_id: str, **options: Any) -> int:
    """Remove one article; how many chunks were removed. When syndicated copies of it were
    recorded, the first one still readable (its file or URL) is ingested in its place and
    carries the others. ``options``: ``ingest``'s."""
    copies = store.copies_of(article_id)
    removed = store.remove(article_id)
    for i, copy in enumerate(copies):
        path = copy.get("path", "")
        where = path if path and Path(path).is_file() else copy.get("url", "")
        if where and ingest([where], store, **options).added:
            promoted = store.find_articles(where)
            if promoted:
                store.record_copies(promoted[0].id, copies[i + 1 :])
            break
    return removed

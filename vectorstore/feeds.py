"""Syncing RSS 2.0, Atom and RDF feeds: ``sync`` stores the items not seen before.

The state of each feed (URL, name, last fetch, HTTP validators, the ids of the items seen
with their update stamps, the last error) is kept by ``feedlist.FeedList``, beside a local
store or in the cache folder for a Chroma server. ``sync`` asks each feed conditionally
(ETag / Last-Modified: an unchanged feed transfers nothing), fetches each new or updated
item's page (an item whose page fails keeps its summary, marked as such), waits ``delay``
seconds between requests to one host, and saves the state after every write, so an
interrupted sync loses nothing and repeats nothing. A bad item or a bad feed is reported
and skipped; nothing is fetched while the store's write lock is held.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .chunking import CHUNK_TOKENS, OVERLAP_TOKENS, chunk_text
from .documents import Article, Chunk
from .embeddings import wordpiece_fits
from .errors import StoreError
from .feedlist import Feed, FeedList
from .fetch import DEADLINE_S, FEED_TYPES, HTML_TYPES, FetchError, fetch, http_client
from .loaders import LoadError, html_article, make_article, normalize_date
from .store import ArticleStore
from .urls import http_url

if TYPE_CHECKING:  # imported on first use (fetch.http_client)
    import httpx

log = logging.getLogger(__name__)
HOST_DELAY_S = 0.5  # between the starts of two requests to one host
FETCHERS = 2  # item pages fetched at once (at most this many per host, too)
MAX_ITEMS = 200  # new or updated items of one feed stored by one sync; the rest next time


@dataclass
class FeedResult:
    """What one sync did with one feed."""

    feed: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0  # items seen before, or the whole feed unchanged (HTTP 304)
    folded: int = 0  # copies of stored stories, recorded on them (copies.py)
    failed: list[str] = field(default_factory=list)  # "URL: reason" per item
    notes: list[str] = field(default_factory=list)  # stored, with something dropped
    error: str = ""  # the feed itself could not be read

    def summary(self) -> str:
        if self.error:
            return f"{self.feed}: failed: {self.error}"
        return (
            f"{self.feed}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
            + (f", {self.folded} copies of stored stories folded" if self.folded else "")
        )


@dataclass
class SyncReport:
    feeds: list[FeedResult] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        total = FeedResult(
            "all feeds",
            sum(f.new for f in self.feeds),
            sum(f.updated for f in self.feeds),
            sum(f.unchanged for f in self.feeds),
            sum(f.folded for f in self.feeds),
            [x for f in self.feeds for x in f.failed],
        )
        broken = sum(1 for f in self.feeds if f.error)
        return (
            f"{len(self.feeds)} feeds ({broken} unreadable): {total.new} new, "
            f"{total.updated} updated, {total.unchanged} unchanged, {len(total.failed)} failed"
            + (f", {total.folded} copies folded" if total.folded else "")
            + f" in {self.seconds:.1f} s"
        )


class _Pacer:
    """At most one request to a host every ``delay`` seconds (thread-safe)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait(self, url: str) -> None:
        host = urlparse(url).hostname or ""
        with self.lock:  # take the next free slot of this host
            now = time.monotonic()
            slot = max(now, self.last.get(host, -self.delay) + self.delay)
            self.last[host] = slot
        if slot > now:
            time.sleep(slot - now)


def sync(
    store: ArticleStore,
    feeds: FeedList,
    *,
    only: Sequence[str] = (),
    allow_private: bool = False,
    delay: float = HOST_DELAY_S,
    deadline_s: float = DEADLINE_S,
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    batch_chunks: int = 256,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Fetch every followed feed (those with the URLs in ``only``, when given) and store
    its new and updated items (see the module).
    Items are embedded and written ``batch_chunks`` chunks at a time, each batch under the
    store's write lock (fetching happens outside it); the feed's state is saved after each
    write, so it never claims an item that is not stored. A feed or an item that fails is
    reported and the others go on; a store that fails stops the sync."""
    from tqdm.auto import tqdm

    store.check_writable()
    started = time.perf_counter()
    report = SyncReport()
    pacer = _Pacer(delay)
    chosen = [f for f in feeds.all() if not only or f.url in only]
    bar = tqdm(total=len(chosen), unit="feed", disable=not progress, dynamic_ncols=True)
    job = _Job(store, feeds, pacer, allow_private, deadline_s, max_tokens, overlap_tokens)
    try:
        for n, feed in enumerate(chosen):
            if not feeds.follows(feed.url):  # removed while earlier feeds synced
                continue
            result = FeedResult(feed.label)
            report.feeds.append(result)
            try:
                job.run(feed, result, batch_chunks)
            except StoreError:
                raise
            except Exception as exc:  # a bug on one feed must not stop the others
                log.exception("article-qa: syncing the feed %s failed", feed.url)
                result.error = f"could not be synced ({type(exc).__name__}: {exc})"
            result.feed = feed.label  # the feed's own title, once read
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


@dataclass
class _Job:
    """What one sync needs to read and store a feed's items."""

    store: ArticleStore
    feeds: FeedList
    pacer: _Pacer
    allow_private: bool
    deadline_s: float
    max_tokens: int
    overlap_tokens: int
    feed_url: str = ""  # the feed being read

    def run(self, feed: Feed, result: FeedResult, batch_chunks: int) -> None:
        self.feed_url = feed.url
        fits = wordpiece_fits(self.store.embeddings)
        pending: list[tuple[Article, list[Chunk]]] = []
        for article in _items(feed, result, self):
            result.notes += [f"{article.path}: {w}" for w in article.warnings]
            chunks = chunk_text(article.text, self.max_tokens, self.overlap_tokens, fits=fits)
            pending.append((article, chunks))
            if sum(len(c) for _, c in pending) >= batch_chunks:
                _store(self.store, pending, result)
                self.feeds.update(feed)  # only now: the state never runs ahead of the store
        _store(self.store, pending, result)


def _store(
    store: ArticleStore, pending: list[tuple[Article, list[Chunk]]], result: FeedResult
) -> None:
    """Write the pending items (one embedding batch) and count what became of them."""
    if pending:
        for status in store.put_many(pending):  # under the store's write lock
            if status == "added":
                result.new += 1
            elif status == "updated":
                result.updated += 1
            elif status == "folded":
                result.folded += 1
            else:
                result.unchanged += 1
    pending.clear()


def _items(feed: Feed, result: FeedResult, job: _Job) -> Iterator[Article]:
    """The articles of a feed's new and updated items; marks each seen once yielded."""
    import feedparser

    job.pacer.wait(feed.url)
    try:
        got = fetch(
            feed.url,
            FEED_TYPES + HTML_TYPES,
            allow_private=job.allow_private,
            etag=feed.etag,
            last_modified=feed.last_modified,
            deadline_s=job.deadline_s,
        )
    except FetchError as exc:
        result.error = exc.reason
        return
    if got.status == 304:
        result.unchanged += len(feed.seen)
        return
    if got.is_html:
        result.error = "the address serves a web page, not a feed (RSS, Atom or RDF)"
        return
    parsed: Any = feedparser.parse(got.body)
    if parsed.get("bozo") and not parsed.entries:
        result.error = f"not a readable feed ({parsed.get('bozo_exception')})"
        return
    feed.etag, feed.last_modified = got.etag, got.last_modified
    if not feed.name:
        feed.name = str(parsed.feed.get("title", ""))[:120]
    source = feed.name or feed.label
    todo: dict[str, tuple[Any, str, str]] = {}  # item id → (entry, link, stamp)
    for entry in parsed.entries:
        link = str(entry.get("link", ""))
        item_id = str(entry.get("id") or link)
        stamp = _field(entry, "updated") or _field(entry, "published")
        if not item_id:
            result.failed.append(f"{feed.url}: an item without a link or id; skipped")
        elif item_id in todo:
            result.failed.append(f"{feed.url}: the item id {item_id} repeats; the first kept")
        elif item_id in feed.seen and feed.seen[item_id] == stamp:
            result.unchanged += 1
        else:
            todo[item_id] = (entry, link, stamp)
    if len(todo) > MAX_ITEMS:  # one feed can't keep a sync busy for hours
        result.notes.append(
            f"{feed.url}: {len(todo) - MAX_ITEMS} more new items are left for the next sync"
        )
        todo = dict(list(todo.items())[:MAX_ITEMS])
    # pages are fetched ahead (FETCHERS at a time, paced per host) while the caller embeds
    pool = ThreadPoolExecutor(max_workers=FETCHERS)
    http = http_client(job.allow_private)  # connections reused
    try:
        articles = pool.map(
            lambda item: _item_article(item, todo[item], source, job, result, http),
            todo,
        )
        for item_id, article in zip(todo, articles, strict=True):
            if article is not None:  # a failed item is tried again at the next sync
                yield article
                feed.seen[item_id] = todo[item_id][2]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: no waiting for the rest
        http.close()


def _item_article(
    item_id: str,
    item: tuple[Any, str, str],
    source: str,
    job: _Job,
    result: FeedResult,
    http: httpx.Client,
) -> Article | None:
    """The item's page as an article; its summary when the page can't be read; None (and
    the reason in ``result.failed``) when neither can."""
    entry, link = item[0], item[1]
    title = str(entry.get("title", ""))[:500]
    try:
        where = http_url(link) or f"{job.feed_url}#{item_id[:200]}"  # names it in reports
        return _read_item(entry, link, where, title, source, job, http)
    except LoadError as exc:  # neither its page nor a summary
        result.failed.append(f"{link[:300] or title or 'an item'}: {exc.reason}")
    except Exception as exc:  # a bug on one item must not stop the feed
        log.debug("article-qa: the feed item %r failed", link or title, exc_info=True)
        result.failed.append(f"{link[:300] or title or 'an item'}: {type(exc).__name__}: {exc}")
    return None


def _read_item(
    entry: Any, link: str, where: str, title: str, source: str, job: _Job, http: httpx.Client
) -> Article:
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    day = normalize_date(time.strftime("%Y-%m-%d", parsed)) if parsed else ""
    why = "the item has no link"
    if link:
        job.pacer.wait(link)
        try:
            page = fetch(
                link,
                HTML_TYPES,
                allow_private=job.allow_private,
                client=http,
                deadline_s=job.deadline_s,
            )
            article = html_article(page.text, link, url=page.url)
            return _with(article, title=article.title or title, date=article.date or day)
        except (FetchError, LoadError) as exc:
            why = getattr(exc, "reason", str(exc))
    summary = _plain(str(entry.get("summary", "")))
    if not summary:
        raise LoadError(link or title or "an item", why)
    article = make_article(where, summary, title=title, date=day, url=http_url(link), source=source)
    warning = f"summary only: the page could not be read ({why})"
    return _with(article, warnings=(*article.warnings, warning))


def _field(entry: Any, name: str) -> str:
    """An item's own field (not feedparser's deprecated updated→published fallback)."""
    return str(dict.get(entry, name) or "")


def _with(article: Article, **changes: Any) -> Article:
    from dataclasses import replace

    return replace(article, **changes)


def _plain(html: str) -> str:
    """A feed summary's text without its markup."""
    import lxml.html

    if not html.strip():
        return ""
    return str(lxml.html.fromstring(html).text_content()).strip()

"""Following RSS 2.0, Atom and RDF feeds: the list of feeds with their state, and ``sync``,
which stores the items not seen before.

The state of each feed (URL, name, last fetch, HTTP validators, the ids of the items seen
with their update stamps, the last error) is a JSON file beside a local store, or in the
cache folder for a Chroma server. ``sync`` asks each feed conditionally (ETag /
Last-Modified: an unchanged feed transfers nothing), fetches each new or updated item's
page (an item whose page fails keeps its summary, marked as such), waits ``delay``
seconds between requests to one host, and saves the state after every item, so an
interrupted sync loses nothing and repeats nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .chunking import CHUNK_TOKENS, OVERLAP_TOKENS, chunk_text
from .documents import Article, Chunk
from .embeddings import wordpiece_fits
from .errors import StoreError
from .fetch import FEED_TYPES, HTML_TYPES, FetchError, fetch, http_client
from .loaders import LoadError, _article, html_article, normalize_date
from .store import ArticleStore

if TYPE_CHECKING:  # imported on first use (fetch.http_client)
    import httpx

STATE_FILE = "feeds.json"
HOST_DELAY_S = 0.5  # between the starts of two requests to one host
FETCHERS = 2  # item pages fetched at once (at most this many per host, too)


@dataclass
class Feed:
    """A followed feed and what is known of it."""

    url: str
    name: str = ""
    last_fetch: str = ""  # ISO time of the last sync
    etag: str = ""
    last_modified: str = ""
    seen: dict[str, str] = field(default_factory=dict)  # item id → its update stamp
    last_error: str = ""

    @property
    def label(self) -> str:
        return self.name or urlparse(self.url).hostname or self.url


@dataclass
class FeedResult:
    """What one sync did with one feed."""

    feed: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0  # items seen before, or the whole feed unchanged (HTTP 304)
    failed: list[str] = field(default_factory=list)  # "URL: reason" per item
    notes: list[str] = field(default_factory=list)  # stored, with something dropped
    error: str = ""  # the feed itself could not be read

    def summary(self) -> str:
        if self.error:
            return f"{self.feed}: failed: {self.error}"
        return (
            f"{self.feed}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
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
            [x for f in self.feeds for x in f.failed],
        )
        broken = sum(1 for f in self.feeds if f.error)
        return (
            f"{len(self.feeds)} feeds ({broken} unreadable): {total.new} new, "
            f"{total.updated} updated, {total.unchanged} unchanged, {len(total.failed)} failed "
            f"in {self.seconds:.1f} s"
        )


class FeedList:
    """The followed feeds of one store, kept in ``STATE_FILE``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_store(cls, store: ArticleStore) -> FeedList:
        return cls(store.state_dir / STATE_FILE)

    def all(self) -> list[Feed]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [Feed(**f) for f in data["feeds"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"the feed list {self.path} cannot be read ({exc}); fix or remove the file"
            ) from exc

    def save(self, feeds: list[Feed]) -> None:
        """Write the list atomically: a reader never sees half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".feeds-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"feeds": [asdict(f) for f in feeds]}, fh, indent=1)
        os.replace(tmp, self.path)

    def add(self, url: str, name: str = "") -> Feed:
        url = url.strip()
        if not url.lower().startswith(("http://", "https://")):
            raise StoreError(f"'{url}' is not an http(s) URL: give the feed's address")
        feeds = self.all()
        if any(f.url == url for f in feeds):
            raise StoreError(f"{url} is already followed (see `article-qa feeds list`)")
        feed = Feed(url, name.strip())
        self.save([*feeds, feed])
        return feed

    def remove(self, ref: str) -> Feed:
        """Stop following the feed with this URL or name (its articles stay stored)."""
        feeds = self.all()
        match = [f for f in feeds if ref in (f.url, f.name)]
        if not match:
            raise StoreError(f"no followed feed is '{ref}' (see `article-qa feeds list`)")
        self.save([f for f in feeds if f is not match[0]])
        return match[0]


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
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    batch_chunks: int = 256,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Fetch every followed feed (those with the URLs in ``only``, when given) and store
    its new and updated items (see the module).
    Items are embedded and written ``batch_chunks`` chunks at a time; the feed state is
    saved after each write, so it never claims an item that is not stored."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    report = SyncReport()
    pacer = _Pacer(delay)
    fits = wordpiece_fits(store.embeddings)
    with store.writing():
        followed = feeds.all()  # all are saved back; ``chosen`` are synced
        chosen = [f for f in followed if not only or f.url in only]
        bar = tqdm(total=len(chosen), unit="feed", disable=not progress, dynamic_ncols=True)
        try:
            for n, feed in enumerate(chosen):
                result = FeedResult(feed.label)
                report.feeds.append(result)
                pending: list[tuple[Article, list[Chunk]]] = []
                for article in _items(feed, result, pacer, allow_private):
                    result.notes += [f"{article.path}: {w}" for w in article.warnings]
                    pending.append(
                        (article, chunk_text(article.text, max_tokens, overlap_tokens, fits=fits))
                    )
                    if sum(len(c) for _, c in pending) >= batch_chunks:
                        _store(store, pending, result)
                        feeds.save(followed)  # only now: the state never runs ahead of the store
                _store(store, pending, result)
                result.feed = feed.label  # the feed's own title, once read
                feed.last_fetch = datetime.now(UTC).isoformat(timespec="seconds")
                feed.last_error = result.error
                feeds.save(followed)
                bar.update(1)
                if on_progress:
                    on_progress(n + 1, len(chosen))
        finally:
            bar.close()
    report.seconds = time.perf_counter() - started
    return report


def _store(
    store: ArticleStore, pending: list[tuple[Article, list[Chunk]]], result: FeedResult
) -> None:
    """Write the pending items (one embedding batch) and count what became of them."""
    if pending:
        for status in store.put_many(pending):
            if status == "added":
                result.new += 1
            elif status == "updated":
                result.updated += 1
            else:
                result.unchanged += 1
    pending.clear()


def _items(feed: Feed, result: FeedResult, pacer: _Pacer, allow_private: bool) -> Iterator[Article]:
    """The articles of a feed's new and updated items; marks each seen once yielded."""
    import feedparser

    pacer.wait(feed.url)
    try:
        got = fetch(
            feed.url,
            FEED_TYPES + HTML_TYPES,
            allow_private=allow_private,
            etag=feed.etag,
            last_modified=feed.last_modified,
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
    # pages are fetched ahead (FETCHERS at a time, paced per host) while the caller embeds
    pool = ThreadPoolExecutor(max_workers=FETCHERS)
    http = http_client()  # connections reused
    try:
        articles = pool.map(
            lambda job: _item_article(job[0], job[1], source, pacer, allow_private, result, http),
            todo.values(),
        )
        for item_id, article in zip(todo, articles, strict=True):
            if article is not None:
                yield article
            feed.seen[item_id] = todo[item_id][2]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: no waiting for the rest
        http.close()


def _item_article(
    entry: Any,
    link: str,
    source: str,
    pacer: _Pacer,
    allow_private: bool,
    result: FeedResult,
    http: httpx.Client,
) -> Article | None:
    """The item's page as an article; its summary when the page can't be read."""
    title = str(entry.get("title", ""))
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    day = normalize_date(time.strftime("%Y-%m-%d", parsed)) if parsed else ""
    why = "the item has no link"
    if link:
        pacer.wait(link)
        try:
            page = fetch(link, HTML_TYPES, allow_private=allow_private, client=http)
            article = html_article(page.text, link, url=page.url)
            return _with(article, title=article.title or title, date=article.date or day)
        except (FetchError, LoadError) as exc:
            why = getattr(exc, "reason", str(exc))
    summary = _plain(str(entry.get("summary", "")))
    if not summary:
        result.failed.append(f"{link or title or 'an item'}: {why}")
        return None
    article = _article(link or title, summary, title=title, date=day, url=link, source=source)
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

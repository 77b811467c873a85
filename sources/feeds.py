"""Reading RSS 2.0, Atom and RDF feeds: a ``FeedReading`` is one feed's new and updated
items, each an ``Article`` (its page, else its summary, marked as such) or a ``LoadError``
(neither could be read). It reads; it never stores.

The feed is asked conditionally (ETag / Last-Modified: an unchanged feed transfers
nothing); item pages are fetched ``FETCHERS`` at a time while the caller works on the
previous ones, ``delay`` seconds apart per host, each within the fetch deadline. An item is
marked seen in the feed's state only once the caller has taken it and asked for the next,
so a state saved after a write never claims an item that is not stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .article import Article, make_article, normalize_date
from .errors import LoadError
from .feedlist import Feed
from .fetch import DEADLINE_S, FEED_TYPES, HTML_TYPES, FetchError, fetch, http_client
from .formats import html_article
from .urls import http_url

if TYPE_CHECKING:  # imported on first use (fetch.http_client)
    import httpx

log = logging.getLogger(__name__)
HOST_DELAY_S = 0.5  # between the starts of two requests to one host
FETCHERS = 2  # item pages fetched at once (at most this many per host, too)
MAX_ITEMS = 200  # new or updated items of one feed read by one sync; the rest next time


class Pacer:
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


@dataclass
class FeedReading:
    """One sync's reading of one feed: iterate it for the items; ``error`` says why the feed
    itself could not be read, ``unchanged`` counts items seen before, ``notes`` what was
    left for later."""

    feed: Feed
    pacer: Pacer
    allow_private: bool = False
    deadline_s: float = DEADLINE_S
    error: str = ""
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Article | LoadError]:
        try:
            yield from self._items()
        except Exception as exc:  # a bug on one feed must not stop the others
            log.debug("article-qa: reading the feed %s failed", self.feed.url, exc_info=True)
            self.error = f"could not be read ({type(exc).__name__}: {exc})"

    def _items(self) -> Iterator[Article | LoadError]:
        import feedparser

        feed = self.feed
        self.pacer.wait(feed.url)
        try:
            got = fetch(
                feed.url,
                FEED_TYPES + HTML_TYPES,
                allow_private=self.allow_private,
                etag=feed.etag,
                last_modified=feed.last_modified,
                deadline_s=self.deadline_s,
            )
        except FetchError as exc:
            self.error = exc.reason
            return
        if got.status == 304:
            self.unchanged += len(feed.seen)
            return
        if got.is_html:
            self.error = "the address serves a web page, not a feed (RSS, Atom or RDF)"
            return
        parsed: Any = feedparser.parse(got.body)
        if parsed.get("bozo") and not parsed.entries:
            self.error = f"not a readable feed ({parsed.get('bozo_exception')})"
            return
        feed.etag, feed.last_modified = got.etag, got.last_modified
        if not feed.name:
            feed.name = str(parsed.feed.get("title", ""))[:120]
        todo: dict[str, tuple[Any, str, str]] = {}  # item id → (entry, link, stamp)
        for entry in parsed.entries:
            link = str(entry.get("link", ""))
            item_id = str(entry.get("id") or link)
            stamp = _field(entry, "updated") or _field(entry, "published")
            if not item_id:
                yield LoadError(feed.url, "an item without a link or id; skipped")
            elif item_id in todo:
                yield LoadError(feed.url, f"the item id {item_id} repeats; the first kept")
            elif item_id in feed.seen and feed.seen[item_id] == stamp:
                self.unchanged += 1
            else:
                todo[item_id] = (entry, link, stamp)
        if len(todo) > MAX_ITEMS:  # one feed can't keep a sync busy for hours
            self.notes.append(
                f"{feed.url}: {len(todo) - MAX_ITEMS} more new items are left for the next sync"
            )
            todo = dict(list(todo.items())[:MAX_ITEMS])
        yield from self._pages(todo)

    def _pages(self, todo: dict[str, tuple[Any, str, str]]) -> Iterator[Article | LoadError]:
        """The items' pages, fetched ahead (``FETCHERS`` at a time, paced per host) while
        the caller works on the previous ones."""
        pool = ThreadPoolExecutor(max_workers=FETCHERS)
        http = http_client(self.allow_private)  # connections reused
        try:
            read = pool.map(lambda item_id: self._item(item_id, todo[item_id], http), todo)
            for item_id, article in zip(todo, read, strict=True):
                yield article
                if isinstance(article, Article):  # a failed item is tried again next time
                    self.feed.seen[item_id] = todo[item_id][2]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: no waiting for the rest
            http.close()

    def _item(
        self, item_id: str, item: tuple[Any, str, str], http: httpx.Client
    ) -> Article | LoadError:
        """The item's page as an article; its summary when the page can't be read."""
        entry, link = item[0], item[1]
        title = str(entry.get("title", ""))[:500]
        named = link[:300] or title or "an item"
        try:
            where = http_url(link) or f"{self.feed.url}#{item_id[:200]}"  # names it in reports
            return self._read(entry, link, where, title, http)
        except LoadError as exc:  # neither its page nor a summary
            return LoadError(named, exc.reason)
        except Exception as exc:  # a bug on one item must not stop the feed
            log.debug("article-qa: the feed item %r failed", link or title, exc_info=True)
            return LoadError(named, f"{type(exc).__name__}: {exc}")

    def _read(self, entry: Any, link: str, where: str, title: str, http: httpx.Client) -> Article:
        parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        day = normalize_date(time.strftime("%Y-%m-%d", parsed)) if parsed else ""
        why = "the item has no link"
        if link:
            self.pacer.wait(link)
            try:
                page = fetch(
                    link,
                    HTML_TYPES,
                    allow_private=self.allow_private,
                    client=http,
                    deadline_s=self.deadline_s,
                )
                article = html_article(page.text, link, url=page.url)
                return replace(article, title=article.title or title, date=article.date or day)
            except (FetchError, LoadError) as exc:
                why = getattr(exc, "reason", str(exc))
        summary = _plain(str(entry.get("summary", "")))
        if not summary:
            raise LoadError(link or title or "an item", why)
        source = self.feed.name or self.feed.label
        article = make_article(
            where, summary, title=title, date=day, url=http_url(link), source=source
        )
        warning = f"summary only: the page could not be read ({why})"
        return replace(article, warnings=(*article.warnings, warning))


def _field(entry: Any, name: str) -> str:
    """An item's own field (not feedparser's deprecated updated→published fallback)."""
    return str(dict.get(entry, name) or "")


def _plain(html: str) -> str:
    """A feed summary's text without its markup."""
    import lxml.html

    if not html.strip():
        return ""
    return str(lxml.html.fromstring(html).text_content()).strip()

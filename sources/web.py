"""Web pages given by address: each fetched, then read by the same HTML path as files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .article import Article
from .errors import LoadError
from .fetch import DEADLINE_S, FEED_TYPES, HTML_TYPES, FetchError, fetch
from .formats import html_article

IS_A_FEED = "this is a feed, not a page: follow it with `article-qa feeds add URL`"


def load_url(
    url: str, allow_private: bool = False, deadline_s: float = DEADLINE_S
) -> Iterator[Article | LoadError]:
    """The article of one web page (as ``load_file`` for a file); its id is its canonical
    URL."""
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


def load_pages(
    urls: Sequence[str], allow_private: bool = False, deadline_s: float = DEADLINE_S
) -> dict[str, list[Article | LoadError]]:
    """Every page fetched and read now (before a store's write lock is taken), by URL."""
    return {url: list(load_url(url, allow_private, deadline_s)) for url in urls}

"""HTML articles, from files and fetched pages alike: main text and metadata by
trafilatura."""

from __future__ import annotations

from pathlib import Path

from ..article import MAX_ARTICLE_BYTES, Article, make_article, normalize_date, read_text
from ..errors import LoadError
from ..urls import http_url, source_from_url


def load_html(path: Path) -> list[Article]:
    """An HTML file: main text and metadata extracted by trafilatura."""
    return [html_article(read_text(path, MAX_ARTICLE_BYTES), path)]


def html_article(html: str, where: str | Path, url: str = "") -> Article:
    """An HTML page (a file, or fetched from ``url``): main text and metadata by
    trafilatura; its id is the page's canonical URL (else ``url``)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or isinstance(doc, dict) or doc is None:  # a Document unless as_dict=True
        raise LoadError(where, "no article text found in the HTML page")
    canonical = http_url(doc.url) or http_url(url)
    return make_article(
        where,
        text,
        title=doc.title or "",
        date=normalize_date(doc.date),
        url=canonical,
        source=doc.sitename or (source_from_url(canonical) if canonical else ""),
    )

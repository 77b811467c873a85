"""Plain-text articles, and the sample's format: ``date YYYY-MM-DD <headline>``, a blank
line, the body."""

from __future__ import annotations

import re
from pathlib import Path

from ..article import MAX_ARTICLE_BYTES, Article, make_article, read_text

# The sample format's first line: "date 2023-09-11 <headline>".
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+(.+?)\s*$", re.IGNORECASE)


def load_text(path: Path) -> list[Article]:
    """The sample format (``date YYYY-MM-DD <headline>``, blank line, body) or plain text."""
    text = read_text(path, MAX_ARTICLE_BYTES)
    first, _, rest = text.lstrip("\ufeff").lstrip("\n").partition("\n")
    header = _DATE_HEADER.match(first)
    if header:
        return [make_article(path, rest, title=header.group(2), date=header.group(1))]
    # Plain text: a short first line standing alone is the headline.
    if rest.startswith(("\n", "\r\n")) and 0 < len(first.strip()) <= 200:
        return [make_article(path, rest, title=first.strip())]
    return [make_article(path, text)]

"""An article as every source produces it, and the one place one is made (``make_article``:
text and metadata cleaned), with the errors a source reports instead of raising."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .cleaning import SOURCE_CHARS, clean_field, clean_text, clean_title
from .errors import LoadError
from .urls import http_url

EARLIEST_DATE = "1900-01-01"  # an article dated before this (or after tomorrow) has no date
MB = 1024 * 1024  # the one megabyte of article-qa's limits and messages
MAX_FILE_BYTES = 64 * MB  # a JSON/JSONL file of many articles
MAX_ARTICLE_BYTES = 10 * MB  # a file holding one article (.txt .md .html)


def digest(*parts: str, length: int = 16) -> str:
    """A short, stable hex digest of the given strings."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


@dataclass(slots=True)
class Article:
    """One cleaned article, ready to be chunked.

    ``key`` names the article across re-ingests: its URL when known, else the file
    it came from plus its title and date. Two versions of the same article share a
    key (and so an ``id``) but not a ``content_hash``.
    """

    text: str
    title: str = ""
    date: str = ""  # ISO ``YYYY-MM-DD`` when known
    source: str = ""  # publisher or site, e.g. "CNN"
    url: str = ""
    path: str = ""  # the file it was read from
    key: str = ""
    warnings: tuple[str, ...] = ()  # what was dropped from its metadata, and why

    def __post_init__(self) -> None:
        if not self.key:
            self.key = self.url or f"{self.path.rsplit('/', 1)[-1]}#{self.title}|{self.date}"

    @property
    def id(self) -> str:
        """Stable id of the article (derived from its key)."""
        return digest(self.key)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything stored about the article changes."""
        return digest(self.title, self.date, self.source, self.url, self.text)

    def metadata(self) -> dict[str, str]:
        """The article's fields as stored beside every one of its chunks."""
        return {
            "article_id": self.id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "content_hash": self.content_hash,
        }


def normalize_date(value: Any) -> str:
    """An ISO ``YYYY-MM-DD`` for the usual date spellings, or "" when there is none."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value)).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    text = str(value).strip()
    iso = text.replace("/", "-").replace("Z", "+00:00")
    for candidate in (iso, iso[:10]):
        try:
            return datetime.fromisoformat(candidate).date().isoformat()
        except ValueError:
            pass
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    return ""


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """Decode a text file, whatever its encoding; refuse binary, empty and oversized files."""
    try:
        size = path.stat().st_size
        if size > limit:
            what = "a file of many articles" if limit == MAX_FILE_BYTES else "one article"
            raise LoadError(
                path,
                f"file is {size / MB:.0f} MB, over the {limit // MB} MB limit for "
                f"{what}; split it into smaller files",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read file ({exc.strerror or exc})") from exc
    if not raw.strip():
        raise LoadError(path, "file is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:8192]:
        raise LoadError(path, "binary data, not text (is the file extension right?)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise LoadError(path, "not text in any known encoding; save it as UTF-8")
    return str(best)


def make_article(path: str | Path, text: str, **fields: str) -> Article:
    """The one place every loader's article is made: its text and metadata cleaned."""
    body = clean_text(text)
    if not body:
        raise LoadError(path, "no article text in file")
    title = clean_title(fields.pop("title", "") or "") or _title_from_path(Path(str(path)))
    warnings = []
    source = clean_field(fields.pop("source", "") or "", SOURCE_CHARS)
    url = fields.pop("url", "") or ""
    if url and clean_field(url, len(url)) != url:  # control or invisible characters
        warnings.append("its URL holds control characters; dropped")
        url = ""
    if url and not http_url(url):  # javascript:, data:, a path: never stored as a link
        warnings.append(f"its URL {url[:60]!r} is not an http(s) address; dropped")
        url = ""
    day = fields.pop("date", "") or ""
    latest = (date.today() + timedelta(days=1)).isoformat()
    if day and not EARLIEST_DATE <= day <= latest:
        warnings.append(f"its date {day} is outside {EARLIEST_DATE}..{latest}; dropped")
        day = ""
    return Article(
        text=body,
        title=title,
        path=str(path),
        source=source,
        url=url,
        date=day,
        warnings=tuple(warnings),
        **fields,
    )


def _title_from_path(path: Path) -> str:
    return re.sub(r"[_-]+", " ", path.stem).strip().capitalize() or path.name

"""Loaders: a path (file or folder) becomes cleaned ``Article`` records, one function per format.

Every problem with a file is raised as ``LoadError`` naming the file and the reason, so the
caller can report it and go on with the other files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .cleaning import SOURCE_CHARS, clean_field, clean_text, clean_title
from .documents import Article
from .urls import http_url, source_from_url

EARLIEST_DATE = "1900-01-01"  # an article dated before this (or after tomorrow) has no date
MB = 1024 * 1024  # the one megabyte of article-qa's limits and messages
MAX_FILE_BYTES = 64 * MB  # a JSON/JSONL file of many articles
MAX_ARTICLE_BYTES = 10 * MB  # a file holding one article (.txt .md .html)

# The sample format's first line: "date 2023-09-11 <headline>".
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+(.+?)\s*$", re.IGNORECASE)
_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article", "maintext"),
    "date": ("date", "published_at", "publish_date", "published", "pubdate", "date_publish"),
    "url": ("url", "link", "href"),
    "source": ("source", "site", "publisher", "sitename", "source_name"),
}


class LoadError(Exception):
    """A file (or one record in it) that could not be turned into an article."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


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


def load_markdown(path: Path) -> list[Article]:
    """Markdown with optional YAML front matter (title, date, url, source)."""
    import yaml
    from markdown_it import MarkdownIt

    text = read_text(path, MAX_ARTICLE_BYTES)
    meta: dict[str, Any] = {}
    front = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
    if front:
        try:
            loaded = yaml.safe_load(front.group(1))
        except yaml.YAMLError as exc:
            raise LoadError(path, f"front matter is not valid YAML ({exc})") from exc
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[front.end() :]
    paragraphs: list[str] = []
    title = ""
    tokens = MarkdownIt("commonmark").parse(text)
    for i, token in enumerate(tokens):
        if token.type != "inline":
            continue
        words = "".join(
            child.content
            if child.type in ("text", "code_inline")
            else (" " if child.type in ("softbreak", "hardbreak") else "")
            for child in token.children or []
        ).strip()
        if not words:
            continue
        if (
            not title
            and i > 0
            and tokens[i - 1].type == "heading_open"
            and tokens[i - 1].tag == "h1"
        ):
            title = words
            continue
        paragraphs.append(words)
    fields = _record_fields(meta)
    fields["title"] = fields.get("title") or title
    return [make_article(path, "\n\n".join(paragraphs), **fields)]


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


def _record_fields(record: dict[str, Any]) -> dict[str, str]:
    """Pick title, text, date, url and source out of a record, by their usual names."""
    lowered = {str(k).lower(): v for k, v in record.items()}
    out: dict[str, str] = {}
    for field, aliases in _FIELD_ALIASES.items():
        for alias in aliases:
            value = lowered.get(alias)
            if value not in (None, ""):
                if field == "source" and isinstance(value, dict):
                    value = value.get("name") or value.get("title") or ""
                if isinstance(value, list):
                    value = "\n\n".join(str(v) for v in value)
                out[field] = str(value)
                break
    if "date" in out:
        out["date"] = normalize_date(out["date"])
    if "url" in out:
        out["url"] = http_url(out["url"])
    if not out.get("source") and out.get("url"):
        out["source"] = source_from_url(out["url"])
    return out


def _record_article(path: Path, record: Any, where: str) -> Article:
    if not isinstance(record, dict):
        raise LoadError(where, f"expected a JSON object, got {type(record).__name__}")
    fields = _record_fields(record)
    text = fields.pop("text", "")
    if not text.strip():
        raise LoadError(where, "record has no text (looked for: text, body, content)")
    return make_article(path, text, **fields)


def iter_json(path: Path) -> Iterator[Article | LoadError]:
    """A JSON file: one article object, a list of them, or {"articles": [...]}."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"malformed JSON at line {exc.lineno}: {exc.msg}") from exc
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    for n, record in enumerate(records):
        try:
            yield _record_article(path, record, f"{path}[{n}]")
        except LoadError as exc:
            yield exc


def iter_jsonl(path: Path) -> Iterator[Article | LoadError]:
    """JSON Lines: one article object per line; a bad line is reported, the rest are read."""
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield LoadError(where, f"malformed JSON line ({exc.msg})")
            continue
        try:
            yield _record_article(path, record, where)
        except LoadError as exc:
            yield exc


_SINGLE: dict[str, Callable[[Path], list[Article]]] = {
    ".txt": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
}
_MANY: dict[str, Callable[[Path], Iterator[Article | LoadError]]] = {
    ".json": iter_json,
    ".jsonl": iter_jsonl,
}
SUPPORTED_SUFFIXES = (*_SINGLE, *_MANY)  # what ingest reads and the page accepts


def load_file(path: Path) -> Iterator[Article | LoadError]:
    """Every article in one file; problems are yielded as ``LoadError`` values, never raised."""
    suffix = path.suffix.lower()
    try:
        if suffix in _SINGLE:
            yield from _SINGLE[suffix](path)
        elif suffix in _MANY:
            yield from _MANY[suffix](path)
        else:
            raise LoadError(
                path,
                f"unsupported file type '{suffix or path.name}'; use one of "
                + ", ".join(SUPPORTED_SUFFIXES),
            )
    except LoadError as exc:
        yield exc
    except Exception as exc:  # a parser bug must not stop the other files
        yield LoadError(path, f"could not parse file ({type(exc).__name__}: {exc})")


def is_url(given: str | Path) -> bool:
    """An http(s) URL given where a file or folder could be."""
    return isinstance(given, str) and given.lower().startswith(("http://", "https://"))


def discover(paths: list[str | Path]) -> Iterator[Path | str | LoadError]:
    """The files to ingest under the given paths, walked recursively, symlink loops ignored;
    URLs pass through as they are."""
    for given in paths:
        if is_url(given):
            yield str(given)
            continue
        if isinstance(given, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", given):
            yield LoadError(
                given, "only http:// and https:// URLs are fetched; give a file as a plain path"
            )
            continue
        path = Path(given).expanduser()
        if path.is_file():
            yield path
        elif path.is_dir():
            seen: set[str] = set()
            for root, dirs, files in os.walk(path, followlinks=True):
                real = os.path.realpath(root)
                if real in seen:
                    dirs[:] = []
                    continue
                seen.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    file = Path(root) / name
                    if file.suffix.lower() in SUPPORTED_SUFFIXES:
                        yield file
        elif path.exists():
            yield LoadError(path, "not a regular file or folder")
        else:
            yield LoadError(path, "no such file or folder")

"""JSON and JSON Lines articles: one object, a list of them, ``{"articles": [...]}``, or one
object per line; fields found by their usual names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..article import Article, make_article, normalize_date, read_text
from ..errors import LoadError
from ..urls import http_url, source_from_url

_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article", "maintext"),
    "date": ("date", "published_at", "publish_date", "published", "pubdate", "date_publish"),
    "url": ("url", "link", "href"),
    "source": ("source", "site", "publisher", "sitename", "source_name"),
}


def record_fields(record: dict[str, Any]) -> dict[str, str]:
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
    fields = record_fields(record)
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

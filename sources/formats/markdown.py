"""Markdown articles, with optional YAML front matter (title, date, url, source)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..article import MAX_ARTICLE_BYTES, Article, make_article, read_text
from ..errors import LoadError
from .records import record_fields


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
    fields = record_fields(meta)
    fields["title"] = fields.get("title") or title
    return [make_article(path, "\n\n".join(paragraphs), **fields)]

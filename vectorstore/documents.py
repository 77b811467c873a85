"""The records of the store: chunks as written, passages as found, articles as listed (an
``Article`` itself is what sources make: ``sources.Article``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sources import http_url

from .copies import public_copies


def indexed_text(title: str, text: str) -> str:
    """What the store embeds and indexes for a chunk (both sides): its article's headline, then
    the chunk (questions name the story, not the paragraph's words). Citations and spans
    still point into the chunk's own text."""
    title = title.strip()
    return f"{title}\n{text}" if title else text


@dataclass(slots=True)
class Chunk:
    """A token-sized, sentence-aligned slice of an article: ``article.text[start:end]``."""

    text: str
    index: int
    start: int
    end: int


@dataclass(slots=True)
class Passage:
    """A stored chunk found for a question, with its article's metadata and a score."""

    id: str
    text: str
    article_id: str
    title: str
    date: str
    source: str
    url: str
    chunk_index: int
    start: int
    end: int
    score: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)
    also_at: list[dict[str, str]] = field(default_factory=list)  # its syndicated copies
    also_at_more: int = 0  # copies beyond those listed

    @classmethod
    def from_rows(
        cls,
        ids: Sequence[str],
        texts: Sequence[str | None] | None,
        metas: Sequence[Mapping[str, Any] | None] | None,
        scores: Sequence[float] | None = None,
    ) -> list[Passage]:
        """Passages from Chroma's parallel lists of a ``get`` or one ``query``."""
        texts = texts or [""] * len(ids)
        metas = metas or [{}] * len(ids)
        scores = scores or [0.0] * len(ids)
        return [
            cls.from_record(cid, text or "", dict(meta or {}), score)
            for cid, text, meta, score in zip(ids, texts, metas, scores, strict=True)
        ]

    @classmethod
    def from_record(cls, id: str, text: str, meta: dict, score: float = 0.0) -> Passage:
        """Build a passage from a Chroma record (id, document, metadata)."""
        return cls(
            id=id,
            text=text,
            article_id=str(meta.get("article_id", "")),
            title=str(meta.get("title", "")),
            date=str(meta.get("date", "")),
            source=str(meta.get("source", "")),
            url=http_url(meta.get("url")),
            chunk_index=int(meta.get("chunk_index", 0)),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            score=score,
            also_at=public_copies(meta),
            also_at_more=int(meta.get("also_at_more") or 0),
        )


@dataclass(slots=True)
class ArticleInfo:
    """What the store knows about one stored article."""

    id: str
    title: str
    date: str
    source: str
    url: str
    path: str
    chunks: int

    @classmethod
    def from_meta(cls, meta: dict, chunks: int = 1) -> ArticleInfo:
        """The article fields of a stored chunk's metadata."""
        title, date, source, url, path = (
            str(meta.get(f, "")) for f in ("title", "date", "source", "url", "path")
        )
        return cls(str(meta["article_id"]), title, date, source, http_url(url), path, chunks)

"""The records that flow through ingest and retrieval: articles, chunks and passages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .copies import public_copies
from .urls import http_url


def digest(*parts: str, length: int = 16) -> str:
    """A short, stable hex digest of the given strings."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


def indexed_text(title: str, text: str) -> str:
    """What the store embeds and keyword-indexes for a chunk: its article's headline, then
    the chunk (questions name the story, not the paragraph's words). Citations and spans
    still point into the chunk's own text."""
    title = title.strip()
    return f"{title}\n{text}" if title else text


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

"""The article formats, one module each, registered in one table by file suffix.

Every loader has one shape: a path in, an iterator of ``Article | LoadError`` out. A new
format is one module and one line in ``FORMATS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..article import Article
from ..errors import LoadError
from .html import html_article, load_html
from .markdown import load_markdown
from .records import iter_json, iter_jsonl
from .text import load_text

Loader = Callable[[Path], Iterator[Article | LoadError]]


def _one(load: Callable[[Path], list[Article]]) -> Loader:
    """A loader of one article per file, in the one shape."""

    def loader(path: Path) -> Iterator[Article | LoadError]:
        yield from load(path)

    return loader


FORMATS: dict[str, Loader] = {
    ".txt": _one(load_text),
    ".md": _one(load_markdown),
    ".markdown": _one(load_markdown),
    ".html": _one(load_html),
    ".htm": _one(load_html),
    ".json": iter_json,
    ".jsonl": iter_jsonl,
}
SUPPORTED_SUFFIXES = tuple(FORMATS)  # what ingest reads and the page accepts


def load_file(path: Path) -> Iterator[Article | LoadError]:
    """Every article in one file; problems are yielded as ``LoadError`` values, never raised."""
    suffix = path.suffix.lower()
    try:
        if suffix in FORMATS:
            yield from FORMATS[suffix](path)
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


__all__ = ["FORMATS", "SUPPORTED_SUFFIXES", "Loader", "html_article", "load_file"]

"""Files and folders given to ingest: which files to read (folders walked, symlink loops
ignored), and which of the given names are web addresses instead."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import LoadError
from .formats import SUPPORTED_SUFFIXES


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

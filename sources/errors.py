"""What a source reports instead of raising, and what it refuses: each message names what
was wrong and what to do."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file (or one record in it) that could not be turned into an article."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class InputError(ValueError):
    """What was given to add can't be added that way; the message says what to give."""


class FeedListError(RuntimeError):
    """The feed list can't be read or changed (a broken file, a read-only store)."""

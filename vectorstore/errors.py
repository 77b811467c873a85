"""The store's errors: each message says what went wrong and what to do."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The vector store cannot be opened or used; the message says what to do."""


class ReadOnlyError(StoreError):
    """A write asked of a store (or an assistant) that only answers questions."""

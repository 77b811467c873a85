"""The models' errors: each message says what went wrong and what to do."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model cannot be loaded (a missing package, a wrong folder, weights that are not
    the ones their manifest names)."""


class ReaderError(ModelError):
    """The reader's weights are missing or not the ones the manifest names."""

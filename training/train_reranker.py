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

import json
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.embeddings import packaged_model_path  # noqa: E402
from models.weights import MANIFEST, WEIGHTS  # noqa: E402
from training import passages, runs  # noqa: E402

OUT = ROOT / "training" / ".work" / "news-reranker"
WORK = ROOT / "training" / ".work" / "reranker"
POOL = 20  # chunks reranked per held-out question


def pairs(pools: list[passages.Pool], rng: random.Random) -> list[tuple[str, str, float]]:
    """(question, passage, label) rows of the pools whose chunks hold a gold answer."""
    rows: list[tuple[str, str, float]] = []
    for pool in pools:
        pos, neg = passages.ranked(pool)
        if not pos or not neg:
            continue
        chosen = neg[: passages.NEGATIVES] + rng.sample(neg, min(2, len(neg)))
        rows += [(pool.question, pool.chunks[i], 1.0) for i in pos[: passages.POSITIVES]]
        rows += [(pool.question, pool.chunks[i], 0.0) for i in dict.fromkeys(chosen)]
    return rows


def main() -> None:
    args = runs.run_parser(__doc__, batch=16, save_steps=50, out=OUT, work=WORK).parse_args()

    from datasets import Dataset
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    runs.seeded(args.seed)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    fit, held = passages.split_pools()
    rows = pairs(fit, rng)
    rng.shuffle(rows)
    print(f"{len(rows)} pairs ({sum(r[2] for r in rows):.0f} positive), {len(held)} held out")
    data = Dataset.from_dict(runs.columns(rows, ("query", "passage", "label")))
    model = CrossEncoder(packaged_model_path(), num_labels=1, max_length=256, device="cpu")
    training = CrossEncoderTrainingArguments(**runs.trainer_options(args))
    trainer = CrossEncoderTrainer(
        model=model, args=training, train_dataset=data, loss=BinaryCrossEntropyLoss(model)
    )
    trainer.train(resume_from_checkpoint=runs.resume(args.work))
    trained = time.perf_counter() - started

    embedder = runs.by_embedder(SentenceTransformer(packaged_model_path(), device="cpu"))
    tops = {pool.qid: embedder(pool)[:POOL] for pool in held if any(pool.gold)}  # once

    def reranked(pool: passages.Pool) -> list[int]:
        top = tops[pool.qid]
        scores = model.predict([(pool.question, pool.chunks[i]) for i in top])
        return [top[i] for i in sorted(range(len(top)), key=lambda i: -float(scores[i]))]

    stock = runs.recall(held, lambda pool: tops[pool.qid])
    tuned = runs.recall(held, reranked)
    print("stock embedder", stock, "reranked", tuned, flush=True)
    out = args.out
    if out.exists():
        shutil.rmtree(out)
    model.model.half()
    model.save_pretrained(str(out))
    (out / "README.md").unlink(missing_ok=True)
    manifest = {
        **runs.provenance(out / WEIGHTS, "train_reranker.py", args.seed),
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

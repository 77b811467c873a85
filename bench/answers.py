"""Answers on RealTime QA (dev): the product's answer function beside the paper's systems.

    .venv/bin/python bench/answers.py [--limit N] [--articles N] [--json PATH]

For each question, ``Assistant.ask`` answers with the question's date as "today". Scored
as the benchmark's evaluator does: contained (a gold answer occurs in the answer as whole
words), SQuAD exact match and token F1 (max over golds), refusal rate, and mean length in
words. The free-text systems of ``anchors.jsonl`` are scored on the same questions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from common import (
    DATA,
    build_index,
    contains,
    exact_match,
    question_date,
    questions,
    read_jsonl,
    table,
    token_f1,
)

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="first N questions only")
    parser.add_argument("--articles", type=int, help="first N corpus articles only")
    parser.add_argument("--json", type=Path, default=Path("bench/results/answers.json"))
    args = parser.parse_args()

    from qa import Assistant, Settings

    built = build_index(args.articles)
    folder = Path(built.store.location)
    bot = Assistant(Settings(store_dir=folder, collection="realtimeqa"))
    qs = questions(args.limit)
    golds = [q["answer_texts"] for q in qs]
    texts, refused, seconds = [], [], []
    for q in qs:
        t = time.perf_counter()
        result = bot.ask(q["question"], remember=False, reference_date=question_date(q))
        seconds.append(time.perf_counter() - t)
        texts.append("" if result.refused else result.text)
        refused.append(result.refused)
    rows, out = [], {}
    ours = score(texts, golds, refused)
    out["article-qa offline"] = ours
    rows.append(["article-qa offline (this run)", *ours.values()])
    anchors: dict[str, dict[str, str]] = {}
    for row in read_jsonl(DATA / "anchors.jsonl"):
        anchors.setdefault(row["system"], {})[row["question_id"]] = str(row["prediction"])
    for system in ANCHORS:
        preds = [anchors.get(system, {}).get(q["question_id"], "") for q in qs]
        result = score(preds, golds, [not p.strip() for p in preds])
        out[system] = result
        rows.append([system, *result.values()])
    print(f"{len(qs)} questions; median answer time {statistics.median(seconds):.2f} s")
    print(table(rows, ["system", "contained", "EM", "F1", "refused", "mean words"]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"questions": len(qs), "systems": out}, indent=2))


if __name__ == "__main__":
    main()

"""Fit the offline answerer's ranker on RealTime QA (dev), and check it on held-out halves.

    .venv/bin/python bench/tune_offline.py [--limit N] [--write]

Retrieval and the candidates' features are computed once per question by the product's own
code (``OfflineAnswerer.score``). A logistic regression (scikit-learn) learns, over every
candidate of every question, whether the candidate holds a gold answer; the selection
settings (word budget, keep ratio, cost per word) are then chosen by how often the
answers contain a gold answer at no more than 60 words on average. Two-fold
cross-validation (fitted and chosen on the even questions, judged on the odd ones, and the
other way round) shows how much of the result is fit to these particular questions.
Only global weights are learned, never anything per question. ``--write`` saves the model
fitted on all questions to ``qa/ranker.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT, build_index, contains, question_date, questions, table

MAX_MEAN_WORDS = 60
MARKERS = 1
GRID = {
    "keep": [0.2, 0.3, 0.4],
    "max_words": [60, 70, 80, 90],
    "per_word": [0.0, 0.005, 0.01, 0.02, 0.03],
}


def collect(limit: int | None) -> tuple[Any, list[tuple[dict, list, Any]]]:
    from qa import Assistant, Settings

    built = build_index(None)
    bot = Assistant(Settings(store_dir=built.store.location, collection="realtimeqa"))
    data = []
    for q in questions(limit):
        passages = bot.passages(q["question"], reference_date=question_date(q))
        cands, vectors = bot.offline.score(q["question"], passages) if passages else ([], None)
        data.append((q, cands, vectors))
    return bot, data


def fit(data: list, rows: list[int], features: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    from sklearn.linear_model import LogisticRegression

    x = [[c.parts[f] for f in features] for i in rows for c in data[i][1]]
    y = [contains(c.text, data[i][0]["answer_texts"]) for i in rows for c in data[i][1]]
    model = LogisticRegression(C=1.0, max_iter=5000).fit(np.array(x), np.array(y))
    weights = dict(zip(features, (round(float(w), 4) for w in model.coef_[0]), strict=True))
    return round(float(model.intercept_[0]), 4), weights


def judge(bot: Any, data: list, rows: list[int], ranker: Any) -> tuple[float, float, float]:
    """Contained, mean words and refusal rate of the answers ``ranker`` would give."""
    from qa.offline import OfflineAnswerer, _as_sentence

    answerer = OfflineAnswerer(
        bot.embeddings, bot.settings.max_sentences, bot.settings.min_support, ranker
    )
    hits, words, refused = 0, [], 0
    for i in rows:
        q, cands, vectors = data[i]
        for c in cands:
            c.score = ranker.probability(c.parts)
        chosen = answerer.select(cands, vectors) if cands else []
        text = " ".join(_as_sentence(cands[j].text) for j in chosen)
        hits += contains(text, q["answer_texts"])
        words.append(
            len(text.split()) + MARKERS * len(chosen)
        )  # as shown: each quote ends in "[n]"
        refused += not chosen
    return hits / len(rows), statistics.mean(words), refused / len(rows)


def tune(bot: Any, data: list, rows: list[int]) -> tuple[Any, tuple[float, float, float]]:
    """The ranker fitted on ``rows`` with the selection settings that do best on them."""
    from qa.offline import FEATURES, Ranker

    bias, weights = fit(data, rows, FEATURES)
    best: tuple[tuple[float, float, float], Any] | None = None
    for keep, max_words, per_word in itertools.product(*GRID.values()):
        ranker = Ranker(bias, weights, keep, max_words, per_word)
        result = judge(bot, data, rows, ranker)
        if result[1] <= MAX_MEAN_WORDS and (best is None or result[0] > best[0][0]):
            best = (result, ranker)
    assert best is not None, "no setting keeps answers within the word budget"
    return best[1], best[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--write", action="store_true", help="save the model to qa/ranker.json")
    args = parser.parse_args()

    from qa.offline import Ranker

    bot, data = collect(args.limit)
    everything = list(range(len(data)))
    rows = []
    shipped = Ranker.load()
    rows.append(["shipped qa/ranker.json, all questions", *judge(bot, data, everything, shipped)])
    held_out = []
    for fold in (0, 1):
        train = [i for i in everything if i % 2 != fold]
        test = [i for i in everything if i % 2 == fold]
        ranker, _ = tune(bot, data, train)
        result = judge(bot, data, test, ranker)
        held_out.append(result)
        rows.append([f"fitted on half {1 - fold}, judged on half {fold}", *result])
    cv = tuple(statistics.mean(r[k] for r in held_out) for k in range(3))
    rows.append(["two-fold cross-validation (mean)", *cv])
    ranker, result = tune(bot, data, everything)
    rows.append(["fitted and judged on all questions", *result])
    print(f"{len(data)} questions")
    print(table(rows, ["ranker", "contained", "mean words", "refused"]))
    print("selection:", {k: getattr(ranker, k) for k in ("keep", "max_words", "per_word")})
    print("weights:", ranker.weights, "bias:", ranker.bias)
    if args.write:
        path = ROOT / "qa" / "ranker.json"
        doc = {
            "about": "offline answerer ranker: logistic regression over qa.offline.FEATURES, "
            "fitted by bench/tune_offline.py on RealTime QA (dev)",
            "questions": len(data),
            "cross_validated": {"contained": cv[0], "mean_words": cv[1], "refused": cv[2]},
            **{k: getattr(ranker, k) for k in ("bias", "weights", "keep", "max_words")},
            "per_word": ranker.per_word,
        }
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print("wrote", Path(path).relative_to(ROOT))


if __name__ == "__main__":
    main()

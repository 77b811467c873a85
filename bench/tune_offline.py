"""Sweep the offline answerer's global weights on RealTime QA (dev): contained vs. length.

    .venv/bin/python bench/tune_offline.py [--limit N]

Retrieval and candidate scoring run once per question; the sweep then recombines the
score parts (semantic, relation, coverage, cue) and the selection limits in pure Python.
Only global parameters are swept, never anything per question.
"""

from __future__ import annotations

import argparse
import itertools
import statistics

from common import build_index, contains, question_date, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()

    from qa import Assistant, Settings
    from qa.offline import _as_sentence, _overlaps

    built = build_index(None)
    bot = Assistant(Settings(store_dir=built.store.location, collection="realtimeqa"))
    data = []
    for q in questions(args.limit):
        passages = bot.passages(q["question"], reference_date=question_date(q))
        cands, vectors = bot.offline.score(q["question"], passages) if passages else ([], None)
        data.append((q, cands, vectors))

    def run(
        cov: float,
        cons: float,
        name: float,
        rel: float,
        keep: float,
        n_max: int,
        words: int,
        floor: float,
        pre: int = 0,
    ) -> tuple[float, float, float]:
        cue = 0.1
        hits, lengths, refused = 0, [], 0
        for q, cands, vectors in data:
            if not cands:
                refused += 1
                lengths.append(0)
                continue
            scores = [
                c.parts["semantic"]
                + rel * c.parts["relation"]
                + cov * c.parts["coverage"]
                + cue * c.parts["cue"]
                + cons * c.parts["consensus"]
                + name * c.parts["new_name"]
                - (1.0 if c.parts["new_terms"] < 5 else 0.0)
                for c in cands
            ]
            order = sorted(range(len(cands)), key=lambda i: scores[i], reverse=True)
            if pre:  # only the best `pre` candidates by words alone are embedded and ranked
                lexical = sorted(
                    range(len(cands)),
                    key=lambda i: (
                        cov * cands[i].parts["coverage"] + cons * cands[i].parts["consensus"]
                    ),
                    reverse=True,
                )[:pre]
                allowed = set(lexical)
                order = [i for i in order if i in allowed]
            best = scores[order[0]]
            if best < floor:
                refused += 1
                lengths.append(0)
                continue
            chosen, n = [], 0
            for i in order:
                if len(chosen) >= n_max or scores[i] < best * keep:
                    break
                size = len(cands[i].text.split())
                if chosen and n + size > words:
                    continue
                if any(_overlaps(cands[i], cands[j]) for j in chosen):
                    continue
                if any(float(vectors[i] @ vectors[j]) >= 0.75 for j in chosen):
                    continue
                chosen.append(i)
                n += size
            text = " ".join(_as_sentence(cands[i].text) for i in chosen)
            hits += contains(text, q["answer_texts"])
            lengths.append(len(text.split()))
        n = len(data)
        return hits / n, statistics.mean(lengths), refused / n

    print("cov consensus name rel keep max words floor pre | contained words refused")
    grid = itertools.product(
        [0.6], [0.2], [0.1], [0.5], [0.7, 0.6], [3, 4], [60, 70], [0.68], [0, 15, 25, 40]
    )
    results = [(run(*p), p) for p in grid]
    for (contained, words, refused), p in sorted(results, reverse=True)[:15]:
        print(*p, "|", f"{contained:.3f} {words:.1f} {refused:.3f}")
    print("-- at most 60 words on average")
    short = [r for r in results if r[0][1] <= 60]
    for (contained, words, refused), p in sorted(short, reverse=True)[:10]:
        print(*p, "|", f"{contained:.3f} {words:.1f} {refused:.3f}")


if __name__ == "__main__":
    main()

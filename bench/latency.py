"""Ingest time of the bundled sample and answer latency (median of N asks), as a table.

    .venv/bin/python bench/latency.py [--asks 20] [--json bench/results/latency.json]

The baseline row is the raw cost of one query embedding in the same process, so the
figures can be read as ratios on any machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import vectorstore  # noqa: F401 (first: importing the library sets the offline environment)

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    "What does Kim want from Russia?",
    "What is Putin seeking from North Korea?",
    "How is Kim traveling to Russia?",
    "What did the White House warn?",
    "Who is Andrei Lankov?",
]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--asks", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from qa import Assistant, Settings
    from vectorstore import ArticleStore, ingest, load_embeddings

    t0 = time.perf_counter()
    embeddings = load_embeddings()
    embeddings.embed_query("warm up")
    load_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        store = ArticleStore(embeddings, path=Path(tmp) / "store")
        report = ingest([ROOT / "data/articles"], store)
        again = ingest([ROOT / "data/articles"], store)

        embed = []
        for i in range(args.asks):
            t = time.perf_counter()
            embeddings.embed_documents([QUESTIONS[i % len(QUESTIONS)]])  # the model, no cache
            embed.append(time.perf_counter() - t)

        timed, reader_loads = {}, []
        for name, reader_on in (("offline answer (quote bundles)", False), ("reader answer", True)):
            bot = Assistant(Settings(store_dir=Path(tmp) / "store", offline_reader=reader_on))
            t = time.perf_counter()
            bot.reader.read("warm up", ["the reader model"])
            reader_loads.append(time.perf_counter() - t)  # the first one loads it
            bot.ask(QUESTIONS[0], remember=False)  # warm: model, store, keyword index
            cold, warm = [], []
            for i in range(args.asks):
                embeddings._cache.clear()  # every sentence embedded afresh
                bot.reader._cache.clear()  # ... and read afresh
                t = time.perf_counter()
                bot.ask(QUESTIONS[i % len(QUESTIONS)], remember=False)
                cold.append(time.perf_counter() - t)
            for i in range(args.asks):
                t = time.perf_counter()
                bot.ask(QUESTIONS[i % len(QUESTIONS)], remember=False)
                warm.append(time.perf_counter() - t)
            timed[name] = (cold, warm)

    base = statistics.median(embed)
    rows = [
        ("model load (once per process)", load_s, load_s / base),
        ("reader load (once per process)", reader_loads[0], reader_loads[0] / base),
        (f"ingest sample ({report.chunks_written} chunks)", report.seconds, report.seconds / base),
        ("re-ingest sample (unchanged)", again.seconds, again.seconds / base),
        ("query embedding, median (baseline)", base, 1.0),
    ]
    for name, (cold, warm) in timed.items():
        rows += [
            (
                f"{name}, median of {args.asks}",
                statistics.median(cold),
                statistics.median(cold) / base,
            ),
            (f"{name}, p95 of {args.asks}", p95(cold), p95(cold) / base),
            ("... again, cached, median", statistics.median(warm), statistics.median(warm) / base),
        ]
    print(f"{'measure':46} {'seconds':>10} {'x baseline':>11}")
    for name, secs, ratio in rows:
        print(f"{name:46} {secs:10.3f} {ratio:11.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps([{"measure": n, "seconds": s, "ratio": r} for n, s, r in rows], indent=2)
        )


if __name__ == "__main__":
    main()

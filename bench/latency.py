"""Latency on two cores: the int8 ONNX backend beside fp32 torch, in one run.

    .venv/bin/python bench/latency.py [--asks 20] [--cold 3] [--filtered 200]

- **Answers** on the bundled sample, per backend: model load, ingest, one query
  embedding, offline answers (quote bundles, reader) with nothing cached (median, p95),
  and again cached. The torch column is the baseline: the last column is onnx / torch.
- **Cold start**: `article-qa ask` on the sample as a new process, wall time and peak
  memory (the whole process: imports, model, store, answer), ``--cold`` runs each.
- **Filtered search** on the benchmark corpus (the RealTime QA dev index, 39k chunks):
  the dense side's date-filtered search through Chroma's ``where`` (before) and from the
  chunk index's days (now), and the whole hybrid retrieval with and without a date
  filter, p50 and p95 over ``--filtered`` dev questions (a filter of the week before the
  question's date).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import build_index, question_date, questions, table

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("onnx", "torch")
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


def answers(backend: str, asks: int, tmp: Path) -> dict[str, float]:
    """The sample's timings on one backend, in seconds."""
    from models import load_embeddings
    from qa import Assistant, Settings
    from vectorstore import ArticleStore, ingest

    t0 = time.perf_counter()
    embeddings = load_embeddings(backend=backend)  # type: ignore[arg-type]
    embeddings.embed_query("warm up")
    out = {"model load (once per process)": time.perf_counter() - t0}
    ingest([ROOT / "data/articles"], ArticleStore(embeddings, path=tmp / f"warm-{backend}"))
    store = ArticleStore(embeddings, path=tmp / backend)
    report = ingest([ROOT / "data/articles"], store)
    out[f"ingest sample ({report.chunks_written} chunks)"] = report.seconds
    embed = []
    for i in range(asks):
        t = time.perf_counter()
        embeddings.embed_documents([QUESTIONS[i % len(QUESTIONS)]])  # the model, no cache
        embed.append(time.perf_counter() - t)
    out["query embedding, median"] = statistics.median(embed)
    for name, reader_on in (("quote answer", False), ("reader answer", True)):
        bot = Assistant(
            Settings(store_dir=tmp / backend, offline_reader=reader_on, backend=backend)
        )
        if reader_on:
            t = time.perf_counter()
            bot.reader.read("warm up", ["the reader model"])
            out["reader load (once per process)"] = time.perf_counter() - t
        bot.ask(QUESTIONS[0], remember=False)  # warm: store, keyword index
        cold, warm = [], []
        for i in range(asks):
            embeddings._cache.clear()  # every sentence embedded afresh
            bot.reader._cache.clear()  # ... and read afresh
            t = time.perf_counter()
            bot.ask(QUESTIONS[i % len(QUESTIONS)], remember=False)
            cold.append(time.perf_counter() - t)
        for i in range(asks):
            t = time.perf_counter()
            bot.ask(QUESTIONS[i % len(QUESTIONS)], remember=False)
            warm.append(time.perf_counter() - t)
        out[f"{name}, median (nothing cached)"] = statistics.median(cold)
        out[f"{name}, p95"] = p95(cold)
        out[f"{name} again, cached, median"] = statistics.median(warm)
    return out


# Started from a small process: a child forked from this one would be charged this one's
# memory until it execs, and its peak would read as this process's size.
_TIMED = """
import os, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def cold_start(backend: str, runs: int, tmp: Path) -> tuple[float, float]:
    """Median wall seconds and peak MB of `article-qa ask` as a new process, on the
    sample store (ingested beforehand with the same backend)."""
    store = tmp / f"cold-{backend}"
    env = {**os.environ, "ARTICLE_QA_BACKEND": backend}
    subprocess.run(  # in another process: this one loads no model before it measures one
        [sys.executable, "-m", "cli", "ingest", "-q", "--store", str(store), "data/articles"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    command = [sys.executable, "-m", "cli", "ask", QUESTIONS[0], "--store", str(store)]
    walls, peaks = [], []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _TIMED, *command],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall, peak = map(float, done.stdout.split())
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def filtered(n: int) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of filtered and unfiltered search on the dev index (onnx)."""
    import numpy as np

    from qa import Filters
    from qa.retrieval import Retriever, Search
    from vectorstore import where_clause

    store = build_index(backend="onnx").store
    retriever = Retriever(store)
    index = retriever.index
    index.sync()
    qs = questions(n)
    runs: dict[str, list[float]] = {k: [] for k in ("where", "index", "full", "unfiltered")}
    for q in qs:
        day = question_date(q)
        since = day - timedelta(days=6)
        vector = np.asarray(store.embeddings.embed_query(q["question"]), dtype=np.float32)
        t = time.perf_counter()
        store.nearest(vector, 40, where=where_clause(since, day))
        runs["where"].append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever._dense(vector, 40, index.scope(since, day), 0)  # the product's filtered path
        runs["index"].append(time.perf_counter() - t)
        f = Filters(date_from=since, date_to=day, reference_date=day)
        t = time.perf_counter()
        retriever.search(Search(q["question"], 6, filters=f))
        runs["full"].append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.search(Search(q["question"], 6, filters=Filters(reference_date=day)))
        runs["unfiltered"].append(time.perf_counter() - t)
    return {k: (1000 * statistics.median(v), 1000 * p95(v)) for k, v in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--asks", type=int, default=20)
    parser.add_argument("--cold", type=int, default=3, help="cold `article-qa ask` runs")
    parser.add_argument("--filtered", type=int, default=200, help="dev questions (0: skip)")
    parser.add_argument("--json", type=Path, default=Path("bench/results/latency.json"))
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aq-latency-"))
    cold = {b: cold_start(b, args.cold, tmp) for b in BACKENDS}  # first: a quiet process
    timed = {b: answers(b, args.asks, tmp) for b in BACKENDS}
    rows = [[name, timed["onnx"][name], timed["torch"][name], timed["onnx"][name] / secs]
            for name, secs in timed["torch"].items()]  # fmt: skip
    rows.append(["cold `article-qa ask`, whole process (wall)", cold["onnx"][0],
                 cold["torch"][0], cold["onnx"][0] / cold["torch"][0]])  # fmt: skip
    print(table(rows, ["measure", "onnx s", "torch s (baseline)", "onnx / torch"]))
    print()
    print(
        f"cold `article-qa ask` peak memory: onnx {cold['onnx'][1]:.0f} MB, "
        f"torch {cold['torch'][1]:.0f} MB (median wall of {args.cold} runs above)"
    )
    out: dict[str, object] = {"answers": timed, "cold": cold}
    if args.filtered:
        ms = filtered(args.filtered)
        names = {
            "where": "dense side, one week, Chroma `where` (before)",
            "index": "dense side, one week, from the chunk index's vectors (now)",
            "full": "whole hybrid retrieval, one week",
            "unfiltered": "whole hybrid retrieval, unfiltered",
        }
        print()
        print(table([[names[k], *v] for k, v in ms.items()], ["search", "p50 ms", "p95 ms"]))
        out["filtered_ms"] = ms
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

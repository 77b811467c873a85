"""Where a serving process's memory goes, step by step, per backend.

    .venv/bin/python bench/memory.py [--questions 200] [--backends onnx,torch]

For each backend a fresh process builds what `article-qa serve` builds over the benchmark
corpus (the RealTime QA dev index in bench/.cache), one part at a time, and reports its
resident memory (VmRSS) after each: the page's libraries (Gradio), the store (Chroma and
its vector index), the keyword index (BM25), the embedding model, the reader, then
answers to dev questions with the quote answerer and the reader (their caches grow), and
the peak (VmHWM). Each step's cost is the growth it causes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from common import DATA, build_index, read_jsonl, table


def _rss(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(backend: str, n_questions: int) -> list[tuple[str, float]]:
    """Run in a fresh process: the steps and the RSS after each."""
    steps = [("python, numpy, the library", _rss())]
    import gradio  # noqa: F401

    import web  # noqa: F401
    from qa import Assistant, Settings

    steps.append(("+ Gradio and the page's code", _rss()))
    folder = build_index(backend=backend).store.folder
    bot = Assistant(Settings(store_dir=folder, collection="realtimeqa", backend=backend))
    bot.store.count()
    steps.append(("+ the store (Chroma, 39k chunks)", _rss()))
    bot.retriever.index.sync()
    steps.append(("+ the keyword index (BM25)", _rss()))
    bot.embeddings.embed_query("warm up")
    steps.append(("+ the embedding model", _rss()))
    bot.reader.read("warm up?", ["A sentence."])
    steps.append(("+ the reader", _rss()))
    questions = [q["question"] for q in read_jsonl(DATA / "questions.jsonl")][:n_questions]
    for q in questions:
        bot.ask(q, remember=False)
    steps.append((f"+ {len(questions)} quote answers (caches filled)", _rss()))
    reader = bot.with_llm(None)
    reader.settings.offline_reader = True
    for q in questions:
        reader.ask(q, remember=False)
    steps.append((f"+ {len(questions)} reader answers", _rss()))
    steps.append(("peak (VmHWM)", _rss("VmHWM")))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--backends", default="onnx,torch")
    parser.add_argument("--json", type=Path, default=Path("bench/results/memory.json"))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process's backend
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.questions)))
        return
    results = {}
    for backend in args.backends.split(","):
        build_index(backend=backend)  # built (or found) before the child measures
        done = subprocess.run(
            [sys.executable, __file__, "--one", backend, "--questions", str(args.questions)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    names = [name for name, _ in next(iter(results.values()))]
    rows = []
    for i, name in enumerate(names):
        row: list[object] = [name]
        for steps in results.values():
            grew = steps[i][1] - steps[i - 1][1] if 0 < i < len(steps) - 1 else None
            row.append(f"{steps[i][1]:.0f}" + (f" ({grew:+.0f})" if grew is not None else ""))
        rows.append(row)
    print(table(rows, ["step", *(f"{b} MB" for b in results)]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

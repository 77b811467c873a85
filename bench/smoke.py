"""Every bench script on a tiny input, so a bench that breaks fails CI (``make bench-smoke``).

    .venv/bin/python bench/smoke.py [--only retrieval,answers]

Each script runs as its own process with its smallest options, indexes capped at a few
articles (``ARTICLE_QA_BENCH_ARTICLES``) in a throw-away cache (``ARTICLE_QA_BENCH_CACHE``)
and its JSON written to a temporary folder: the real caches and results are untouched.
The figures of a smoke run mean nothing; that every script runs to its table does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 12  # per index
RUNS: dict[str, list[str]] = {  # script → its smallest options
    "retrieval": ["--limit", "4", "--backends", "onnx"],
    "losses": ["--limit", "4"],
    "answers": ["--limit", "3", "--systems", "2"],
    "backends": ["--chunks", "40", "--articles", "4"],
    "latency": ["--asks", "2", "--cold", "1", "--filtered", "3"],
    "memory": ["--questions", "3", "--backends", "onnx"],
    "load": ["--clients", "2", "--seconds", "4", "--max-asks", "6"],
    "feeds": ["--items", "4", "--stories", "12"],
    "scale": [
        "--sizes",
        "1500",
        "--questions",
        "3",
        "--sync-articles",
        "10",
        "--server",
        "--server-from-local",
    ],
    "tune_retrieval": ["--limit", "3"],
    "tune_offline": ["--limit", "6"],
    "keyword_engines": ["--limit", "3"],
    "stories": ["--limit", "5"],
    "story_cost": ["--articles", "4"],
}
TIMEOUT_S = 240


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated scripts (default: all)")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(RUNS)
    work = Path(tempfile.mkdtemp(prefix="aq-bench-smoke-"))
    env = {
        **os.environ,
        "ARTICLE_QA_BENCH_CACHE": str(work / "cache"),
        "ARTICLE_QA_BENCH_ARTICLES": str(ARTICLES),
    }
    passed, failed = 0, 0
    for name in chosen:
        command = [sys.executable, f"bench/{name}.py", *RUNS[name]]
        if "--json" in _options(name):
            command += ["--json", str(work / f"{name}.json")]
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
            )
            ok, tail = done.returncode == 0, (done.stdout + done.stderr)[-1500:]
        except subprocess.TimeoutExpired:
            ok, tail = False, f"no end after {TIMEOUT_S} s"
        seconds = time.perf_counter() - started
        print(f"{'ok  ' if ok else 'FAIL'} {name:15} {seconds:6.1f} s", flush=True)
        if not ok:
            print("     " + tail.replace("\n", "\n     "), flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"bench-smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


def _options(name: str) -> str:
    return (ROOT / "bench" / f"{name}.py").read_text(encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

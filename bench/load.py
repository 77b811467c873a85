"""Load: N concurrent clients ask the page's API for a bounded time; latency and memory.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--think 0] [--corpus]
                                   [--store DIR] [--ingest N] [--backends onnx,torch]

Starts `article-qa serve` on 127.0.0.1 (its own process), then N client threads, each
with its own gradio_client session, ask questions from the RealTime QA dev set (or the
sample questions) one after another, pausing ``--think`` seconds between answers, until
``--seconds`` have passed or ``--max-asks`` questions were asked. With ``--think`` the
sessions also start spread over one think time, as people arrive; without it all start
at once and ask back to back (the worst case). Reports answered /
failed / p50 / p95 / max latency and the server's peak memory, and, as the baseline, the
latency of one answer with no other client. ``--ingest N``: while the clients ask, another
process (`article-qa ingest`) writes N new articles into the same store, as a feed sync
beside a running page would; its time is reported, and every failed question counts.
``--corpus``: the RealTime QA dev index (bench/.cache, per backend). ``--backends``: one
server per backend (ARTICLE_QA_BACKEND), one after the other in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import DATA, ROOT, build_index, read_jsonl, table

from models import OFFLINE_ENVIRONMENT

SAMPLE_QUESTIONS = [
    "What does Kim want from Russia?",
    "What is Putin seeking from North Korea?",
    "How is Kim traveling to Russia?",
    "What did the White House warn?",
    "Who is Andrei Lankov?",
    "What did Kim eat for breakfast?",
]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ingest_beside(store: str, n: int, tmp: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start `article-qa ingest` of ``n`` new small articles into ``store``."""
    folder = tmp / "incoming"
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"council-{i:04d}.txt").write_text(
            f"date 2024-03-{1 + i % 28:02d} Council vote {i}\n\n"
            f"The council of town {i} voted {i + 3} to {i % 5} to fund bridge B{i}. "
            f"Mayor Lee{i} said the plan would cost {i + 1} million euros.\n",
            encoding="utf-8",
        )
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", "-q", "--store", store, str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-asks", type=int, default=2000)
    parser.add_argument("--think", type=float, default=0.0, help="pause between asks (s)")
    parser.add_argument("--store", help="store folder (default: the sample article)")
    parser.add_argument("--collection", default="articles")
    parser.add_argument("--json", type=Path, default=Path("bench/results/load.json"))
    parser.add_argument(
        "--ingest", type=int, default=0, help="articles a concurrent CLI ingest writes meanwhile"
    )
    parser.add_argument("--corpus", action="store_true", help="the dev index (bench/.cache)")
    parser.add_argument("--backends", default="onnx", help="comma-separated: onnx, torch")
    args = parser.parse_args()

    rows, results = [], {}
    for backend in args.backends.split(","):
        result, failures = run(args, backend)
        results[backend] = result
        rows.append(result)
        if failures:
            print(f"first failures [{backend}]:", *failures[:5], sep="\n  ")
    keys = list(rows[0])
    print(table([[k, *(r[k] for r in rows)] for k in keys], ["measure", *results]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


def run(args: argparse.Namespace, backend: str) -> tuple[dict[str, Any], list[str]]:
    """One server on ``backend`` under the load ``args`` describe."""
    from gradio_client import Client

    env = {**os.environ, **OFFLINE_ENVIRONMENT, "ARTICLE_QA_BACKEND": backend}
    tmp = Path(tempfile.mkdtemp(prefix="aq-load-"))
    if args.store or args.corpus:
        store = args.store or str(build_index(backend=backend).store.folder)
        questions = [q["question"] for q in read_jsonl(DATA / "questions.jsonl")]
        args.collection = "realtimeqa" if args.corpus else args.collection
    else:
        store = str(tmp / "store")
        subprocess.run(
            [sys.executable, "-m", "cli", "ingest", "-q", "--store", store, "data/articles"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        questions = SAMPLE_QUESTIONS
    port = _free_port()
    env |= {"ARTICLE_QA_COLLECTION": args.collection, "ARTICLE_QA_SEED_DIR": ""}
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--store", store, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "serving on" in line:
                break
        threading.Thread(target=server.stdout.read, daemon=True).start()  # keep draining
        url = f"http://127.0.0.1:{port}/"
        warm = Client(url, verbose=False)
        warm.predict(questions[0], 6, api_name="/ask")  # model and index loaded
        solo = []
        for q in questions[:5]:
            t = time.perf_counter()
            warm.predict(q, 6, api_name="/ask")
            solo.append(time.perf_counter() - t)
        baseline = statistics.median(solo)

        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        asked = 0
        deadline = time.monotonic() + args.seconds
        start = threading.Barrier(args.clients + 1)

        def client(seed: int) -> None:
            nonlocal asked
            rng = random.Random(seed)
            try:
                c = Client(url, verbose=False)
            except Exception as exc:  # counted, never raised: the run must finish
                with lock:
                    failures.append(f"connect: {exc}")
                start.wait()
                return
            start.wait()
            if args.think:  # sessions arrive spread over one think time, not all at once
                time.sleep(rng.uniform(0, args.think))
            while time.monotonic() < deadline:
                with lock:
                    if asked >= args.max_asks:
                        return
                    asked += 1
                t = time.perf_counter()
                try:
                    result = c.predict(rng.choice(questions), 6, api_name="/ask")
                    assert isinstance(result, dict) and "text" in result
                    with lock:
                        latencies.append(time.perf_counter() - t)
                except Exception as exc:
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])
                if args.think:
                    time.sleep(rng.uniform(0.5, 1.5) * args.think)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        start.wait()
        began = time.perf_counter()
        ingester = _ingest_beside(store, args.ingest, tmp, env) if args.ingest else None
        ingest_s = float("nan")
        if ingester is not None:

            def timed(proc: subprocess.Popen) -> None:
                nonlocal ingest_s
                proc.wait()
                ingest_s = time.perf_counter() - began

            threading.Thread(target=timed, args=(ingester,), daemon=True).start()
        for t in threads:
            t.join(args.seconds + 600)
        elapsed = time.perf_counter() - began
        if ingester is not None:
            rc = ingester.wait(600)
            if rc != 0:
                failures.append(f"the concurrent ingest exited {rc}")
        peak = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)

    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1)))] if lat else float("nan")  # noqa: E731
    result: dict[str, Any] = {
        "backend": backend,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "think_s": args.think,
        "answered": len(latencies),
        "failed": len(failures),
        "answers_per_s": len(latencies) / elapsed,
        "p50_s": p(0.5),
        "p95_s": p(0.95),
        "max_s": lat[-1] if lat else float("nan"),
        "solo_answer_s (baseline)": baseline,
        "p95 x baseline": p(0.95) / baseline,
        "server_peak_rss_mb": peak,
        "store": "benchmark corpus" if args.store or args.corpus else "sample article",
    }
    if ingester is not None:
        result["concurrent ingest"] = f"{args.ingest} articles, exit {rc}, {ingest_s:.1f} s"
    return result, failures


if __name__ == "__main__":
    main()

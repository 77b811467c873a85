"""Scale: retrieval latency and memory over a generated store of 200,000 chunks.

    .venv/bin/python bench/scale.py [--chunks 200000] [--server] [--keep DIR]

The articles are **generated** (made-up words in news-like sentences, dated over two years,
twenty sources; nothing third-party) and go through the product's own ingest into a local
folder (and, with ``--server``, into a `chroma run` server too). Embedding 200,000 chunks
with the real model would take about an hour on two cores, and retrieval's cost does not
depend on which model made the vectors, so this bench embeds with a stand-in (a fake, said
here): each word a fixed pseudo-random 384-dimensional unit vector, a text the normalised
sum of its words' vectors — the same width and the same unit-length vectors as MiniLM.

Reported per store: ingest rate, the question's retrieval p50/p95 (the product's hybrid
search with diversity), the same with a one-week date filter and with a source filter,
the process's resident memory after loading and after the questions, and the keyword
index's size. Questions are generated sentences' words in another order.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from common import table
from langchain_core.embeddings import Embeddings

DIM = 384
SOURCES = [f"Source {chr(65 + i)}" for i in range(20)]
CHUNKS_PER_ARTICLE = 12  # 40 sentences of made-up words: the chunker makes about twelve


class WordVectors(Embeddings):
    """A stand-in embedder for scale: a text is the normalised sum of fixed random word
    vectors (see the module's docstring)."""

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self._cache: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        v = self._cache.get(word)
        if v is None:
            rng = np.random.default_rng([self.seed, zlib.crc32(word.encode())])
            v = rng.standard_normal(DIM).astype(np.float32)
            self._cache[word] = v
        return v

    def _one(self, text: str) -> list[float]:
        total = np.zeros(DIM, dtype=np.float32)
        for w in text.lower().split():
            total += self._word(w.strip(".,"))
        return (total / (np.linalg.norm(total) or 1.0)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._one(text)


def generate(folder: Path, n_chunks: int, seed: int = 1) -> Path:
    """News-like articles of made-up words as JSON lines, about ``n_chunks`` chunks, in
    files of 2,000 articles (a JSONL file may hold 64 MB)."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mer", "tan", "vi", "sol", "dra", "pen", "qui", "ros", "el", "bu"]
    words = list({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(20000)})
    common = ["the", "of", "and", "said", "in", "on", "a", "to", "for", "after", "with"]
    start = date(2023, 1, 1)
    folder.mkdir(parents=True, exist_ok=True)
    n_articles = n_chunks // CHUNKS_PER_ARTICLE
    for part in range(0, n_articles, 2000):
        _write(folder / f"articles-{part // 2000:03d}.jsonl", part, min(n_articles, part + 2000),
               rng, words, common, start)  # fmt: skip
    return folder


def _write(out: Path, first: int, end: int, rng: random.Random, words: list[str],
           common: list[str], start: date) -> None:  # fmt: skip
    with out.open("w", encoding="utf-8") as fh:
        for i in range(first, end):
            topic = rng.sample(words, 12)
            sentences = []
            for _ in range(40):
                chosen = rng.sample(topic, 4) + rng.sample(words, 5) + rng.sample(common, 4)
                rng.shuffle(chosen)
                sentences.append(" ".join(chosen).capitalize() + ".")
            record = {
                "title": " ".join(topic[:6]).title(),
                "date": (start + timedelta(days=rng.randrange(730))).isoformat(),
                "source": rng.choice(SOURCES),
                "url": f"https://news{i % 20}.example/{i}",
                "text": "\n\n".join(" ".join(sentences[j : j + 5]) for j in range(0, 40, 5)),
            }
            fh.write(json.dumps(record) + "\n")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def measure(store: Any, corpus: Path, n_questions: int) -> dict[str, Any]:
    from qa import Filters
    from qa.retrieval import Retriever, Search

    retriever = Retriever(store)
    t = time.perf_counter()
    retriever.index.sync()
    keyword_s = time.perf_counter() - t
    loaded_mb = rss_mb()
    rng = random.Random(3)
    lines = (corpus / "articles-000.jsonl").read_text(encoding="utf-8").splitlines()
    questions = []
    for line in rng.sample(lines, n_questions):
        words = json.loads(line)["text"].split()[:40]
        rng.shuffle(words)
        questions.append(" ".join(words[:9]) + "?")
    runs = {
        "unfiltered": lambda d: Filters(),
        "one week": lambda d: Filters(date_from=d, date_to=d + timedelta(days=6)),
        "one source": lambda d: Filters(sources=(SOURCES[3],)),
    }
    out: dict[str, Any] = {"keyword index load/build s": keyword_s, "RSS loaded MB": loaded_mb}
    for name, make in runs.items():
        seconds = []
        for i, q in enumerate(questions):
            f = make(date(2023, 1, 1) + timedelta(days=(i * 37) % 720))
            started = time.perf_counter()
            retriever.search(Search(q, 6, filters=f, news=False))
            seconds.append(time.perf_counter() - started)
        out[f"{name} p50 ms"] = 1000 * statistics.median(seconds)
        out[f"{name} p95 ms"] = 1000 * pct(seconds, 0.95)
    out["RSS after questions MB"] = rss_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=200_000)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--server", action="store_true", help="a Chroma server too")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the stores here")
    parser.add_argument("--json", type=Path, default=Path("bench/results/scale.json"))
    args = parser.parse_args()

    from vectorstore import ArticleStore, ingest

    base = args.keep or Path(tempfile.mkdtemp(prefix="aq-scale-"))
    corpus = base / "corpus"
    if not (corpus / "articles-000.jsonl").exists():
        generate(corpus, args.chunks)
    embeddings = WordVectors()
    results: dict[str, dict[str, Any]] = {}
    places: list[tuple[str, dict[str, Any]]] = [("local folder", {"path": base / "store"})]
    server = None
    if args.server:
        port = 8765
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(base / "server"),
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(8)
        places.append(("Chroma server", {"url": f"http://127.0.0.1:{port}"}))
    try:
        for name, where in places:
            store = ArticleStore(embeddings, collection="scale", **where)
            started = time.perf_counter()
            row: dict[str, Any] = {"ingest chunks/s": "(reused)"}
            if store.count() == 0:
                report = ingest([corpus], store, progress=True, batch_chunks=2000)
                assert not report.failed, report.failed[:3]
                row["ingest chunks/s"] = store.count() / (time.perf_counter() - started)
            row["chunks"] = store.count()
            row |= measure(store, corpus, args.questions)
            if server is not None and "url" in where:
                row["server RSS MB"] = _rss_of(server.pid)
            results[name] = row
            print(name, row, flush=True)
            del store
            gc.collect()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    keys = list(dict.fromkeys(k for r in results.values() for k in r))
    rows = [[k, *(r.get(k, "") for r in results.values())] for k in keys]
    print(table(rows, ["measure", *results]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


def _rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()

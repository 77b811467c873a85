"""Scale: a store growing to a million chunks, written incrementally, served by another
process (issue 22).

    .venv/bin/python bench/scale.py [--sizes 40000,200000,1000000] [--server] [--keep DIR]

The articles are **generated** (made-up words in news-like sentences, dated over two years,
twenty sources; nothing third-party), in files of 2,000 articles (~24,000 chunks), and go
through the product's own ingest. Embedding a million chunks with the real model would take
days on two cores, and retrieval's cost does not depend on which model made the vectors, so
this bench embeds with a stand-in (a fake, said here): each word a fixed pseudo-random
384-dimensional unit vector, a text the normalised sum of its words' vectors — the same
width and the same unit-length vectors as MiniLM.

The store grows to each size in turn (one ingest run per step, into a local folder, and
with ``--server`` into a `chroma run` server as well); at each size a **separate serving
process** opens it and reports: how long it took to answer its first question (a replica
starting), its retrieval p50/p95 with no filter, a one-week filter and a one-source filter,
its resident memory; then, while it keeps serving, another process writes **one article**
(about 12 chunks) and the serving process's next question is timed against its usual one;
then another process syncs **1,000 articles** (N, ``--sync-articles``; dated in the
corpus's last three days, as a feed sync's are) into the store, timed against ingesting the
same articles into an empty store. Disk per part (Chroma, keyword
index, rows) is read off the folders. Sizes are rounded up to whole files (2,000 articles).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import socket
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
CHROMA_SERVER: list[subprocess.Popen] = []  # the `chroma run` process, when there is one
PORT: list[int] = []  # its port, a free one


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
    words, common = _vocabulary(rng)
    start = date(2023, 1, 1)
    folder.mkdir(parents=True, exist_ok=True)
    n_articles = n_chunks // CHUNKS_PER_ARTICLE
    for part in range(0, n_articles, 2000):
        _write(folder / f"articles-{part // 2000:03d}.jsonl", part, min(n_articles, part + 2000),
               rng, words, common, start)  # fmt: skip
    return folder


def _vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    """Made-up words (from ``rng``) and the common words the sentences mix in."""
    syllables = ["ka", "lo", "mer", "tan", "vi", "sol", "dra", "pen", "qui", "ros", "el", "bu"]
    words = list({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(20000)})
    return words, ["the", "of", "and", "said", "in", "on", "a", "to", "for", "after", "with"]


def _write(out: Path, first: int, end: int, rng: random.Random, words: list[str],
           common: list[str], start: date, span: int = 730) -> None:  # fmt: skip
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
                "date": (start + timedelta(days=rng.randrange(span))).isoformat(),
                "source": rng.choice(SOURCES),
                "url": f"https://news{i % 20}.example/{i}",
                "text": "\n\n".join(" ".join(sentences[j : j + 5]) for j in range(0, 40, 5)),
            }
            fh.write(json.dumps(record) + "\n")


def extra(folder: Path, n_articles: int, first: int, seed: int) -> Path:
    """``n_articles`` more generated articles (numbered from ``first``: new URLs, so new
    articles) as one JSON-lines file in ``folder``, dated in the corpus's last three days
    (a feed sync brings the newest articles)."""
    rng = random.Random(seed)
    words, common = _vocabulary(rng)
    folder.mkdir(parents=True, exist_ok=True)
    last_days = date(2023, 1, 1) + timedelta(days=727)
    _write(folder / "extra.jsonl", first, first + n_articles, rng, words, common, last_days, 3)
    return folder


def rss_mb(pid: int | str = "self", kind: str = "VmRSS") -> float:
    """Resident MB of a process: all of it (``VmRSS``), or its anonymous memory
    (``RssAnon``: what it allocated) or mapped files' pages (``RssFile``: the chunk index's
    memory-mapped rows among them, pages the kernel can drop and read again)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_parts(pid: int | str = "self") -> str:
    """``anonymous + files`` MB, for the table."""
    return f"{rss_mb(pid, 'RssAnon'):.0f} + {rss_mb(pid, 'RssFile'):.0f}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def open_store(where: dict[str, str]) -> Any:
    from vectorstore import ArticleStore

    return ArticleStore(WordVectors(), collection="scale", **where)


# -- the serving process: `scale.py --serve`, driven through its stdin -------------------------


def serve(where: dict[str, str], corpus: Path, n_questions: int) -> None:
    """Open the store, answer one question, then answer commands: ``bench`` (the question
    set under three filters), ``one`` (one question, timed), ``quit``. One JSON line each."""
    started = time.perf_counter()
    from qa import Filters
    from qa.retrieval import Retriever, Search

    retriever = Retriever(open_store(where))
    questions = _questions(corpus, n_questions)
    retriever.search(Search(questions[0], 6, news=False))
    say({"first answer s": time.perf_counter() - started, "RSS loaded MB": rss_mb(),
         "RSS loaded, anonymous + files MB": rss_parts()})  # fmt: skip
    runs = {
        "unfiltered": lambda d: Filters(),
        "one week": lambda d: Filters(date_from=d, date_to=d + timedelta(days=6)),
        "one source": lambda d: Filters(sources=(SOURCES[3],)),
    }
    for line in sys.stdin:
        command = line.strip()
        if command == "bench":
            out: dict[str, float] = {}
            for name, make in runs.items():
                seconds = []
                for i, q in enumerate(questions):
                    f = make(date(2023, 1, 1) + timedelta(days=(i * 37) % 720))
                    t = time.perf_counter()
                    retriever.search(Search(q, 6, filters=f, news=False))
                    seconds.append(time.perf_counter() - t)
                out[f"{name} p50 ms"] = 1000 * statistics.median(seconds)
                out[f"{name} p95 ms"] = 1000 * pct(seconds, 0.95)
            say(out | {"RSS after questions MB": rss_mb(),
                       "RSS after questions, anonymous + files MB": rss_parts()})  # fmt: skip
        elif command == "one":
            t = time.perf_counter()
            retriever.search(Search(questions[1], 6, news=False))
            say({"s": time.perf_counter() - t} | retriever.index.stats())
        else:
            return


def say(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def _questions(corpus: Path, n: int) -> list[str]:
    """Generated sentences' words in another order."""
    rng = random.Random(3)
    lines = (corpus / "articles-000.jsonl").read_text(encoding="utf-8").splitlines()
    found = []
    for line in rng.sample(lines, n):
        words = json.loads(line)["text"].split()[:40]
        rng.shuffle(words)
        found.append(" ".join(words[:9]) + "?")
    return found


class Server:
    """A `scale.py --serve` child process."""

    def __init__(self, where: dict[str, str], corpus: Path, n_questions: int, env: dict) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", json.dumps(where), "--corpus", str(corpus),
             "--questions", str(n_questions)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.ready = self._read()

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the serving process ended (exit {self.proc.wait()})")
        return dict(json.loads(line))

    def close(self) -> None:
        if self.proc.stdin is not None and self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        self.proc.wait(60)


# -- writing, in a process of its own: `scale.py --write` -------------------------------------


def write(where: dict[str, str], paths: list[str]) -> None:
    from vectorstore import ingest

    started = time.perf_counter()
    report = ingest(paths, open_store(where), batch_chunks=2000)
    assert not report.failed, report.failed[:3]
    say({"s": time.perf_counter() - started, "chunks": report.chunks_written})


def run_writer(where: dict[str, str], paths: list[Path], env: dict) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--write", json.dumps(where), *map(str, paths)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the run -------------------------------------------------------------------------------


def _stored(where: dict[str, str]) -> int:
    try:
        store = open_store(where)
        return int(store.count())
    finally:
        gc.collect()


def folder_mb(path: Path) -> float:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0
    )


def measure(name: str, where: dict[str, str], base: Path, corpus: Path, args: Any,
            env: dict, index_dir: Path, chroma_dir: Path | None) -> dict[str, Any]:  # fmt: skip
    """One store at one size: a serving process, a write of one article, a 1,000-article sync."""
    store = open_store(where)
    row: dict[str, Any] = {"chunks": store.count()}
    del store
    gc.collect()
    if "url" in where and not (index_dir / "meta.json").exists():
        # no index on this machine yet (a server store grown elsewhere): the first page
        # process builds it from the server, as on a new machine
        replica = Server(where, corpus, 1, env)
        row["replica on a new machine: first answer, s"] = replica.ready["first answer s"]
        replica.close()
    server = Server(where, corpus, args.questions, env)
    try:
        row["replica: first answer, s"] = server.ready["first answer s"]
        row["serving RSS loaded MB"] = server.ready["RSS loaded MB"]
        row["serving RSS loaded, anonymous + files MB"] = server.ready[
            "RSS loaded, anonymous + files MB"
        ]
        row |= server.ask("bench")
        usual = statistics.median(server.ask("one")["s"] for _ in range(7))
        row["question, usual ms"] = 1000 * usual
        # texts of their own at every size (a seed from the size): the same texts again would
        # be syndicated copies of those written at the size before, and folded, not stored
        one = extra(base / "one" / name / str(row["chunks"]), 1, 50_000_000 + row["chunks"],
                    11_000_000 + row["chunks"])  # fmt: skip
        row["write 1 article, s"] = run_writer(where, [one], env)["s"]
        after = server.ask("one")
        row["next question after it, ms"] = 1000 * after["s"]
        row["... longer than usual, ms"] = 1000 * (after["s"] - usual)
        many = extra(
            base / "many" / name / str(row["chunks"]),
            args.sync_articles,
            60_000_000 + row["chunks"],
            12_000_000 + row["chunks"],
        )
        row["sync N articles, s"] = run_writer(where, [many], env)["s"]
        row["next question after it, s"] = server.ask("one")["s"]
        row["index: builds / catch-ups (of them handed over by the writer)"] = (
            f"{after['builds']} / {after['catch_ups']} ({after['handed_over']})"
        )
        row["serving RSS after all MB"] = rss_mb(server.proc.pid)
        row["serving RSS after all, anonymous + files MB"] = rss_parts(server.proc.pid)
        if CHROMA_SERVER and "url" in where:
            row["Chroma server RSS after all MB"] = rss_mb(CHROMA_SERVER[0].pid)
    finally:
        server.close()
    new_machine = "replica on a new machine: first answer, s" not in row
    if "url" in where and new_machine and row["chunks"] <= args.new_machine_up_to:
        # a replica on a machine of its own: no index in its cache yet, built from the server
        fresh = {**env, "XDG_CACHE_HOME": str(base / "cache-new" / str(row["chunks"]))}
        replica = Server(where, corpus, 1, fresh)
        row["replica on a new machine: first answer, s"] = replica.ready["first answer s"]
        replica.close()
        shutil.rmtree(fresh["XDG_CACHE_HOME"], ignore_errors=True)
    empty = {"path": str(base / "empty" / name / str(row["chunks"]))}
    row["same N into an empty store, s"] = run_writer(empty, [many], env)["s"]
    shutil.rmtree(empty["path"], ignore_errors=True)
    row["sync / empty"] = row["sync N articles, s"] / row["same N into an empty store, s"]
    folder = index_dir / "scale"
    row["disk: keyword index MB"] = folder_mb(folder / "keyword")
    row["disk: rows (ids, days, sources, vectors) MB"] = sum(
        f.stat().st_size for f in folder.glob("*.npy")) / 1e6  # fmt: skip
    if chroma_dir is not None:
        row["disk: Chroma MB"] = folder_mb(chroma_dir)
    return row


def start_chroma(base: Path, from_local: bool) -> None:
    """A `chroma run` server over ``base/server`` — with ``from_local``, a copy of the local
    store's Chroma files (those of the local runs just measured), made once."""
    if from_local and not (base / "server").exists():
        shutil.copytree(
            base / "store", base / "server",
            ignore=shutil.ignore_patterns("chunk-index", "*.lock", "*.holder", "feeds*"),
        )  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(base / "server"),
         "--host", "127.0.0.1", "--port", str(PORT[0])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    CHROMA_SERVER.append(server)
    time.sleep(8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="40000,200000,1000000", help="chunks, comma-separated")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--sync-articles", type=int, default=1000, help="articles in the sync")
    parser.add_argument(
        "--new-machine-up-to", type=int, default=250_000,
        help="server: time a replica with an empty cache up to this many chunks",
    )  # fmt: skip
    parser.add_argument("--server", action="store_true", help="a Chroma server too")
    parser.add_argument("--server-only", action="store_true", help="the Chroma server only")
    parser.add_argument(
        "--server-from-local", action="store_true",
        help="the server serves a copy of the local store's Chroma files (kept with --keep) "
        "instead of growing a store of its own: with --server-only, a million chunks are "
        "grown once",
    )  # fmt: skip
    parser.add_argument("--keep", type=Path, help="build (or reuse) the stores here")
    parser.add_argument("--json", type=Path, default=Path("bench/results/scale.json"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--write", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(json.loads(args.serve), args.corpus, args.questions)
    if args.write:
        return write(json.loads(args.write), args.paths)

    sizes = [int(s) for s in args.sizes.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="aq-scale-"))
    corpus = base / "corpus"
    if not (corpus / "articles-000.jsonl").exists():
        generate(corpus, max(sizes))
    files = sorted(corpus.glob("articles-*.jsonl"))
    env = {**os.environ, "XDG_CACHE_HOME": str(base / "cache")}
    places: list[tuple[str, dict[str, str], Path, Path | None]] = [
        ("local", {"path": str(base / "store")}, base / "store" / "chunk-index", base / "store")
    ]
    if args.server_only:
        places, args.server = [], True
    if args.server:
        with socket.socket() as probe:  # a free port for the server
            probe.bind(("127.0.0.1", 0))
            PORT.append(probe.getsockname()[1])
        url = f"http://127.0.0.1:{PORT[0]}"
        safe = "".join(ch if ch.isalnum() else "_" for ch in url)
        cache = base / "cache" / "article-qa" / "servers" / safe / "chunk-index"
        places.append(("server", {"url": url}, cache, base / "server"))
    results: dict[str, dict[str, Any]] = {}
    try:
        for name, where, index_dir, chroma_dir in places:
            if "url" in where:
                start_chroma(base, args.server_from_local)
            done = 0
            for size in sizes:
                upto = min(len(files), -(-size // (2000 * CHUNKS_PER_ARTICLE)))
                growth: dict[str, Any] = {}
                if upto > done and _stored(where) >= 0.9 * upto * 2000 * CHUNKS_PER_ARTICLE:
                    done = upto  # a kept store (--keep) that has grown this far already
                if "url" in where and args.server_from_local:
                    done = upto  # the local store's copy, as it is
                if upto > done:
                    step = run_writer(where, files[done:upto], env)
                    growth = {"grow: ingest chunks/s": step["chunks"] / step["s"]}
                    done = upto
                row = growth | measure(name, where, base, corpus, args, env, index_dir, chroma_dir)
                results[f"{name} {row['chunks'] // 1000}k"] = row
                print(name, json.dumps(row), flush=True)
    finally:
        for server in CHROMA_SERVER:
            server.terminate()
            server.wait(30)
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    keys = list(dict.fromkeys(k for r in results.values() for k in r))
    rows = [[k, *(r.get(k, "") for r in results.values())] for k in keys]
    print(table(rows, ["measure", *results]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

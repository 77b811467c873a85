"""Shared by the RealTime QA benchmarks: data location, the cached index, answer scoring."""

from __future__ import annotations

import itertools
import json
import os
import re
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vectorstore  # noqa: F401 (first: importing the library sets the offline environment)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"
DATA = Path(os.environ.get("REALTIMEQA_DIR", SHARED / "realtimeqa-dev"))  # measure here only
TRAIN = SHARED / "realtimeqa-train"  # fit here only
# Fitting retrieval and the answerer needs the product's own index of the articles. Train's
# 13,577 articles would take ~10 hours to embed on 2 cores (13 chunks/s), so fitting indexes
# the first TRAIN_DOCS search results of the questions of its last TRAIN_WEEKS weeks (315
# questions, 874 articles, 1.3 M words: ~20 minutes).
TRAIN_WEEKS = 30
TRAIN_DOCS = 3
CACHE = Path(os.environ.get("ARTICLE_QA_BENCH_CACHE", ROOT / "bench" / ".cache"))
# A smoke run (bench/smoke.py) caps every index at this many articles: seconds, not hours
SMOKE_ARTICLES = int(os.environ.get("ARTICLE_QA_BENCH_ARTICLES", "0")) or None


def dev_arguments(name: str, description: str | None) -> Any:
    """The options every dev benchmark takes (an ``argparse`` parser to add to): how many
    questions and articles, where its JSON goes, which backends."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--limit", type=int, help="first N questions only")
    parser.add_argument("--articles", type=int, help="first N corpus articles only")
    parser.add_argument("--json", type=Path, default=Path(f"bench/results/{name}.json"))
    parser.add_argument(
        "--backends", default="onnx", help="models, comma-separated: onnx (int8), torch (fp32)"
    )
    return parser


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def questions(limit: int | None = None, split: str = "dev") -> list[dict[str, Any]]:
    """Dev's questions, or (``split="train"``) the train questions of the weeks indexed."""
    if split == "train":
        qs = read_jsonl(TRAIN / "questions.jsonl")
        weeks = sorted({q["question_date"] for q in qs})[-TRAIN_WEEKS:]
        qs = [q for q in qs if q["question_date"] in weeks and q["search_doc_ids"]]
    else:
        qs = read_jsonl(DATA / "questions.jsonl")
    return qs[:limit] if limit else qs


def question_date(q: dict[str, Any]):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(q["question_date"].replace("/", "-"))


def normalize(text: str) -> str:
    """The evaluator's normalisation: lower case, non-alphanumerics → space, no articles."""
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(w for w in text.split() if w not in {"a", "an", "the"})


def contains(haystack: str, golds: list[str]) -> bool:
    """A gold answer occurs in ``haystack`` as whole words (both normalised)."""
    hay = f" {normalize(haystack)} "
    return any(g and f" {g} " in hay for g in (normalize(x) for x in golds))


def squad_normalize(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, golds: list[str]) -> float:
    return float(any(squad_normalize(prediction) == squad_normalize(g) for g in golds))


def token_f1(prediction: str, golds: list[str]) -> float:
    best = 0.0
    pred = squad_normalize(prediction).split()
    for g in golds:
        gold = squad_normalize(g).split()
        common = Counter(pred) & Counter(gold)
        same = sum(common.values())
        if same == 0 or not pred or not gold:
            continue
        p, r = same / len(pred), same / len(gold)
        best = max(best, 2 * p * r / (p + r))
    return best


def is_numeric(golds: list[str]) -> bool:
    return all(re.fullmatch(r"[\d.,%$ ]+", g.strip()) for g in golds)


@dataclass
class Built:
    store: Any
    seconds: float
    chunks: int
    cached: bool


def build_index(
    max_articles: int | None = None, split: str = "dev", backend: str = "torch"
) -> Built:
    """The corpus in a store built by the product's own ingest, cached between runs: dev's
    (its first ``max_articles``), or (``split="train"``) the first ``TRAIN_DOCS`` search
    results of the train questions of ``questions(split="train")``. A subset is written
    under bench/.cache, which git ignores, and ingested from there.

    ``backend``: the embedder's (``torch``, fp32, as everything was measured before the
    ONNX backend; ``onnx``, int8: the torch store re-embedded by ``reindex`` when one is
    cached, else ingested with the onnx models). ``ARTICLE_QA_EMBEDDING_MODEL`` names
    another embedder (cached apart)."""
    import gzip

    max_articles = SMOKE_ARTICLES or max_articles
    if split == "train":
        ids = [d for q in questions(split="train") for d in q["search_doc_ids"][:TRAIN_DOCS]]
        wanted = set(ids[:SMOKE_ARTICLES] if SMOKE_ARTICLES else ids)  # the first questions'

        def train_subset(out: Path) -> Path:
            with (
                gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh,
                out.open("w", encoding="utf-8") as subset,
            ):
                subset.writelines(line for line in fh if json.loads(line)["doc_id"] in wanted)
            return out

        name = f"realtimeqa-train-{TRAIN_WEEKS}w{TRAIN_DOCS}d" + (
            f"-{SMOKE_ARTICLES}" if SMOKE_ARTICLES else ""
        )
        return _cached_index(name, train_subset, backend)

    def dev_subset(out: Path) -> Path:
        if not max_articles:
            return DATA / "corpus.jsonl"
        with (
            (DATA / "corpus.jsonl").open(encoding="utf-8") as fh,
            out.open("w", encoding="utf-8") as subset,
        ):
            subset.writelines(itertools.islice(fh, max_articles))
        return out

    return _cached_index(f"realtimeqa-{max_articles or 'all'}", dev_subset, backend)


def _cached_index(name: str, corpus: Callable[[Path], Path], backend: str = "torch") -> Built:
    """The store in bench/.cache/``name``, ingested once from the file ``corpus`` writes (or
    names) and reused while its ``built.json`` is there; for the onnx backend, the torch
    store copied to ``name-onnx`` and re-embedded when it is cached (else ingested anew)."""
    import shutil

    from models import load_embeddings
    from vectorstore import ArticleStore, ingest, reindex

    model = os.environ.get("ARTICLE_QA_EMBEDDING_MODEL", "")  # another embedder: its own cache
    name += f"-{Path(model).name}" if model else ""
    torch_folder = CACHE / name
    folder = torch_folder if backend == "torch" else CACHE / f"{name}-{backend}"
    done = folder / "built.json"
    embeddings = load_embeddings(model, backend=backend)  # type: ignore[arg-type]
    if done.exists():
        store = ArticleStore(embeddings, path=folder / "store", collection="realtimeqa")
        return Built(store, json.loads(done.read_text())["seconds"], store.count(), True)
    if backend != "torch" and (torch_folder / "built.json").exists():
        source = _cached_index(name, corpus, "torch").store.folder
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(source, folder / "store")  # type: ignore[arg-type]
        store = ArticleStore(embeddings, path=folder / "store", collection="realtimeqa")
        started = time.perf_counter()
        n = reindex(store, progress=True)
        summary = f"reindexed: {n} chunks embedded"
    else:
        store = ArticleStore(embeddings, path=folder / "store", collection="realtimeqa")
        folder.mkdir(parents=True, exist_ok=True)
        source = corpus(folder / "corpus.jsonl")
        started = time.perf_counter()
        summary = ingest([source], store, progress=True).summary()
    seconds = time.perf_counter() - started
    done.write_text(json.dumps({"seconds": seconds, "summary": summary}))
    return Built(store, seconds, store.count(), False)


def ingest_vs_raw(n_articles: int = 150, backend: str = "torch") -> tuple[float, float, int]:
    """Chunks/s of a fresh ingest of the first ``n_articles`` and of the model alone on the
    same chunk texts, measured in this process one after the other, on ``backend``."""
    import tempfile

    from models import load_embeddings
    from vectorstore import ArticleStore, ingest

    folder = Path(tempfile.mkdtemp(prefix="aq-throughput-"))
    subset = folder / "corpus.jsonl"
    with (DATA / "corpus.jsonl").open(encoding="utf-8") as fh, subset.open("w") as out:
        for i, line in enumerate(fh):
            if i >= n_articles:
                break
            out.write(line)
    embeddings = load_embeddings(backend=backend)  # type: ignore[arg-type]
    embeddings.embed_documents(["warm up the model"])
    store = ArticleStore(embeddings, path=folder / "store")
    started = time.perf_counter()
    ingest([subset], store)
    ingest_rate = store.count() / (time.perf_counter() - started)
    texts = [text for _, text, _ in store.all_chunks()]
    started = time.perf_counter()
    embeddings.embed_documents(texts)
    raw_rate = len(texts) / (time.perf_counter() - started)
    return ingest_rate, raw_rate, len(texts)


def table(rows: list[list[Any]], header: list[str]) -> str:
    """A Markdown table."""

    def fmt(x: Any) -> str:
        return f"{x:.3f}" if isinstance(x, float) else str(x)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)

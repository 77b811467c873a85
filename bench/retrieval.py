"""Retrieval on RealTime QA (dev): answer recall@1/3/5/10 and MRR@10 for each mode.

    .venv/bin/python bench/retrieval.py [--limit N] [--articles N] [--backends onnx,torch]

The corpus is ingested through the product's own path (loader, chunker, embedding model,
Chroma store) once and cached in bench/.cache/ (per backend: the onnx store is the torch
one re-embedded by ``reindex``). A passage is a hit when a gold answer, normalised, occurs
in it as whole words. Ingest throughput per backend: ``bench/backends.py``.
"""

from __future__ import annotations

import json
import statistics
import time

from common import (
    build_index,
    contains,
    dev_arguments,
    is_numeric,
    question_date,
    questions,
    table,
)

MODES = [  # name, Search options
    ("dense", {"mode": "dense", "news": False, "diverse": False}),
    ("bm25", {"mode": "bm25", "news": False, "diverse": False}),
    ("hybrid (RRF)", {"mode": "hybrid", "news": False, "diverse": False}),
    ("hybrid + diversity", {"mode": "hybrid", "news": False, "diverse": True}),
    ("hybrid + dates/sources", {"mode": "hybrid", "news": True, "diverse": False}),
    ("hybrid + dates/sources + diversity", {"mode": "hybrid", "news": True, "diverse": True}),
    ("dense + dates/sources + diversity", {"mode": "dense", "news": True, "diverse": True}),
    # the default: the reader (trained on RealTime QA train) reranks the best RERANK_POOL
    ("hybrid + dates/sources + diversity + rerank", {"mode": "hybrid", "rerank": True}),
]
RERANK_POOL = 16  # Settings.rerank_pool's default
KS = (1, 3, 5, 10)


def main() -> None:
    parser = dev_arguments("retrieval", __doc__)
    args = parser.parse_args()

    from models.reader import Reader
    from qa import Filters
    from qa.reading import rerank
    from qa.retrieval import Retriever, Search

    qs = questions(args.limit)
    rows, results = [], {}
    backends = args.backends.split(",")
    for backend, (name, options) in ((b, m) for b in backends for m in MODES):
        built = build_index(args.articles, backend=backend)
        retriever = Retriever(built.store)
        started = time.perf_counter()
        retriever.index.sync()
        keyword_seconds = time.perf_counter() - started
        name = f"{name} [{backend}]" if len(backends) > 1 else name
        built.store.embeddings._cache.clear()  # every mode embeds its questions afresh
        hits = {k: 0 for k in KS}
        rr, latencies, text_hits, n_text = 0.0, [], 0, 0
        options = dict(options)
        reranked = options.pop("rerank", False)
        for q in qs:
            k = max(10, RERANK_POOL) if reranked else 10
            req = Search(
                q["question"], k, filters=Filters(reference_date=question_date(q)), **options
            )
            t = time.perf_counter()
            found = retriever.search(req)
            if reranked:
                found = rerank(Reader.shared(backend=backend), q["question"], found, 10)
            latencies.append(time.perf_counter() - t)
            first = next(
                (i for i, p in enumerate(found) if contains(p.text, q["answer_texts"])), None
            )
            for k in KS:
                hits[k] += first is not None and first < k
            rr += 1.0 / (first + 1) if first is not None else 0.0
            if not is_numeric(q["answer_texts"]):
                n_text += 1
                text_hits += first is not None and first < 5
        n = len(qs)
        lat = sorted(latencies)
        result = {
            **{f"recall@{k}": hits[k] / n for k in KS},
            "mrr@10": rr / n,
            "recall@5 (text answers)": text_hits / max(n_text, 1),
            "p50_ms": 1000 * statistics.median(lat),
            "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
        }
        results[name] = result
        rows.append([name, *result.values()])
        print(f"{name}: R@5 {result['recall@5']:.3f}", flush=True)
    header = ["mode", *(f"R@{k}" for k in KS), "MRR@10", "R@5 text", "p50 ms", "p95 ms"]
    print()
    print(f"{len(qs)} questions; {built.chunks} chunks")
    print(table(rows, header))
    print(f"\nkeyword index load/build {keyword_seconds:.2f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "questions": len(qs),
                "chunks": built.chunks,
                "modes": results,
                "keyword_index_seconds": keyword_seconds,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

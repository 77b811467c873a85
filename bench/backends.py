"""The int8 ONNX models against the fp32 torch ones, side by side in one run.

    .venv/bin/python bench/backends.py [--chunks 2000] [--articles 150]

- **Embedder fidelity**: cosine between the int8 and fp32 vectors of the same dev chunks
  (an even sample of the 39k-chunk dev index), mean and least; and the same for the
  reader's relevance and span choices on (question, evidence sentence) pairs of train.
- **Throughput**: a fresh ingest of the same dev articles with each backend, and each
  model alone on the same chunk texts (chunks/s; torch is the baseline).

Retrieval and answer quality per backend: ``bench/retrieval.py --backends onnx,torch`` and
``bench/answers.py --backends onnx,torch``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
from common import TRAIN, build_index, ingest_vs_raw, table


def embedder_fidelity(n: int) -> dict[str, float]:
    from models import load_embeddings

    store = build_index().store
    total = store.count()
    step = max(1, total // n)
    texts = [t for i, (_, t, _) in enumerate(store.all_chunks()) if i % step == 0][:n]
    onnx = load_embeddings(backend="onnx").embed_array(texts)
    fp32 = load_embeddings(backend="torch").embed_array(texts)
    cosine = (onnx * fp32).sum(axis=1)
    return {
        "chunks": len(texts),
        "mean": float(cosine.mean()),
        "min": float(cosine.min()),
        "p01": float(np.quantile(cosine, 0.01)),
    }


def reader_fidelity(n_questions: int = 300) -> dict[str, float]:
    from models.reader import Reader

    lines = (TRAIN / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    pairs: list[tuple[str, list[str]]] = []
    for line in lines[-n_questions:]:
        q = json.loads(line)
        evidence = q["evidence"] if isinstance(q["evidence"], str) else " ".join(q["evidence"])
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", evidence) if len(s) > 20][:4]
        if sentences:
            pairs.append((q["question"], sentences))
    readers = {
        "fp32": Reader(backend="torch", quantize=False),
        "onnx int8": Reader(backend="onnx"),
        "torch int8": Reader(backend="torch"),
    }
    readings = {name: [x for q, ss in pairs for x in r.read(q, ss)] for name, r in readers.items()}
    ref = readings["fp32"]
    out: dict[str, float] = {"pairs": len(ref)}
    for name in ("onnx int8", "torch int8"):
        got = readings[name]
        rel = np.corrcoef([x.relevance for x in ref], [x.relevance for x in got])[0, 1]
        out[f"{name}: relevance correlation"] = float(rel)
        out[f"{name}: same span"] = float(
            np.mean([(a.start, a.end) == (b.start, b.end) for a, b in zip(ref, got, strict=True)])
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=2000, help="dev chunks compared")
    parser.add_argument("--articles", type=int, default=150, help="dev articles ingested")
    parser.add_argument("--json", type=Path, default=Path("bench/results/backends.json"))
    args = parser.parse_args()

    started = time.perf_counter()
    fidelity = embedder_fidelity(args.chunks)
    print(f"embedder: {fidelity}", flush=True)
    reader = reader_fidelity()
    print(f"reader: {reader}", flush=True)
    speed = {b: ingest_vs_raw(args.articles, backend=b) for b in ("torch", "onnx")}
    base_ingest, base_raw, n_chunks = speed["torch"]
    rows = []
    for backend, (ingest_rate, raw_rate, _) in speed.items():
        rows.append(
            [
                f"{backend} ({'fp32' if backend == 'torch' else 'int8'})",
                raw_rate,
                raw_rate / base_raw,
                ingest_rate,
                ingest_rate / base_ingest,
            ]
        )
    print()
    print(
        f"Embedder int8 vs fp32 over {fidelity['chunks']} dev chunks: cosine mean "
        f"{fidelity['mean']:.4f}, least {fidelity['min']:.4f} "
        f"(1st percentile {fidelity['p01']:.4f})"
    )
    print(
        "Reader against fp32 over {pairs:.0f} train pairs: ".format(**reader)
        + "; ".join(f"{k} {v:.3f}" for k, v in reader.items() if k != "pairs")
    )
    print()
    print(f"Throughput, {args.articles} dev articles ({n_chunks} chunks), same run:")
    print(
        table(
            rows,
            ["backend", "model alone chunks/s", "x torch", "ingest chunks/s", "x torch ingest"],
        )
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "embedder": fidelity,
                "reader": reader,
                "throughput": {
                    b: dict(zip(["ingest", "raw", "chunks"], v, strict=True))
                    for b, v in speed.items()
                },
                "seconds": time.perf_counter() - started,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

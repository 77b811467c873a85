"""Fit retrieval's fusion weights on RealTime QA train; report dev before and after.

    .venv/bin/python bench/tune_retrieval.py [--limit N]

The fusion (``qa.retrieval.Fusion``: the weights of the dense and keyword rankings and the
recency boost) is chosen by a grid search on the train questions indexed by
``common.build_index(split="train")``, maximising recall@5 (MRR@10 breaks ties). Dev only
measures: the same run reports dev with the values shipped before and with the values
fitted here. The product's own ``Retriever.search`` runs
for every setting; the dense and keyword searches, which no fusion weight changes, are run
once per question and remembered.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import asdict
from typing import Any

from common import build_index, contains, question_date, questions, table

GRID = {
    "dense": [0.25, 0.5, 0.75, 1.0, 1.5],
    "recency": [0.0, 1.0, 2.0, 4.0],
    "recency_days": [3.0, 7.0, 14.0],
}


def remember(retriever: Any) -> None:
    """Run each dense / keyword search once: the grid changes only how they are fused. The
    store's and the index's search methods are wrapped whatever their arguments."""
    memo: dict[Any, Any] = {}

    def key(value: Any) -> Any:
        if hasattr(value, "tobytes"):
            return value.tobytes()
        if isinstance(value, list | tuple | set | frozenset):
            return tuple(
                key(v) for v in (sorted(value) if isinstance(value, set | frozenset) else value)
            )
        return repr(value)

    def once(owner: Any, name: str) -> None:
        run = getattr(owner, name)

        def remembered(*args: Any, **kwargs: Any) -> Any:
            k = (name, key(args), key(sorted(kwargs.items())))
            if k not in memo:
                memo[k] = run(*args, **kwargs)
            return memo[k]

        setattr(owner, name, remembered)

    for owner, names in (
        (retriever.store, ("nearest_ids", "passages")),
        (retriever.index, ("search", "nearest", "vectors")),
    ):
        for name in names:
            if hasattr(owner, name):
                once(owner, name)


def measure(retriever: Any, qs: list[dict]) -> tuple[float, float]:
    """Recall@5 and MRR@10 of the product's default search (k=10)."""
    from qa import Filters
    from qa.retrieval import Search

    hits, rr = 0, 0.0
    for q in qs:
        found = retriever.search(
            Search(q["question"], 10, filters=Filters(reference_date=question_date(q)))
        )
        first = next((i for i, p in enumerate(found) if contains(p.text, q["answer_texts"])), None)
        hits += first is not None and first < 5
        rr += 1.0 / (first + 1) if first is not None else 0.0
    return hits / len(qs), rr / len(qs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="first N questions of each split only")
    parser.add_argument("--backend", default="onnx", help="the embedder's backend (onnx, torch)")
    args = parser.parse_args()

    from qa.retrieval import Fusion, Retriever

    train = Retriever(build_index(split="train", backend=args.backend).store)
    remember(train)
    train_qs = questions(args.limit, split="train")
    scored = []
    for values in itertools.product(*GRID.values()):
        train.fusion = Fusion(**dict(zip(GRID, values, strict=True)))
        scored.append((measure(train, train_qs), train.fusion))
        print(train.fusion, *(f"{x:.3f}" for x in scored[-1][0]), flush=True)
    (best_r5, best_mrr), best = max(scored, key=lambda s: s[0])
    before = Fusion()  # what ships now
    train.fusion = before
    train_before = measure(train, train_qs)

    dev = Retriever(build_index(backend=args.backend).store)
    remember(dev)
    dev_qs = questions(args.limit)
    rows = []
    for name, fusion, on_train in (
        ("shipped (fitted on train before this run)", before, train_before),
        ("fitted on train (this run)", best, (best_r5, best_mrr)),
    ):
        dev.fusion = fusion
        rows.append([name, *on_train, *measure(dev, dev_qs)])
    print(f"\ntrain: {len(train_qs)} questions; dev: {len(dev_qs)} questions")
    print(table(rows, ["fusion", "train R@5", "train MRR@10", "dev R@5", "dev MRR@10"]))
    print("fitted:", asdict(best))


if __name__ == "__main__":
    main()

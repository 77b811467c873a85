"""What stories cost (issue 23): grouping at ingest next to the ingest itself, and listing
stories and telling a timeline over a store the size of dev's.

    .venv/bin/python bench/story_cost.py [--articles 120] [--json bench/results/story_cost.json]

1. **Grouping at ingest**: dev's first ``--articles`` articles ingested with the product's
   own models into an empty store; the time the store spent putting them in stories
   (``ArticleStore.grouping_seconds``: their leads embedded, one nearest-neighbour search
   and one read of the linked stories each) against the whole ingest.
2. **Stories and timelines over dev's 2,781 articles (~39k chunks)**: the whole corpus
   ingested with the stand-in embedder of ``bench/scale.py`` (listing and telling cost the
   same whatever model made the vectors; embedding 39k chunks with the real one takes
   ~50 minutes here), then ``stories()`` (all, and those of the corpus's last week) and
   the timelines of the ten largest stories, each timed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import DATA, SMOKE_ARTICLES, table
from scale import WordVectors

from qa.stories import stories, timeline
from vectorstore import ArticleStore, ingest


def subset(out: Path, n: int | None) -> Path:
    with (DATA / "corpus.jsonl").open(encoding="utf-8") as fh, out.open("w") as kept:
        kept.writelines(itertools.islice(fh, n) if n else fh)
    return out


def grouping_share(folder: Path, n: int) -> dict[str, float]:
    from models import load_embeddings

    store = ArticleStore(load_embeddings(), path=folder / "real")
    started = time.perf_counter()
    report = ingest([subset(folder / "first.jsonl", n)], store)
    total = time.perf_counter() - started
    return {
        "articles": report.added,
        "ingest s": total,
        "grouping s": store.grouping_seconds,
        "grouping / ingest": store.grouping_seconds / total,
    }


def listing(folder: Path, n: int | None) -> dict[str, float]:
    store = ArticleStore(WordVectors(), path=folder / "stand-in")
    started = time.perf_counter()
    report = ingest([subset(folder / "all.jsonl", n)], store)
    out: dict[str, float] = {
        "articles": report.added,
        "chunks": store.count(),
        "ingest s (stand-in embedder)": time.perf_counter() - started,
        "grouping s": store.grouping_seconds,
    }
    t = time.perf_counter()
    found = stories(store)
    out["stories() over all, s"] = time.perf_counter() - t
    out["stories"] = len(found)
    out["stories of 2+ articles"] = sum(len(s.articles) > 1 for s in found)
    last = max((s.last for s in found if s.last), default="")
    if last:
        since = date.fromisoformat(last) - timedelta(days=7)
        t = time.perf_counter()
        out["stories of the last week"] = len(stories(store, since))
        out["stories(since last week), s"] = time.perf_counter() - t
    seconds = []
    for story in sorted(found, key=lambda s: -len(s.articles))[:10]:
        t = time.perf_counter()
        timeline(store, story)
        seconds.append(time.perf_counter() - t)
    out["timeline of the 10 largest, median s"] = statistics.median(seconds)
    out["timeline, slowest s"] = max(seconds)
    out["largest story, articles"] = max(len(s.articles) for s in found)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=120, help="articles for part 1")
    parser.add_argument("--json", type=Path, default=Path("bench/results/story_cost.json"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aq-story-cost-"))
    try:
        share = grouping_share(folder, SMOKE_ARTICLES or args.articles)
        listed = listing(folder, SMOKE_ARTICLES)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = [[k, f"{v:.3f}" if isinstance(v, float) else v] for k, v in share.items()]
    print(table(rows, ["grouping at ingest (real models)", "value"]))
    rows = [[k, f"{v:.3f}" if isinstance(v, float) else v] for k, v in listed.items()]
    print(table(rows, ["stories over dev (stand-in embedder)", "value"]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"grouping": share, "listing": listed}, indent=2))


if __name__ == "__main__":
    main()

"""Feed sync against ingesting the same articles from files, in one run.

    .venv/bin/python bench/feeds.py [--items 200]

A feed of ``--items`` generated articles (each its own HTML page) is served by a real HTTP
server on 127.0.0.1; the same pages are also written as .html files. In one process: the
files are ingested into a fresh store (the **baseline**), then the feed is synced into
another fresh store, once without a delay between requests (what the pipeline costs) and
once with the default per-host delay (what politeness costs). Items/s and the ratio to the
baseline are printed. Then the folding of syndicated copies (``vectorstore.copies``, the
product's own code) on a generated set with known copies: ``--stories`` stories of one
template family (same town names, numbers, phrasing — hard negatives), each carried by
up to three more "outlets" with their own boilerplate, a changed first line or a trimmed
ending; precision and recall of "is a copy of a stored story".
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import table

from models import load_embeddings
from sources import HOST_DELAY_S, STATE_FILE, FeedList
from vectorstore import ArticleStore, ingest, sync_feeds

TOWNS = ["Arlen", "Brisk", "Cobalt", "Dunmore", "Elling", "Farrow", "Gilford", "Harlow"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _vote(
    town: str, votes: tuple[int, int], day: str, thing: str, mayor: str, cost: int, years: int
) -> str:
    """Two sentences of a generated council story."""
    return (
        f"The council of {town} voted {votes[0]} to {votes[1]} on {day} to fund {thing}. "
        f"Mayor {mayor} said the plan would cost {cost} million euros, paid over {years} years."
    )


def _site(folder: Path, n: int, url: str) -> None:
    """``n`` article pages and an RSS feed listing them, as files under ``folder``."""
    items = []
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        vote = _vote(town, (i + 3, i % 5), "Tuesday", f"bridge B{i}", f"Lee{i}", i + 1, 2 + i % 7)
        body = "".join(
            f"<p>{vote} Critics said item {i} of the budget was rushed.</p>" for _ in range(4)
        )
        (folder / f"story-{i:04d}.html").write_text(
            f"<html><head><title>{town} council vote {i}</title>"
            f'<meta property="article:published_time" content="2024-05-{1 + i % 28:02d}">'
            f"</head><body><article><h1>{town} council vote {i}</h1>{body}</article></body>"
            "</html>",
            encoding="utf-8",
        )
        items.append(
            f"<item><guid>story-{i}</guid><link>{url}/story-{i:04d}.html</link>"
            f"<title>{town} council vote {i}</title></item>"
        )
    (folder / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Council wire</title>'
        f"<link>{url}/</link><description>Votes</description>{''.join(items)}</channel></rss>",
        encoding="utf-8",
    )


def _copies(stories: int) -> tuple[float, float, int, int]:
    """Precision and recall of copy detection on generated stories with known copies."""
    import random

    from vectorstore.copies import Copies, signature

    rng = random.Random(7)
    copies = Copies()
    truth: dict[str, str | None] = {}
    found: dict[str, str | None] = {}
    days, things, mayors = (
        ["Monday", "Tuesday", "Friday"],
        ["a bridge", "a school"],
        ["Lee", "Novak"],
    )
    for i in range(stories):
        town = TOWNS[i % len(TOWNS)]
        body = " ".join(
            _vote(
                town,
                (rng.randint(2, 30), rng.randint(0, 9)),
                rng.choice(days),
                f"{rng.choice(things)} number {rng.randint(1, 500)}",
                rng.choice(mayors),
                rng.randint(1, 90),
                rng.randint(2, 9),
            )
            for _ in range(5)
        )
        versions = [body]
        for outlet in range(rng.randint(0, 3)):
            text = body
            if outlet == 0:
                text = f"{town.upper()} (Wire) - " + text + " Subscribe for more local news."
            elif outlet == 1:
                text = text.rsplit(". ", 1)[0] + ". Follow us for updates."
            else:
                text = f"From our partners: {text}"
            versions.append(text)
        for n, text in enumerate(versions):
            key = f"{i}-{n}"
            mh = signature(text)
            truth[key] = f"{i}-0" if n else None
            found[key] = copies.original_of(key, mh, 0)
            if found[key] is None:
                copies.add(key, mh, 0)
    flagged = [k for k, v in found.items() if v is not None]
    right = [k for k in flagged if truth[k] is not None and found[k] == truth[k]]
    actual = [k for k, v in truth.items() if v is not None]
    return len(right) / max(len(flagged), 1), len(right) / max(len(actual), 1), len(actual), stories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--stories", type=int, default=500)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="aq-feeds-"))
    pages = root / "site"
    pages.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(pages)))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _site(pages, args.items, url)
    embeddings = load_embeddings()
    embeddings.embed_documents(["warm up the model"])

    rows = []
    store = ArticleStore(embeddings, path=root / "files")
    started = time.perf_counter()
    report = ingest([pages], store)
    base = report.added / (time.perf_counter() - started)
    rows.append([f"ingest {report.added} .html files (**baseline**)", base, 1.0])
    for label, delay in (
        ("sync, no delay (own server)", 0.0),
        (f"sync, {HOST_DELAY_S} s per-host delay (default)", HOST_DELAY_S),
    ):
        store = ArticleStore(embeddings, path=root / f"feed-{delay}")
        feeds = FeedList(store.state_dir / STATE_FILE)
        feeds.add(f"{url}/feed.xml")
        started = time.perf_counter()
        synced = sync_feeds(store, feeds, allow_private=True, delay=delay)
        rate = synced.feeds[0].new / (time.perf_counter() - started)
        rows.append([f"{label}: {synced.feeds[0].new} items", rate, rate / base])
    server.shutdown()
    print(table(rows, ["run", "articles/s", "x baseline"]))
    precision, recall, n_copies, n_stories = _copies(args.stories)
    print()
    print(
        table(
            [[f"{n_stories} stories, {n_copies} copies", precision, recall]],
            ["syndicated copies (threshold 0.5)", "precision", "recall"],
        )
    )


if __name__ == "__main__":
    main()

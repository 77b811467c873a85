"""Following the news: ``feeds add|list|remove`` and ``sync``."""

from __future__ import annotations

import argparse
import sys
import time

from qa import Assistant

from .common import Commands, Parents, inert, interval, settings


def cmd_feeds(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.url:
        print(f"error: `article-qa feeds {args.action}` needs the feed's URL", file=sys.stderr)
        return 2
    feeds = Assistant(settings(args)).feeds
    if args.action == "add":
        feed = feeds.add(args.url, args.name or "")
        print(inert(f"following {feed.url}; `article-qa sync` fetches it"))
    elif args.action == "remove":
        feed = feeds.remove(args.url)
        print(inert(f"no longer following {feed.label} (its articles stay stored)"))
    else:
        followed = feeds.all()
        for f in followed:
            state = f"last sync {f.last_fetch or 'never'}, {len(f.seen)} items"
            error = f", last error: {f.last_error}" if f.last_error else ""
            print(inert(f"{f.label}  {f.url}  ({state}{error})"))
        print(f"{len(followed)} feeds followed")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
    while True:
        report = bot.sync(progress=not args.quiet)
        for result in report.feeds:
            print(inert(result.summary()), file=sys.stderr if result.error else sys.stdout)
            for failure in result.failed:
                print(inert(f"  failed: {failure}"), file=sys.stderr)
            for note in result.notes:
                print(inert(f"  note: {note}"), file=sys.stderr)
        print(report.summary(), flush=True)
        if not args.every:
            return 1 if any(f.error or f.failed for f in report.feeds) else 0
        time.sleep(args.every)  # Ctrl-C here (or between items) ends cleanly


def register(sub: Commands, parents: Parents) -> None:
    feeds = sub.add_parser("feeds", parents=[parents.store], help="follow RSS/Atom feeds")
    feeds.add_argument("action", choices=["add", "list", "remove"])
    feeds.add_argument("url", nargs="?", metavar="URL|NAME", help="the feed (add, remove)")
    feeds.add_argument("--name", help="a name for the feed (add)")
    feeds.set_defaults(func=cmd_feeds)
    sync = sub.add_parser(
        "sync", parents=[parents.store, parents.quiet], help="store new items of followed feeds"
    )
    sync.add_argument("--every", type=interval, metavar="30m", help="keep syncing until Ctrl-C")
    sync.set_defaults(func=cmd_sync)

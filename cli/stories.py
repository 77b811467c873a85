"""Stories: ``stories`` (the events the articles report) and ``timeline`` (one of them in
order, cited)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta

from qa import Assistant

from .common import Commands, Parents, inert, interval, settings, show


def since(value: str) -> float | date:
    """``7d``, ``12h`` (how far back) or a day ``2023-09-11``."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return interval(value, least=0)


def cmd_stories(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
    if args.regroup:
        print(f"grouped {bot.regroup()} articles into stories")
    start = args.since
    if isinstance(start, float):
        start = (args.today or date.today()) - timedelta(seconds=start)
    found = bot.stories(start, args.limit)
    if args.json:
        print(json.dumps([s.model_dump() for s in found], indent=2))
    elif not found:
        print(f"no story has an article dated since {start}" if start else "no stories yet")
    else:
        print(inert("\n".join(s.line() for s in found)))
    if not bot.stories_grouped:
        print(
            "note: some stored articles are in no story yet (stored before stories): "
            "`article-qa stories --regroup` groups them (the next ingest or sync does too)",
            file=sys.stderr,
        )
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    show(Assistant(settings(args)).timeline(args.story), args.json)
    return 0


def register(sub: Commands, parents: Parents) -> None:
    stories = sub.add_parser(
        "stories",
        parents=[parents.store, parents.json, parents.today],
        help="the events the articles report, across outlets and days",
    )
    stories.add_argument(
        "--since", type=since, metavar="7d",
        help="stories with an article this recent (12h, 7d) or since a day (2023-09-11)",
    )  # fmt: skip
    stories.add_argument("--limit", type=int, metavar="N", help="at most N stories")
    stories.add_argument(
        "--regroup", action="store_true", help="group every stored article anew first"
    )
    stories.set_defaults(func=cmd_stories)
    timeline = sub.add_parser(
        "timeline",
        parents=[parents.store, parents.json],
        help="a story's developments in order, dated and cited",
    )
    timeline.add_argument("story", help="a story id (from `stories`) or words about it")
    timeline.set_defaults(func=cmd_timeline)

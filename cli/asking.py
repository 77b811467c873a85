"""Asking: ``ask``, ``chat``, ``latest``."""

from __future__ import annotations

import argparse
import sys

from qa import Assistant, Filters, QuestionError

from .common import Commands, Parents, day, inert, interval, settings, show


def cmd_ask(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
    filters = Filters(
        args.since, args.until, tuple(args.source or ()), args.today, story=args.story or ""
    )
    result = bot.ask(args.question, remember=False, filters=filters)
    show(result, args.json)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Questions from standard input, one per line; follow-ups are read with the earlier ones."""
    bot = Assistant(settings(args))
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("? " if interactive else "")
        except EOFError:
            return 0
        if not line.strip():
            continue
        try:
            result = bot.ask(line, reference_date=args.today)
        except QuestionError as exc:
            print(inert(f"error: {exc}"), file=sys.stderr)
            continue
        if result.standalone and result.standalone != result.question:
            print(inert(f"(searched for: {result.standalone})"))
        print(inert(str(result)), end="\n\n", flush=True)


def cmd_latest(args: argparse.Namespace) -> int:
    result = Assistant(settings(args)).latest(args.since, today=args.today)
    show(result, args.json)
    return 0


def register(sub: Commands, parents: Parents) -> None:
    ask = sub.add_parser(
        "ask",
        parents=[parents.store, parents.llm, parents.json, parents.today],
        help="answer a question with citations",
    )
    ask.add_argument("question")
    ask.add_argument("-k", "--top-k", type=int, help="passages to retrieve")
    ask.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="articles from this day")
    ask.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="articles up to this day")
    ask.add_argument(
        "--source", action="append", metavar="SITE", help="only this source (repeatable)"
    )
    ask.add_argument("--story", metavar="ID", help="only this story's articles (see `stories`)")
    ask.add_argument(
        "--mode", choices=["hybrid", "dense", "bm25"], help="retrieval (ARTICLE_QA_RETRIEVAL_MODE)"
    )
    ask.set_defaults(func=cmd_ask)
    chat = sub.add_parser(
        "chat",
        parents=[parents.store, parents.llm, parents.today],
        help="ask several questions; follow-ups use the earlier ones",
    )
    chat.set_defaults(func=cmd_chat)
    latest = sub.add_parser(
        "latest",
        parents=[parents.store, parents.json, parents.today],
        help="the newest stories, cited",
    )
    latest.add_argument(
        "--since", type=lambda v: interval(v, least=0) / 86400, default=2.0, metavar="2d",
        help="how far back (e.g. 12h, 2d, 1w as 7d)",
    )  # fmt: skip
    latest.set_defaults(func=cmd_latest)

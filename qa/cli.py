"""The command line: ``article-qa ingest | ask | list | remove | serve``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from .query import parse_day
from .settings import Settings


def inert(text: str) -> str:
    """``text`` safe to print on a terminal: anything non-printable (escape sequences, bidi
    overrides, other controls) shown as an escape code instead of acting on the terminal."""
    return "".join(
        ch if ch.isprintable() or ch in "\n\t" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "store", None):
        overrides["store_dir"] = args.store
    if getattr(args, "chroma_url", None):
        overrides["chroma_url"] = args.chroma_url
    if getattr(args, "llm", None) is not None:
        overrides["llm"] = args.llm
    if getattr(args, "top_k", None):
        overrides["top_k"] = args.top_k
    if getattr(args, "mode", None):
        overrides["retrieval_mode"] = args.mode
    if getattr(args, "auth", None):
        overrides["auth"] = args.auth
    return Settings(**overrides)


def _show(result: BaseModel, as_json: bool) -> None:
    """An answer or digest on standard output: as JSON, or as text made inert."""
    print(result.model_dump_json(indent=2) if as_json else inert(str(result)))


def _day(value: str) -> date:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_ingest(args: argparse.Namespace) -> int:
    from .assistant import Assistant

    bot = Assistant(_settings(args))
    report = bot.ingest(args.paths, progress=not args.quiet and not args.json)
    if args.json:
        print(
            json.dumps(
                {
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "failed": [{"path": e.path, "reason": e.reason} for e in report.failed],
                    "chunks_written": report.chunks_written,
                    "chunks_stored": bot.count(),
                    "seconds": round(report.seconds, 3),
                },
                indent=2,
            )
        )
    else:
        for error in report.failed:
            print(inert(f"failed: {error.path}: {error.reason}"), file=sys.stderr)
        for warning in report.warnings:
            print(inert(f"warning: {warning}"), file=sys.stderr)
        print(report.summary() + f"; {bot.count()} chunks in {bot.store.location}")
    if not report.items and not report.failed:
        print("nothing to ingest: no supported files found", file=sys.stderr)
        return 1
    return 1 if report.failed else 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .assistant import Assistant
    from .query import Filters

    bot = Assistant(_settings(args))
    filters = Filters(args.since, args.until, tuple(args.source or ()), args.today)
    result = bot.ask(args.question, remember=False, filters=filters)
    _show(result, args.json)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Questions from standard input, one per line; follow-ups are read with the earlier ones."""
    from .assistant import Assistant, QuestionError

    bot = Assistant(_settings(args))
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


def cmd_list(args: argparse.Namespace) -> int:
    from .assistant import Assistant

    bot = Assistant(_settings(args))
    articles = bot.articles()
    if args.json:
        print(json.dumps([asdict(a) for a in articles], indent=2))
        return 0
    for a in articles:
        print(inert(f"{a.id}  {a.date or '----------'}  {a.title}  ({a.chunks} chunks)"))
    print(f"{len(articles)} articles, {bot.count()} chunks in {bot.store.location}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from .assistant import Assistant

    bot = Assistant(_settings(args))
    status = 0
    for ref in args.refs:
        matches = bot.find(ref)
        if not matches:
            print(f"no stored article matches '{ref}' (see `article-qa list`)", file=sys.stderr)
            status = 1
        elif len(matches) > 1 and not args.all:
            print(
                f"'{ref}' matches {len(matches)} articles; give a longer id or pass --all",
                file=sys.stderr,
            )
            status = 1
        else:
            for a in matches:
                n = bot.remove(a.id)
                print(inert(f"removed {a.title!r} ({n} chunks)"))
    return status


def cmd_feeds(args: argparse.Namespace) -> int:
    from .assistant import Assistant

    if args.action != "list" and not args.url:
        print(f"error: `article-qa feeds {args.action}` needs the feed's URL", file=sys.stderr)
        return 2
    feeds = Assistant(_settings(args)).feeds
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
    import time

    from .assistant import Assistant

    bot = Assistant(_settings(args))
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


def _interval(value: str, least: float = 60) -> float:
    """``30m``, ``2h``, ``45s``, ``2d`` or seconds → seconds (at least ``least``)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = value.strip().lower()
    try:
        seconds = float(text[:-1]) * units[text[-1]] if text[-1:] in units else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not an interval like 30m or 2h") from None
    if seconds < least:
        raise argparse.ArgumentTypeError(f"give at least {least:.0f} s (e.g. 30m)")
    return seconds


def cmd_latest(args: argparse.Namespace) -> int:
    from .assistant import Assistant

    result = Assistant(_settings(args)).latest(args.since, today=args.today)
    _show(result, args.json)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from .assistant import Assistant

    bot = Assistant(_settings(args))
    embedded = bot.reindex(progress=not args.quiet)
    who = bot.embeddings.identity
    print(
        f"{bot.count()} chunks in {bot.store.location} now embedded with {who.model} "
        f"({who.backend}); {embedded} embedded in this run"
    )
    return 0


def cmd_build_models(args: argparse.Namespace) -> int:
    """Build the int8 ONNX models now (``make install`` does), instead of on first use."""
    from vectorstore import SentenceEmbeddings

    from .reader import Reader

    settings = _settings(args)
    embeddings = SentenceEmbeddings(settings.embedding_model, "onnx")
    embeddings.embed_array(["a sentence to check the model with"])
    Reader(settings.reader_dir, backend="onnx").read("a question?", ["a sentence."])
    print("int8 ONNX models ready (ARTICLE_QA_BACKEND=onnx)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        from web import serve
    except ImportError as exc:
        print(f"the web page is not available: {exc}", file=sys.stderr)
        return 1
    from .assistant import Assistant

    serve(Assistant(settings), host=args.host, port=args.port, share=args.share)
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", metavar="DIR", help="store folder (ARTICLE_QA_STORE_DIR)")
    common.add_argument(
        "--chroma-url", metavar="URL", help="Chroma server instead (ARTICLE_QA_CHROMA_URL)"
    )
    p = argparse.ArgumentParser(
        prog="article-qa",
        description="Ask questions about news articles; every answer cites its passages.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", parents=[common], help="add articles (files or folders)")
    ing.add_argument("paths", nargs="+", metavar="PATH")
    ing.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ing.add_argument("--json", action="store_true", help="print the summary as JSON")
    ing.set_defaults(func=cmd_ingest)

    ask = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("-k", "--top-k", type=int, help="passages to retrieve")
    ask.add_argument("--llm", help="chat model, e.g. openai:gpt-4o-mini ('' = offline)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="articles from this day")
    ask.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="articles up to this day")
    ask.add_argument(
        "--source", action="append", metavar="SITE", help="only this source (repeatable)"
    )
    ask.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help='the date "this week" and "yesterday" are relative to (default: today)',
    )
    ask.add_argument(
        "--mode", choices=["hybrid", "dense", "bm25"], help="retrieval (ARTICLE_QA_RETRIEVAL_MODE)"
    )
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser(
        "chat", parents=[common], help="ask several questions; follow-ups use the earlier ones"
    )
    chat.add_argument("--llm", help="chat model, e.g. openai:gpt-4o-mini ('' = offline)")
    chat.add_argument("--today", type=_day, metavar="YYYY-MM-DD")
    chat.set_defaults(func=cmd_chat)

    lst = sub.add_parser("list", parents=[common], help="list stored articles")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)

    rm = sub.add_parser("remove", parents=[common], help="remove stored articles")
    rm.add_argument("refs", nargs="+", metavar="ID|URL|TITLE")
    rm.add_argument("--all", action="store_true", help="remove every match")
    rm.set_defaults(func=cmd_remove)

    feeds = sub.add_parser("feeds", parents=[common], help="follow RSS/Atom feeds")
    feeds.add_argument("action", choices=["add", "list", "remove"])
    feeds.add_argument("url", nargs="?", metavar="URL|NAME", help="the feed (add, remove)")
    feeds.add_argument("--name", help="a name for the feed (add)")
    feeds.set_defaults(func=cmd_feeds)
    sync = sub.add_parser("sync", parents=[common], help="store new items of followed feeds")
    sync.add_argument("--every", type=_interval, metavar="30m", help="keep syncing until Ctrl-C")
    sync.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sync.set_defaults(func=cmd_sync)
    latest = sub.add_parser("latest", parents=[common], help="the newest stories, cited")
    latest.add_argument(
        "--since", type=lambda v: _interval(v, least=0) / 86400, default=2.0, metavar="2d",
        help="how far back (e.g. 12h, 2d, 1w as 7d)",
    )  # fmt: skip
    latest.add_argument("--today", type=_day, metavar="YYYY-MM-DD", help="the reference day")
    latest.add_argument("--json", action="store_true", help="the digest as JSON")
    latest.set_defaults(func=cmd_latest)

    rei = sub.add_parser(
        "reindex",
        parents=[common],
        help="re-embed the stored articles with the configured embedding model",
    )
    rei.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rei.set_defaults(func=cmd_reindex)
    build = sub.add_parser("build-models", help="build the int8 ONNX models (once per machine)")
    build.set_defaults(func=cmd_build_models)

    srv = sub.add_parser("serve", parents=[common], help="serve the chat page")
    srv.add_argument(
        "--host",
        default=os.environ.get("ARTICLE_QA_HOST", "127.0.0.1"),
        help="address to listen on (0.0.0.0: every interface)",
    )
    srv.add_argument("--port", type=int, default=int(os.environ.get("ARTICLE_QA_PORT", 7860)))
    srv.add_argument("--share", action="store_true", help="create a public Gradio share link")
    srv.add_argument(
        "--auth",
        metavar="USER:PASS",
        help="password-protect the page (or ARTICLE_QA_AUTH; several: 'a:pw1,b:pw2')",
    )
    srv.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``article-qa`` command."""
    args = parser().parse_args(argv)
    from sources import FeedListError, InputError
    from vectorstore import StoreError

    from .assistant import EmptyStoreError, QuestionError
    from .llm import LLMError
    from .reader import ReaderError

    try:
        return int(args.func(args))
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        print(f"error: invalid settings: {details}", file=sys.stderr)
    except (
        EmptyStoreError,
        QuestionError,
        StoreError,
        InputError,
        FeedListError,
        LLMError,
        ReaderError,
    ) as exc:
        print(inert(f"error: {exc}"), file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""The collection: ``ingest``, ``list``, ``remove``, ``reindex``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from qa import Assistant

from .common import Commands, Parents, inert, settings


def cmd_ingest(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
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


def cmd_list(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
    articles = bot.articles()
    if args.json:
        print(json.dumps([asdict(a) for a in articles], indent=2))
        return 0
    for a in articles:
        print(inert(f"{a.id}  {a.date or '----------'}  {a.title}  ({a.chunks} chunks)"))
    print(f"{len(articles)} articles, {bot.count()} chunks in {bot.store.location}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
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


def cmd_reindex(args: argparse.Namespace) -> int:
    bot = Assistant(settings(args))
    embedded = bot.reindex(progress=not args.quiet)
    who = bot.embeddings.identity
    print(
        f"{bot.count()} chunks in {bot.store.location} now embedded with {who.model} "
        f"({who.backend}); {embedded} embedded in this run"
    )
    return 0


def register(sub: Commands, parents: Parents) -> None:
    shared = [parents.store, parents.quiet, parents.json]
    ing = sub.add_parser("ingest", parents=shared, help="add articles (files, folders, pages)")
    ing.add_argument("paths", nargs="+", metavar="PATH|URL")
    ing.set_defaults(func=cmd_ingest)
    lst = sub.add_parser("list", parents=[parents.store, parents.json], help="list stored articles")
    lst.set_defaults(func=cmd_list)
    rm = sub.add_parser("remove", parents=[parents.store], help="remove stored articles")
    rm.add_argument("refs", nargs="+", metavar="ID|URL|TITLE")
    rm.add_argument("--all", action="store_true", help="remove every match")
    rm.set_defaults(func=cmd_remove)
    rei = sub.add_parser(
        "reindex",
        parents=[parents.store, parents.quiet],
        help="re-embed the stored articles with the configured embedding model",
    )
    rei.set_defaults(func=cmd_reindex)

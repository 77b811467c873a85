"""Feedback: ``feedback`` (the votes the page's readers gave answers)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from qa import Assistant

from .common import Commands, Parents, settings


def cmd_feedback(args: argparse.Namespace) -> int:
    """Count the votes kept beside the store; with ``--export``, write them out as JSON
    lines (``-`` for standard output)."""
    log = Assistant(settings(args)).feedback
    votes = list(log.lines())
    counts = Counter(v.get("vote") for v in votes)
    said = f"{len(votes)} votes ({counts['like']} like, {counts['dislike']} dislike) in {log.path}"
    if args.export is None:
        print(said)
        return 0
    lines = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in votes)
    if args.export == "-":
        sys.stdout.write(lines)
    else:
        with open(args.export, "w", encoding="utf-8") as fh:
            fh.write(lines)
        print(f"{said}; written to {args.export}", file=sys.stderr)
    return 0


def register(sub: Commands, parents: Parents) -> None:
    fb = sub.add_parser(
        "feedback", parents=[parents.store], help="the page's likes and dislikes of answers"
    )
    fb.add_argument(
        "--export", metavar="PATH", help="write every vote as JSON lines to PATH ('-': stdout)"
    )
    fb.set_defaults(func=cmd_feedback)

"""The ``article-qa`` command: one sub-command group per module, every one through
``qa.Assistant``; errors become one line and an exit status (2), never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from qa import (
    EmptyStoreError,
    FeedListError,
    InputError,
    LLMError,
    ModelError,
    QuestionError,
    StoreError,
)

from . import asking, collection, feedback, feeds, serving, stories
from .common import Parents, inert

GROUPS = (collection, asking, stories, feeds, feedback, serving)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="article-qa",
        description="Ask questions about news articles; every answer cites its passages.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    parents = Parents()
    for group in GROUPS:
        group.register(sub, parents)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``article-qa`` command."""
    args = parser().parse_args(argv)
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
        ModelError,
    ) as exc:
        print(inert(f"error: {exc}"), file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""What every command shares: the option parents, the settings they make, and printing
that nothing stored can abuse."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from pydantic import BaseModel

from qa import Settings, parse_day


def inert(text: str) -> str:
    """``text`` safe to print on a terminal: anything non-printable (escape sequences, bidi
    overrides, other controls) shown as an escape code instead of acting on the terminal."""
    return "".join(
        ch if ch.isprintable() or ch in "\n\t" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def settings(args: argparse.Namespace) -> Settings:
    """The settings: the environment's, with the command's options over them."""
    overrides: dict[str, Any] = {}
    for option, field in (
        ("store", "store_dir"),
        ("chroma_url", "chroma_url"),
        ("top_k", "top_k"),
        ("mode", "retrieval_mode"),
    ):
        if getattr(args, option, None):
            overrides[field] = getattr(args, option)
    if getattr(args, "llm", None) is not None:
        overrides["llm"] = args.llm
    return Settings(**overrides)


def show(result: BaseModel, as_json: bool) -> None:
    """An answer or digest on standard output: as JSON, or as text made inert."""
    print(result.model_dump_json(indent=2) if as_json else inert(str(result)))


def day(value: str) -> date:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def interval(value: str, least: float = 60) -> float:
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


class Parents:
    """The option groups commands share, each declared once."""

    def __init__(self) -> None:
        self.store = argparse.ArgumentParser(add_help=False)
        self.store.add_argument(
            "--store", metavar="DIR", help="store folder (ARTICLE_QA_STORE_DIR)"
        )
        self.store.add_argument(
            "--chroma-url", metavar="URL", help="Chroma server instead (ARTICLE_QA_CHROMA_URL)"
        )
        self.json = argparse.ArgumentParser(add_help=False)
        self.json.add_argument("--json", action="store_true", help="print the result as JSON")
        self.quiet = argparse.ArgumentParser(add_help=False)
        self.quiet.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        self.llm = argparse.ArgumentParser(add_help=False)
        self.llm.add_argument("--llm", help="chat model, e.g. openai:gpt-4o-mini ('' = offline)")
        self.today = argparse.ArgumentParser(add_help=False)
        self.today.add_argument(
            "--today",
            type=day,
            metavar="YYYY-MM-DD",
            help='the date "this week" and "yesterday" are relative to (default: today)',
        )


Commands = Any  # argparse's sub-parser action (a private class)

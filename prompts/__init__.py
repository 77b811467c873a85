"""Prompt templates, kept as Markdown files beside this module and loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The text of ``prompts/<name>.md``."""
    path = resources.files(__package__) / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt template named '{name}' (looked for {name}.md)")
    return path.read_text(encoding="utf-8")

"""Serving the page: seed an empty store with the bundled articles, launch, report where."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import gradio as gr

from qa import Assistant, ModelError, StoreError

from .page import create_demo
from .settings import PageSettings


def seed(bot: Assistant, folder: Path | None) -> None:
    """Ingest ``folder`` (the bundled articles) when the store is empty (a fresh Space, a
    first run)."""
    if folder and folder.is_dir() and bot.count() == 0:
        report = bot.ingest([folder])
        print(f"article-qa: the store was empty; ingested {folder}: {report.summary()}")


def serve(
    bot: Assistant,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    share: bool = False,
    block: bool = True,
    page: gr.Blocks | None = None,
    settings: PageSettings | None = None,
) -> gr.Blocks:
    """Serve the page over ``bot`` (``page``, if already built for it), set up by
    ``settings`` (default: the environment's); with ``share``, a public link where one can
    be made."""
    settings = settings or PageSettings()
    page = page or create_demo(bot, settings)
    try:
        seed(bot, settings.seed_dir)
    except (StoreError, ModelError) as exc:
        print(f"article-qa: {exc}", file=sys.stderr)
    said = io.StringIO()
    with contextlib.redirect_stdout(said):  # Gradio's own share-link failure is a page long
        page.launch(
            server_name=host,
            server_port=port,
            share=share,
            auth=settings.auth_pairs() or None,
            max_file_size=bot.settings.upload_bytes,
            prevent_thread_lock=True,
            quiet=True,
            footer_links=["api"],
        )
    where = f"http://{host}:{page.server_port}"
    if share and not page.share_url:
        why = next(
            (line.strip() for line in said.getvalue().splitlines() if "share link" in line),
            "Could not create share link.",
        )
        print(
            f"article-qa: no share link ({why.split('. Please')[0].rstrip('.')}; "
            "is this machine offline?): serving locally only.",
            file=sys.stderr,
        )
    print(f"article-qa: serving on {where}" + (f" and {page.share_url}" if page.share_url else ""))
    if block:
        page.block_thread()
    return page

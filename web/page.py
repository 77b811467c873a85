"""The page: its layout (``web.layout``) with its events (``web.events``) over one
``Assistant``, passed in."""

from __future__ import annotations

import gradio as gr

from qa import Assistant, Settings

from .events import Events, register_events
from .layout import build_layout


def create_demo(bot: Assistant | Settings | None = None) -> gr.Blocks:
    """The page answering with ``bot`` (or an ``Assistant`` built from these settings, or
    from the environment). Cheap: nothing is loaded until the first question."""
    if not isinstance(bot, Assistant):
        bot = Assistant(bot)
    with gr.Blocks(title="article-qa", fill_height=True) as demo:
        ui = build_layout(bot.settings)
        register_events(demo, ui, Events(bot))
    demo.queue(default_concurrency_limit=bot.settings.concurrency, max_size=bot.settings.queue_size)
    return demo

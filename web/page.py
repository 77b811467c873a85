"""The page: its layout (``web.layout``) with its events (``web.events``) over one
``Assistant``, passed in."""

from __future__ import annotations

import gradio as gr

from qa import Assistant, Settings

from .events import Events, register_events
from .layout import build_layout
from .settings import PageSettings
from .stories_panel import StoriesPanel


def create_demo(
    bot: Assistant | Settings | None = None, page: PageSettings | None = None
) -> gr.Blocks:
    """The page answering with ``bot`` (or an ``Assistant`` built from these settings, or
    from the environment), set up by ``page`` (default: the environment's). Cheap: nothing
    is loaded until the first question."""
    if not isinstance(bot, Assistant):
        bot = Assistant(bot)
    page = page or PageSettings()
    with gr.Blocks(title="article-qa", fill_height=True) as demo:
        ui = build_layout(bot.settings, page, StoriesPanel(bot))
        register_events(demo, ui, Events(bot, page))
        ui.stories.register(demo)
    demo.queue(default_concurrency_limit=page.concurrency, max_size=page.queue_size)
    return demo

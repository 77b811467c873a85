"""The Stories panel: the events the articles report (latest first), a picked story's
timeline, and "Ask about this story", which limits the chat's questions to its articles
until "All articles" is clicked. The panel owns its layout (``build``) and its events
(``register``); the chat reads the story it scopes to from ``scope``."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from qa import Assistant, ModelError, QuestionError, StoreError, Story

from .render import STORIES_EMPTY, text, timeline_html

STORIES_LISTED = 100  # stories in the picker, the latest first
log = logging.getLogger(__name__)


def story_label(story: Story) -> str:
    when = story.last or "undated"
    n = len(story.articles)
    return f"{when} · {story.title[:90]} ({n} article{'s' * (n != 1)})"


class StoriesPanel:
    """The Stories panel over one ``Assistant``."""

    def __init__(self, bot: Assistant) -> None:
        self.bot = bot

    def build(self) -> None:
        """Lay out the panel (inside the current Blocks and column)."""
        with gr.Accordion("Stories", open=False, elem_id="stories-panel"):
            self.pick = gr.Dropdown(
                [], value=None, label="Story", elem_id="story-pick", interactive=True
            )
            self.timeline = gr.HTML(timeline_html(None, None), elem_id="timeline")
            with gr.Row():
                self.ask_here = gr.Button("Ask about this story", size="sm", elem_id="story-ask")
                self.refresh = gr.Button("Refresh", size="sm", elem_id="story-refresh")

    def build_scope(self) -> None:
        """The line over the question box naming the story questions are limited to."""
        self.scope = gr.State("")  # the story the chat's questions are limited to
        with gr.Row(elem_id="story-scope-row"):
            self.note = gr.Markdown(elem_id="story-scope")
            self.unscope = gr.Button("All articles", size="sm", visible=False, elem_id="story-all")

    def register(self, demo: gr.Blocks) -> None:
        """Wire the panel's events."""
        demo.load(self.choices, None, [self.pick], api_visibility="private")
        self.refresh.click(self.choices, None, [self.pick], api_visibility="private")
        self.pick.change(self.show, [self.pick], [self.timeline], api_visibility="private")
        self.ask_here.click(
            self.scope_to,
            [self.pick],
            [self.scope, self.note, self.unscope],
            api_visibility="private",
        )
        self.unscope.click(
            lambda: ("", "", gr.update(visible=False)),
            None,
            [self.scope, self.note, self.unscope],
            api_visibility="private",
        )

    def choices(self) -> Any:
        try:
            stories = self.bot.stories(limit=STORIES_LISTED)
        except (StoreError, ModelError) as exc:
            log.warning("article-qa: stories could not be listed: %s", exc)
            stories = []
        return gr.update(choices=[(story_label(s), s.id) for s in stories], value=None)

    def show(self, story_id: str | None) -> str:
        """The picked story's timeline."""
        story = self._story(story_id)
        if story is None:
            return timeline_html(None, None)
        return timeline_html(story, self.bot.timeline(story.id))

    def scope_to(self, story_id: str | None) -> tuple[str, str, Any]:
        story = self._story(story_id)
        if story is None:
            return "", f"*{text(STORIES_EMPTY)}*", gr.update(visible=False)
        note = f"🔎 Questions are about **{text(story.title)}** ({len(story.articles)} articles)"
        return story.id, note, gr.update(visible=True)

    def _story(self, story_id: str | None) -> Story | None:
        if not isinstance(story_id, str) or not story_id.strip() or len(story_id) > 64:
            return None
        try:
            return self.bot.story(story_id) if self._known(story_id) else None
        except (StoreError, ModelError, QuestionError):
            return None

    def _known(self, story_id: str) -> bool:
        """Only a stored story's id (a hand-made event's value searches nothing)."""
        return bool(self.bot.store.story_ledger().articles_of(story_id))

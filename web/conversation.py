"""The chat's conventions: retry, undo and edit a question; questions to ask next under an
answer; the chat kept in the browser across a reload; the chat exported as Markdown with
its numbered sources.

The chat is two lists held per visitor: the questions as asked and their answers (an
``Answer``, or None where none came). What the chat shows is always rendered from them
(``chat_messages``), so a chat restored from the browser — which a visitor can write
anything into — is read back through ``Answer``'s validation and shown escaped, like any
other.
"""

from __future__ import annotations

import html
import logging
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa import Answer

from .render import answer_markdown, chat_export, sources_html, text

log = logging.getLogger(__name__)
KEPT_TURNS = 50  # turns of a chat kept in the browser (older ones are dropped)
KEPT_CHARS = 2000  # a question longer than this is not restored
EXPORT_HOURS = 1.0  # exported files older than this are removed
FOLLOW_UPS = 3  # buttons under the chat


def chat_messages(asked: list[str], answers: list[Answer | None]) -> list[dict[str, str]]:
    """The chat as the Chatbot shows it, from the questions and their answers."""
    messages = []
    for turn, (question, answer) in enumerate(zip(asked, answers, strict=True)):
        messages.append({"role": "user", "content": text(question)})
        shown = answer_markdown(answer, turn) if answer else "⚠️ No answer came for this question."
        messages.append({"role": "assistant", "content": shown})
    return messages


def keep(asked: list[str], answers: list[Answer | None]) -> dict[str, Any]:
    """What the browser keeps of a chat (``restore`` reads it back)."""
    turns = list(zip(asked, answers, strict=True))[-KEPT_TURNS:]
    return {
        "version": 1,
        "turns": [{"question": q, "answer": a.model_dump() if a else None} for q, a in turns],
    }


def restore(kept: Any) -> tuple[list[str], list[Answer | None]]:
    """The questions and answers of a kept chat; nothing of one that is not what ``keep``
    wrote (a visitor can put anything in their browser's storage)."""
    asked: list[str] = []
    answers: list[Answer | None] = []
    try:
        if not isinstance(kept, dict) or kept.get("version") != 1:
            return [], []
        for turn in kept["turns"][-KEPT_TURNS:]:
            question = turn["question"]
            if not isinstance(question, str) or len(question) > KEPT_CHARS:
                return [], []
            answer = turn["answer"]
            asked.append(question)
            answers.append(None if answer is None else Answer.model_validate(answer))
    except (KeyError, TypeError, ValueError) as exc:  # pydantic's errors are ValueErrors
        log.info("article-qa: a chat kept in a browser could not be restored (%s)", exc)
        return [], []
    return asked, answers


def export_file(asked: list[str], answers: list[Answer | None]) -> str | None:
    """The chat as a Markdown file (questions, answers, numbered sources with links), for
    the Export button; None for an empty chat."""
    if not asked:
        return None
    folder = Path(tempfile.gettempdir()) / "article-qa-exports"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.md"):
        if time.time() - old.stat().st_mtime > EXPORT_HOURS * 3600:
            old.unlink(missing_ok=True)
    path = folder / f"article-qa-chat-{uuid.uuid4().hex[:12]}.md"
    path.write_text(chat_export(asked, answers), encoding="utf-8")
    return str(path)


def follow_up_buttons(suggested: list[str]) -> list[Any]:
    """The follow-up buttons' updates: one per suggestion, the rest hidden."""
    return [
        gr.update(value=q, visible=True) if i < len(suggested) else gr.update(visible=False)
        for i, q in enumerate((suggested + [""] * FOLLOW_UPS)[:FOLLOW_UPS])
    ]


class Conversation:
    """The handlers of retry, undo, edit, reload and export, over the page's ``respond``
    (``web.events.Events``), whose inputs they take after their own event data."""

    def __init__(self, respond: Any) -> None:
        self.respond = respond

    def retry(
        self,
        asked: list[str],
        answers: list[Answer | None],
        k: int,
        choice: str,
        since: str,
        until: str,
        source: str,
        story: str,
        data: gr.RetryData,
    ) -> Iterator[tuple[Any, ...]]:
        """Ask a question again (and drop what came after it)."""
        turn = _turn(data.index, len(asked))
        if turn is None:
            return
        settings = (k, choice, since, until, source, story)
        yield from self._ask_again(asked[turn], turn, asked, answers, settings)

    def edit(
        self,
        asked: list[str],
        answers: list[Answer | None],
        k: int,
        choice: str,
        since: str,
        until: str,
        source: str,
        story: str,
        data: gr.EditData,
    ) -> Iterator[tuple[Any, ...]]:
        """Ask an edited question in its place (and drop what came after it)."""
        turn = _turn(data.index, len(asked))
        value = data.value.get("text", "") if isinstance(data.value, dict) else data.value
        if turn is None or not isinstance(value, str) or not value.strip():
            return
        settings = (k, choice, since, until, source, story)
        yield from self._ask_again(html.unescape(value), turn, asked, answers, settings)

    def _ask_again(
        self,
        question: str,
        turn: int,
        asked: list[str],
        answers: list[Answer | None],
        settings: tuple[Any, ...],
    ) -> Iterator[tuple[Any, ...]]:
        earlier, kept = asked[:turn], answers[:turn]
        yield from self.respond(question, chat_messages(earlier, kept), kept, earlier, *settings)

    def undo(
        self, asked: list[str], answers: list[Answer | None], data: gr.UndoData
    ) -> tuple[Any, ...]:
        """Take back a question and its answer (and what came after); the question goes
        back into the box to be changed."""
        turn = _turn(data.index, len(asked))
        if turn is None:
            return (gr.skip(),) * (6 + FOLLOW_UPS)
        earlier, kept = asked[:turn], answers[:turn]
        return (
            chat_messages(earlier, kept),
            kept,
            earlier,
            sources_html(kept),
            asked[turn],
            export_file(earlier, kept),
            *follow_up_buttons([]),
        )

    def reload(self, kept: Any) -> tuple[Any, ...]:
        """The chat the browser kept, shown again after a reload."""
        asked, answers = restore(kept)
        return (
            chat_messages(asked, answers),
            answers,
            asked,
            sources_html(answers),
            export_file(asked, answers),
        )


def _turn(index: Any, turns: int) -> int | None:
    """The turn of the chat message at ``index`` (a question and its answer are a turn);
    None for anything else (a hand-made event)."""
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index // 2 < turns:
        return None
    return index // 2

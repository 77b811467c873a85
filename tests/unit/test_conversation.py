"""The chat kept in a browser and exported: what is kept comes back the same, anything
else comes back as no chat; the export names every source with its link."""

from __future__ import annotations

from typing import Any

import pytest

from qa import Answer, Citation, follow_ups
from web.conversation import chat_messages, keep, restore
from web.render import chat_export


def _answer(question: str = "What does Kim want?") -> Answer:
    cite = Citation(
        number=1, article_id="a1", title="Kim [visits] Russia", source="Wire", date="2023-09-11",
        url="https://example.com/kim", passage="Kim wants satellites, Andrei Lankov, a professor "
        "in Seoul, said. President Vladimir Putin wants shells.", start=0, end=10,
        quote="Kim wants satellites.", score=0.5,
    )  # fmt: skip
    return Answer(question=question, text="Kim wants satellites [1].", citations=[cite],
                  answerer="offline")  # fmt: skip


def test_a_kept_chat_comes_back_and_renders_escaped() -> None:
    asked = ["What does Kim want? <b>", "and then?"]
    answers: list[Answer | None] = [_answer(), None]
    assert restore(keep(asked, answers)) == (asked, answers)
    messages = chat_messages(asked, answers)
    assert messages[0]["content"] == "What does Kim want? &#60;b&#62;"
    assert 'href="#src-0-1"' in messages[1]["content"] and "No answer" in messages[3]["content"]


@pytest.mark.parametrize(
    "kept",
    [
        None,
        "not a chat",
        {"version": 2, "turns": []},
        {"version": 1, "turns": [{"question": 1, "answer": None}]},
        {"version": 1, "turns": [{"question": "q", "answer": {"text": 1}}]},
        {"version": 1, "turns": [{"question": "q" * 5000, "answer": None}]},
        {"version": 1},
    ],
)
def test_anything_else_in_the_browser_is_no_chat(kept: Any) -> None:
    assert restore(kept) == ([], [])


def test_the_export_has_each_source_with_its_link() -> None:
    exported = chat_export(["What does Kim want?", "And Putin?"], [_answer(), None])
    assert "## 1. What does Kim want?" in exported and "Kim wants satellites [1]." in exported
    assert "1. [Kim (visits) Russia](https://example.com/kim) — Wire, 2023-09-11" in exported
    assert "   > Kim wants satellites." in exported
    assert "## 2. And Putin?" in exported and "(no answer came" in exported


def test_follow_ups_name_who_the_passages_quote_and_the_other_side() -> None:
    suggested = follow_ups(_answer("What does Kim want from Russia?"))
    assert suggested[0] == "And what does Putin get in return?"
    assert "What did Andrei Lankov say?" in suggested and len(suggested) <= 3
    assert follow_ups(_answer().model_copy(update={"refused": True})) == []


@pytest.mark.parametrize("index", ["0", None, True, -2, 7, [], [99], {"a": 1}])
def test_a_hand_made_undo_or_retry_changes_nothing(index: Any) -> None:
    """Event data comes from the visitor's browser: an index that is no question of this
    chat is ignored (nothing asked again, nothing taken back)."""
    from types import SimpleNamespace

    from web.conversation import FOLLOW_UPS, Conversation

    asked, answers = ["What does Kim want?"], [_answer()]
    talk = Conversation(lambda *a: iter([("asked again",)]))
    data: Any = SimpleNamespace(index=index, value="What does Kim want?")
    assert len(talk.undo(asked, answers, data)) == 6 + FOLLOW_UPS
    assert all(not isinstance(x, list) for x in talk.undo(asked, answers, data))
    assert list(talk.retry(asked, answers, 3, "", "", "", "", "", data)) == []
    assert list(talk.edit(asked, answers, 3, "", "", "", "", "", data)) == []

"""The chat's conventions in a real browser (Debian's chromium, Playwright): retry, undo
and edit a question; a suggested follow-up clicked and answered; the chat kept across a
reload (and a hand-made one in the browser's storage refused); the chat exported as
Markdown with its sources."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import ANSWER_TIMEOUT, ask, last_answer, open_page

pytestmark = pytest.mark.browser
KIM = "What does Kim want from Russia?"
TRAIN = "How is Kim traveling to Russia?"


def _user_messages(tab: Page) -> list[str]:
    return [t.strip() for t in tab.locator("#chat .message.user").all_inner_texts()]


def _wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the page did not get there in time"
        time.sleep(0.2)


def test_retry_undo_and_edit(sample_page: Any, tab: Page) -> None:
    open_page(tab, sample_page.url)
    ask(tab, TRAIN)
    expect(last_answer(tab)).to_contain_text("armored train", timeout=ANSWER_TIMEOUT)
    ask(tab, KIM)
    expect(last_answer(tab)).to_contain_text("satellites", timeout=ANSWER_TIMEOUT)

    tab.locator("#chat button[aria-label='Retry']").last.click()  # the last answer, again
    _wait_for(lambda: "satellites" in last_answer(tab).inner_text())
    assert _user_messages(tab) == [TRAIN, KIM]

    tab.locator("#chat button[aria-label='Undo']").last.click()  # taken back, to the box
    _wait_for(lambda: _user_messages(tab) == [TRAIN])
    expect(tab.locator("#question textarea")).to_have_value(KIM)
    expect(tab.locator("#sources")).not_to_contain_text(KIM)

    # edit the first question: it is asked in its place
    tab.locator("#chat .message.user").first.hover()
    tab.locator("#chat button[aria-label='Edit']").first.click()
    tab.locator("#chat textarea.edit-textarea").fill("What does Kim want from Moscow?")
    tab.locator("#chat button[aria-label='Submit']").click()
    _wait_for(lambda: _user_messages(tab) == ["What does Kim want from Moscow?"])
    expect(last_answer(tab)).not_to_contain_text("armored train", timeout=ANSWER_TIMEOUT)
    expect(last_answer(tab)).to_contain_text("satellites", timeout=ANSWER_TIMEOUT)


def test_a_follow_up_is_offered_and_answered(sample_page: Any, tab: Page) -> None:
    open_page(tab, sample_page.url)
    ask(tab, KIM)
    expect(last_answer(tab)).to_contain_text("satellites", timeout=ANSWER_TIMEOUT)
    offered = tab.locator("#follow-ups button:visible")
    expect(offered.first).to_have_text("And what does Putin get in return?")
    assert 2 <= offered.count() <= 3
    offered.first.click()
    _wait_for(lambda: len(_user_messages(tab)) == 2)
    # read as a follow-up: the other side of the exchange, answered from the articles
    expect(last_answer(tab)).to_contain_text("artillery shells", timeout=ANSWER_TIMEOUT)


def test_the_chat_survives_a_reload_and_exports_as_markdown(
    sample_page: Any, tab: Page, tmp_path: Path
) -> None:
    open_page(tab, sample_page.url)
    ask(tab, KIM)
    expect(last_answer(tab)).to_contain_text("satellites", timeout=ANSWER_TIMEOUT)
    time.sleep(1)  # the browser keeps it after the answer
    tab.reload(wait_until="load")
    expect(last_answer(tab)).to_contain_text("satellites", timeout=60_000)
    assert _user_messages(tab) == [KIM]
    expect(tab.locator("#sources")).to_contain_text("North Korea said Kim Jong Un")

    with tab.expect_download() as download:
        tab.locator("#export").click()
    path = tmp_path / "chat.md"
    download.value.save_as(path)
    exported = path.read_text(encoding="utf-8")
    assert f"## 1. {KIM}" in exported and "satellites" in exported
    assert "Sources:" in exported and "\n1. North Korea said Kim Jong Un" in exported


def test_a_hand_made_chat_in_the_browser_is_not_restored(sample_page: Any, tab: Page) -> None:
    """The browser's storage is the visitor's to write: what is not a chat the page kept
    (here, an answer whose text is markup) is dropped, and the page works on."""
    open_page(tab, sample_page.url)
    forged = {
        "version": 1,
        "turns": [{"question": "<img src=x onerror=alert(1)>", "answer": {"text": 1}}],
    }
    tab.evaluate(
        "v => { for (const k of Object.keys(localStorage)) localStorage.setItem(k, v) }",
        json.dumps(forged),
    )
    tab.reload(wait_until="load")
    expect(tab.locator("#question textarea")).to_be_visible(timeout=60_000)
    time.sleep(2)
    assert _user_messages(tab) == []
    ask(tab, TRAIN)
    expect(last_answer(tab)).to_contain_text("armored train", timeout=ANSWER_TIMEOUT)

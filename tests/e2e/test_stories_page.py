"""The Stories panel in a real browser (Debian's chromium, Playwright): the summit's story
picked, its timeline shown in order with links, "Ask about this story" limiting the chat's
answers to its articles, "All articles" lifting it; a timeline question answered in the
chat. Screenshots of the panel and of a timeline answer are written to docs/ when
``SCREENSHOTS_TO_DOCS`` is set (``make screenshots``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import ANSWER_TIMEOUT, ask, last_answer, open_page
from tests.fixtures.summit import FOLLOW_UPS, OTHER_EVENT, write_articles

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def summit_page(page_factory: Any, sample_store: Path, tmp_path: Path) -> Any:
    page = page_factory(store_dir=sample_store)
    more = write_articles(tmp_path / "more", FOLLOW_UPS + OTHER_EVENT, "more")
    assert page.bot.ingest([more]).added == len(FOLLOW_UPS + OTHER_EVENT)
    return page


def _shot(tab: Page, name: str, target: Any = None) -> None:
    if os.environ.get("SCREENSHOTS_TO_DOCS"):
        (target or tab).screenshot(path=str(DOCS / name))


def test_stories_panel_timeline_and_scoped_questions(summit_page: Any, tab: Page) -> None:
    open_page(tab, summit_page.url)
    tab.locator("#stories-panel").get_by_text("Stories").first.click()
    pick = tab.locator("#story-pick input")
    pick.click()
    options = tab.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("2023-09-15")  # the latest story first
    expect(options.first).to_contain_text("4 articles")
    options.first.click()
    timeline = tab.locator("#timeline")
    expect(timeline.locator("li")).to_have_count(4)
    days = [t[:10] for t in timeline.locator("li").all_inner_texts()]
    assert days == ["2023-09-11", "2023-09-12", "2023-09-13", "2023-09-15"]
    expect(timeline.locator("a[href='https://northern.example/putin-kim-vostochny']")).to_have_text(
        "Northern Wire"
    )
    expect(timeline).to_contain_text("Vostochny cosmodrome")
    _shot(tab, "stories-panel.png", tab.locator("#stories-panel"))

    # ask about this story: answers cite its articles only, until "All articles"
    tab.locator("#story-ask").click()
    expect(tab.locator("#story-scope")).to_contain_text("Questions are about")
    ask(tab, "Kim Putin talks and the lantern festival crowds")
    answer = last_answer(tab)
    expect(answer).to_contain_text("[1]", timeout=ANSWER_TIMEOUT)
    sources = tab.locator("#sources")
    expect(sources).to_contain_text("Vostochny")
    expect(sources).not_to_contain_text("Riverside")  # the other story's articles
    tab.locator("#story-all").click()
    expect(tab.locator("#story-all")).to_be_hidden()
    expect(tab.locator("#story-scope")).not_to_contain_text("Questions are about")


def test_a_timeline_question_in_the_chat(summit_page: Any, tab: Page) -> None:
    open_page(tab, summit_page.url)
    ask(tab, "What has happened with Kim's visit to Russia?")
    answer = last_answer(tab)
    expect(answer).to_contain_text("2023-09-15", timeout=ANSWER_TIMEOUT)
    text = answer.inner_text()
    positions = [
        text.index(day) for day in ("2023-09-11", "2023-09-12", "2023-09-13", "2023-09-15")
    ]
    assert positions == sorted(positions)
    expect(answer.locator("a.aq-cite")).to_have_count(4)
    expect(tab.locator("#sources")).to_contain_text("Vostochny")
    _shot(tab, "timeline.png")

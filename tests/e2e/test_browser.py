"""The page in a real browser: Debian's chromium driven by Playwright.

Covers what only a browser can show: streaming into the chat, clickable citations, the
sources panel, uploads, and that article text never runs as script.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import ANSWER_TIMEOUT, ask, last_answer, open_page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = pytest.mark.browser


def test_example_question_gives_a_cited_answer_and_citations_open_their_source(
    sample_page, tab: Page
) -> None:  # type: ignore[no-untyped-def]
    open_page(tab, sample_page.url)
    tab.get_by_role("button", name="What does Kim want from Russia?").click()
    cite = tab.locator("#chat a.aq-cite").first
    expect(cite).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(last_answer(tab)).to_contain_text("satellites", timeout=ANSWER_TIMEOUT)
    assert cite.inner_text().strip() == "[1]"
    card = tab.locator("#sources #src-0-1")
    expect(card).to_contain_text("North Korea said Kim Jong Un would visit Russia")
    expect(card.locator(".aq-passage mark")).to_contain_text("satellites")
    cite.click()
    expect(card).to_have_class("aq-source aq-active")
    expect(card).to_be_in_viewport()
    assert tab.url.rstrip("/") == sample_page.url.rstrip("/")  # the click did not navigate
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "answered-chat.png"), full_page=True)


def test_upload_an_article_then_ask_what_only_it_answers(
    sample_page, tab: Page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    article = tmp_path / "lunar-greenhouse.md"
    article.write_text(
        "---\ntitle: Lunar greenhouse grows first tomatoes\ndate: 2026-03-02\n"
        "url: https://example.org/lunar-greenhouse\n---\n\n"
        "Engineers at the Tycho Research Station harvested the first tomatoes grown in a lunar "
        "greenhouse on Monday. The greenhouse is lit by light-emitting diodes powered by a "
        "small fission reactor named Kilopower-3. The crop weighed 4.2 kilograms.\n",
        encoding="utf-8",
    )
    open_page(tab, sample_page.url)
    tab.get_by_text("Add articles", exact=True).click()
    tab.locator("#upload input[type=file]").set_input_files(str(article))
    tab.locator("#add").click()
    expect(tab.locator("#ingest-report")).to_contain_text("1 added", timeout=ANSWER_TIMEOUT)
    tab.get_by_text("Collection", exact=True).click()
    expect(tab.locator("#collection")).to_contain_text("Lunar greenhouse grows first tomatoes")
    ask(tab, "What powers the lights of the lunar greenhouse?")
    expect(tab.locator("#chat a.aq-cite").first).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(last_answer(tab)).to_contain_text("Kilopower-3")
    card = tab.locator("#sources .aq-source").first
    expect(card).to_contain_text("Lunar greenhouse grows first tomatoes")
    expect(card.locator("a", has_text="original")).to_have_attribute(
        "href", "https://example.org/lunar-greenhouse"
    )


def test_a_page_added_from_the_web_answers(page_factory, site, tab: Page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.pages import HARBOUR, html_page

    url = site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    page = page_factory(store_dir=tmp_path / "store", fetch_allow_private=True)
    open_page(tab, page.url)
    tab.get_by_text("Add from the web", exact=True).click()
    tab.locator("#web-url input, #web-url textarea").first.fill(url)
    tab.locator("#add-url").click()
    expect(tab.locator("#web-report")).to_contain_text("Page: 1 added", timeout=ANSWER_TIMEOUT)
    ask(tab, "Why did the Velmar dock workers strike?")
    expect(tab.locator("#chat a.aq-cite").first).to_be_visible(timeout=ANSWER_TIMEOUT)
    card = tab.locator("#sources .aq-source").first
    expect(card).to_contain_text("Velmar dock workers strike")
    expect(card.locator("a", has_text="original")).to_have_attribute("href", url)


def test_article_markup_never_runs(sample_page, tab: Page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        'date 2026-01-05 Harbour <script>window.__xss=1</script> festival <img src=x onerror="window.__xss=1">\n\n'
        "The harbour festival in Port Elrond drew 12,000 visitors <script>window.__xss=1</script> "
        'on Sunday. Organisers said the fireworks <img src=x onerror="window.__xss=1"> '
        'lasted forty minutes. Tickets are sold at <a href="javascript:window.__xss=1">the booth</a>.\n',
        encoding="utf-8",
    )
    sample_page.bot.ingest([hostile])
    open_page(tab, sample_page.url)
    tab.get_by_text("Collection", exact=True).click()
    expect(tab.locator("#collection")).to_contain_text("<script>window.__xss=1</script>")
    ask(tab, "How many visitors did the Port Elrond harbour festival draw?")
    expect(tab.locator("#chat a.aq-cite").first).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(last_answer(tab)).to_contain_text("12,000")
    ask(tab, "How long did the fireworks at the harbour festival last?")
    expect(last_answer(tab)).to_contain_text("forty minutes", timeout=ANSWER_TIMEOUT)
    expect(last_answer(tab).locator("a.aq-cite").first).to_be_visible()
    sources = tab.locator("#sources")
    expect(sources).to_contain_text("<script>window.__xss=1</script>")
    assert tab.evaluate("typeof window.__xss") == "undefined"
    assert tab.locator("#sources script, #chat script, #collection script").count() == 0
    assert tab.locator("#sources img, #collection img").count() == 0
    assert tab.locator("a[href^='javascript:']").count() == 0


def test_the_readers_short_answer_shows_in_bold_before_its_cited_sentence(
    page_factory, sample_store: Path, tab: Page
) -> None:  # type: ignore[no-untyped-def]
    """ARTICLE_QA_ANSWERER=reader: the short answer first, in bold, then the sentence that
    says it with its citation; its source card marks the answer inside the sentence."""
    page = page_factory(store_dir=sample_store, answerer="reader")
    open_page(tab, page.url)
    expect(tab.locator("#answerer")).to_contain_text("the trained reader's short answer")
    ask(tab, "Which country bought tanks from Seoul?")
    answer = last_answer(tab)
    short = answer.locator(".aq-short strong")
    expect(short).to_contain_text("Poland", timeout=ANSWER_TIMEOUT)
    text = answer.inner_text()
    assert text.index("Poland") < text.index("Seoul is a major arms exporter"), text
    expect(answer.locator("a.aq-cite").first).to_have_text("[1]")
    card = tab.locator("#sources #src-0-1")
    expect(card.locator(".aq-passage mark").first).to_contain_text("sold tanks to Kyiv's ally")
    expect(card.locator(".aq-passage mark.aq-answer")).to_have_text("Poland")


def test_a_like_and_a_dislike_are_kept_beside_the_store(
    page_factory, sample_store: Path, tab: Page
) -> None:  # type: ignore[no-untyped-def]
    """Thumbs on an answer: each vote is one JSON line in the feedback file beside the
    store, with the question, the answer and its citations."""
    import json
    import time

    page = page_factory(store_dir=sample_store)
    open_page(tab, page.url)
    ask(tab, "What does Kim want from Russia?")
    answer = last_answer(tab)
    expect(answer).to_contain_text("satellites", timeout=ANSWER_TIMEOUT)
    feedback = page.bot.feedback.path
    tab.locator("#chat button[aria-label='Like']").last.click()
    deadline = time.monotonic() + 30
    while not (feedback.exists() and feedback.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.2)
    [line] = [json.loads(x) for x in feedback.read_text().splitlines()]
    assert line["vote"] == "like" and line["question"] == "What does Kim want from Russia?"
    assert "satellites" in line["answer"] and line["citations"][0]["number"] == 1
    assert "North Korea" in line["citations"][0]["title"]


def test_a_read_only_page_shows_no_way_to_write(
    page_factory, sample_store: Path, tab: Page
) -> None:  # type: ignore[no-untyped-def]
    """The public demo's setting: the page answers, lists stories and tells timelines, and
    offers no upload, no web add, no feed edits (its endpoints are gone too:
    tests/integration/test_web_boundary.py)."""
    demo = page_factory(store_dir=sample_store, read_only=True)
    open_page(tab, demo.url)
    expect(tab.get_by_text("Add articles", exact=True)).to_have_count(0)
    expect(tab.get_by_text("Add from the web", exact=True)).to_have_count(0)
    expect(tab.locator("#upload, #add, #web-url, #add-url, #sync")).to_have_count(0)
    expect(tab.locator("#stories-panel")).to_be_visible()
    ask(tab, "What has happened with Kim's visit to Russia?")
    expect(last_answer(tab)).to_contain_text("2023-09-11", timeout=ANSWER_TIMEOUT)
    assert demo.bot.count() > 0 and len(demo.bot.articles()) == 1  # nothing was written

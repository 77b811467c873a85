"""How answers, sources and the collection look on the page (Markdown for the chat, HTML
from the templates in ``web/templates`` for the panels).

Article text is untrusted: it is always escaped before it is shown. The templates
autoescape; the chat's Markdown escapes every character Markdown or HTML could read as
markup.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup

from qa import (
    Answer,
    ArticleInfo,
    Citation,
    EmptyStoreError,
    Feed,
    IngestReport,
    ModelError,
    ReaderError,
    ReadOnlyError,
    Settings,
    StoreError,
    Story,
    SyncReport,
    http_url,
)

OFFLINE = "offline quoting (no LLM)"
NO_ARTICLES = (
    "No articles are stored yet. Add some under **Add articles** on the right, "
    "or from a terminal: `article-qa ingest PATH`."
)
STORIES_EMPTY = "Pick a story to see what happened, in order."
LISTED_LINES = ("timeline", "latest")  # answerers whose answer is one line per item
COLLECTION_ROWS = 200  # articles listed in the Collection panel

_MD_SPECIAL = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+!|~$<>&\"'"})


def asset(name: str) -> str:
    """A file of ``web/assets`` (the page's CSS and JS)."""
    return resources.files("web").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def text(value: str) -> str:
    """``value`` as literal text inside Markdown or HTML: nothing in it can become markup."""
    return value.translate(_MD_SPECIAL)


def answer_markdown(result: Answer, turn: int) -> str:
    """The answer with each ``[n]`` as a link to its source card in the sources panel."""
    numbers = {c.number for c in result.citations}
    body = text(result.text)

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return f'<a href="#src-{turn}-{n}" class="aq-cite">&#91;{n}&#93;</a>'

    body = re.sub(r"&#91;(\d+)&#93;", link, body)
    if result.answerer.split(":")[0] in LISTED_LINES:
        body = body.replace("\n", "  \n")  # each line its own
    if result.short and result.text.startswith(result.short.text[:1].upper()):
        # the short answer stands out on its own line above the quote that supports it
        head, sep, rest = body.partition("</a>.")
        if sep:
            body = f'<p class="aq-short"><strong>{head}</a></strong></p>\n\n{rest.lstrip()}'
    if result.notice:
        body += f"\n\n*Note: {text(result.notice)}*"
    return body


def marked_passage(c: Citation) -> Markup:
    """The passage, escaped, its supporting sentence marked and the short answer marked
    again inside it."""
    passage = c.passage
    marks: list[tuple[int, str]] = []
    if 0 <= c.quote_start < c.quote_end <= len(passage):
        marks += [(c.quote_start, "<mark>"), (c.quote_end, "</mark>")]
        if c.quote_start <= c.answer_start < c.answer_end <= c.quote_end:
            marks += [(c.answer_start, '<mark class="aq-answer">'), (c.answer_end, "</mark>")]
    # at one position, closing tags come before opening ones
    marks.sort(key=lambda m: (m[0], not m[1].startswith("</"), m[1] != "<mark>"))
    out, at = [], 0
    for pos, tag in marks:
        out.append(html.escape(passage[at:pos]) + tag)
        at = pos
    out.append(html.escape(passage[at:]))
    return Markup("".join(out))


def sources_html(answers: list[Answer | None]) -> str:
    """Source cards of every answer of the chat, newest first."""
    turns = [
        {
            "index": i,
            "question": result.question,
            "cards": [
                {
                    "number": c.number,
                    "title": c.title,
                    "headline": c.headline,
                    "meta": " · ".join(x for x in (c.source, c.date) if x),
                    "url": http_url(c.url),
                    "passage": marked_passage(c),
                    "also": [
                        {
                            "source": a.get("source") or a.get("title", ""),
                            "url": http_url(a.get("url", "")),
                        }
                        for a in c.also_at
                    ],
                    "more": c.also_at_more,
                }
                for c in result.citations
            ],
        }
        for i, result in reversed(list(enumerate(answers)))
        if result is not None and result.citations
    ]
    return _templates().get_template("sources.html").render(turns=turns)


def collection_html(articles: list[ArticleInfo], chunks: int, problem: str = "") -> str:
    """How many articles and chunks are stored, and the newest articles' titles and dates."""
    return (
        _templates()
        .get_template("collection.html")
        .render(
            problem=problem,
            articles=articles[:COLLECTION_ROWS],
            total=len(articles),
            chunks=chunks,
        )
    )


def latest_html(result: Answer) -> str:
    """The newest stories (``Assistant.latest``): a digest to scan in ten seconds."""
    stories = [
        {
            "date": c.date,
            "title": c.title,
            "url": http_url(c.url),
            "source": c.source,
            "quote": c.quote,
            "also": [a.get("source") or a.get("url", "") for a in c.also_at]
            + ([f"{c.also_at_more} more"] if c.also_at_more else []),
        }
        for c in result.citations
    ]
    return _templates().get_template("latest.html").render(stories=stories, empty=result.text)


def feeds_html(feeds: list[Feed]) -> str:
    """The followed feeds with their last sync, items and errors."""
    return _templates().get_template("feeds.html").render(feeds=feeds)


def report_markdown(kind: str, report: IngestReport | SyncReport) -> str:
    """What adding from the web did: which kind of address it was, and the report."""
    lines = [f"**{text(kind.capitalize())}: {text(report.summary())}**"]
    if isinstance(report, IngestReport):
        lines += [f"- ✗ {text(f'{e.path}: {e.reason}')}" for e in report.failed]
        lines += [f"- ⚠ {text(w)}" for w in report.warnings]
    else:
        for feed in report.feeds:
            lines.append(f"- {text(feed.summary())}")
            lines += [f"  - ✗ {text(x)}" for x in feed.failed]
    return "\n".join(lines)


def problem_markdown(exc: Exception) -> str:
    """What the chat says when a question can't be answered."""
    if isinstance(exc, EmptyStoreError):
        return NO_ARTICLES
    if isinstance(exc, StoreError | ModelError) and not isinstance(
        exc, ReadOnlyError | ReaderError
    ):
        return f"⚠️ The article store is unavailable: {text(str(exc))}"
    return f"⚠️ {text(str(exc))}"


def answerer_markdown(settings: Settings, models: list[str]) -> str:
    """The line under the title: which answerer is active and how to change it (``models``:
    the chat models the page lets a visitor pick)."""
    if settings.llm:
        active = f"the chat model **{text(settings.llm)}**, checked against the passages"
    elif settings.answerer_name == "reader":
        active = f"**{OFFLINE}**: the trained reader's short answer and the sentence that says it"
    else:
        active = f"**{OFFLINE}**: the sentences and headlines of the articles that best answer"
    return (
        f"Answers by {active}. To change it, set `ARTICLE_QA_ANSWERER` "
        "(`quotes`, `reader`, `llm`) or `ARTICLE_QA_LLM` "
        "(e.g. `openai:gpt-4o-mini`, `ollama:llama3.2`, or a model on an OpenAI-compatible "
        "server with `ARTICLE_QA_LLM_BASE_URL`) and restart"
        + (", or pick one under **Settings**." if models else ".")
    )


def chat_export(asked: list[str], answers: list[Answer | None]) -> str:
    """A chat as a Markdown document: each question, its answer, and its numbered sources
    with their links (web addresses only) and the sentences cited."""
    from datetime import UTC, datetime

    def plain(value: str) -> str:  # link text and quotes: no brackets to end them early
        return value.replace("[", "(").replace("]", ")").replace("\n", " ").strip()

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# article-qa chat", "", f"Exported {when}.", ""]
    for turn, (question, answer) in enumerate(zip(asked, answers, strict=True), start=1):
        lines += [f"## {turn}. {plain(question)}", ""]
        if answer is None:
            lines += ["(no answer came for this question)", ""]
            continue
        lines += [answer.text.strip(), ""]
        if answer.citations:
            lines += ["Sources:", ""]
        for c in answer.citations:
            url = http_url(c.url)
            title = f"[{plain(c.title)}]({url})" if url else plain(c.title)
            meta = ", ".join(x for x in (c.source, c.date) if x)
            lines.append(f"{c.number}. {title}" + (f" — {plain(meta)}" if meta else ""))
            lines.append(f"   > {plain(c.quote or c.passage)}")
        lines.append("")
    return "\n".join(lines)


def timeline_html(story: Story | None, result: Answer | None) -> str:
    """A story's timeline (``Assistant.timeline``) for the Stories panel."""
    if story is None or result is None:
        return _templates().get_template("timeline.html").render(lines=[], empty=STORIES_EMPTY)
    lines = [
        {"date": c.date, "source": c.source, "url": http_url(c.url), "quote": c.quote or c.passage}
        for c in result.citations
    ]
    span = story.first if story.first == story.last else f"{story.first} – {story.last}"
    return _templates().get_template("timeline.html").render(
        lines=lines, empty=result.text, title=story.title, span=span or "undated",
        count=len(story.articles), outlets=story.outlets,
    )  # fmt: skip

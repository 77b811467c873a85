"""What the page does: the chat, uploads, the collection panel and the API for programs,
wired to the components of ``web.layout``. Every answer comes from an ``Assistant``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa import (
    Answer,
    Assistant,
    EmptyStoreError,
    FeedListError,
    Filters,
    InputError,
    ModelError,
    QuestionError,
    StoreError,
    follow_ups,
)

from .conversation import Conversation, export_file, follow_up_buttons
from .conversation import keep as keep_chat
from .layout import Layout
from .render import (
    NO_ARTICLES,
    OFFLINE,
    answer_markdown,
    collection_html,
    feeds_html,
    latest_html,
    problem_markdown,
    report_markdown,
    sources_html,
    text,
)
from .settings import PageSettings

STORE_ERRORS = (StoreError, ModelError)  # the store or its models cannot be used
ANSWER_ERRORS = (EmptyStoreError, QuestionError, *STORE_ERRORS)
WRITE_ERRORS = (*STORE_ERRORS, InputError, FeedListError)  # said on the page, never raised
UNEXPECTED = "article-qa could not answer this; the server's log has the details"
UPLOADS_OFF = "this page does not take uploads (ARTICLE_QA_ALLOW_UPLOADS, ARTICLE_QA_READ_ONLY)"
WEB_ADD_OFF = (
    "this page does not add web pages or feeds (ARTICLE_QA_ALLOW_WEB_ADD, ARTICLE_QA_READ_ONLY)"
)
WEB_FETCHES = 4  # web adds fetched at once (writes still go one at a time)
log = logging.getLogger(__name__)


class Events:
    """The page's event handlers over one ``Assistant`` (and, when the page offers other
    chat models, one per model, made on first use)."""

    def __init__(self, bot: Assistant, page: PageSettings) -> None:
        self.bot = bot
        self.page = page
        self.default = bot.settings.llm or OFFLINE
        self.choices = [OFFLINE, *page.llm_options(bot.settings)]
        self.bots: dict[str, Assistant] = {self.default: bot}

    def assistant_for(self, choice: str | None) -> Assistant:
        key = choice if choice in self.choices else self.default
        if key not in self.bots:
            self.bots[key] = self.bot.with_llm(None if key == OFFLINE else key)
        return self.bots[key]

    def respond(
        self,
        question: str,
        chat: list[dict[str, Any]],
        answers: list[Answer | None],
        asked: list[str],
        k: int,
        choice: str,
        since: str = "",
        until: str = "",
        source: str = "",
        story: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat, then show its sources, the questions to ask
        next and the chat's export. Yields the ``respond_outputs``."""
        question = question or ""
        chat = [*chat, {"role": "user", "content": text(question)}]
        answers, asked = [*answers, None], [*asked, question]
        turn = len(answers) - 1
        reply = {"role": "assistant", "content": "…"}
        chat.append(reply)
        hidden = follow_up_buttons([])
        yield chat, answers, asked, gr.skip(), "", gr.skip(), *hidden
        earlier = [a.standalone or a.question for a in answers[:turn] if a is not None]
        try:
            filters = Filters.from_text(since, until, source, story=story)
            stream = self.assistant_for(choice).stream(
                question, int(k), remember=False, history=earlier, filters=filters
            )
            for item in stream:
                if isinstance(item, Answer):
                    answers[turn] = item
                    reply["content"] = answer_markdown(item, turn)
                    if item.standalone and item.standalone != item.question:
                        reply["content"] = (
                            f"*Searched for: {text(item.standalone)}*\n\n" + reply["content"]
                        )
                    yield (
                        chat, answers, asked, sources_html(answers), "",
                        export_file(asked, answers), *follow_up_buttons(follow_ups(item)),
                    )  # fmt: skip
                else:
                    reply["content"] = text(item)
                    yield chat, answers, asked, gr.skip(), "", gr.skip(), *hidden
        except ANSWER_ERRORS as exc:
            reply["content"] = problem_markdown(exc)
            yield chat, answers, asked, gr.skip(), "", export_file(asked, answers), *hidden
        except Exception as exc:  # the page's boundary: said in the chat, logged in full
            log.exception("article-qa: answering %r failed", question)
            reply["content"] = problem_markdown(RuntimeError(f"{UNEXPECTED} ({exc})"))
            yield chat, answers, asked, gr.skip(), "", export_file(asked, answers), *hidden

    def collection(self) -> str:
        try:
            return collection_html(self.bot.articles(), self.bot.count())
        except STORE_ERRORS as exc:
            return collection_html([], 0, problem=str(exc))

    def add_files(
        self,
        files: list[Any] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's way)
    ) -> tuple[str, str, None]:
        """Keep and ingest the uploaded files; what was added and what was refused."""
        if not self.page.uploads_allowed(self.bot.settings):
            return problem_markdown(InputError(UPLOADS_OFF)), self.collection(), None
        if not files:
            return "Choose one or more files first.", self.collection(), None
        uploads = [
            (Path(getattr(f, "name", f)), getattr(f, "orig_name", None) or Path(f).name)
            for f in files
        ]
        progress(0, desc="Ingesting")
        try:
            report, refused = self.bot.upload(
                uploads, on_progress=lambda done, total: progress(done / max(total, 1))
            )
        except WRITE_ERRORS as exc:
            return problem_markdown(exc), self.collection(), None
        lines = []
        if report is not None:
            lines.append(f"**{text(report.summary())}**")
            lines += [f"- ✗ {text(f'{e.path}: {e.reason}')}" for e in report.failed]
            lines += [f"- ⚠ {text(w)}" for w in report.warnings]
        lines += [f"- ✗ {text(reason)}" for reason in refused]
        return "\n".join(lines), self.collection(), None

    def add_from_web(
        self,
        url: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's way)
    ) -> tuple[str, str, str]:
        """Add a page or follow a feed; says which it found and what was stored."""
        if not self.page.web_add_allowed(self.bot.settings):
            return problem_markdown(InputError(WEB_ADD_OFF)), self.feeds(), self.collection()
        if not (url or "").strip():
            return (
                "Paste the address of a web page or a feed first.",
                self.feeds(),
                self.collection(),
            )
        progress(0, desc="Fetching")
        try:
            kind, report = self.bot.add_from_web(url.strip())
        except WRITE_ERRORS as exc:
            return problem_markdown(exc), self.feeds(), self.collection()
        return report_markdown(kind, report), self.feeds(), self.collection()

    def sync_now(
        self,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's way)
    ) -> tuple[str, str, str]:
        """Sync every followed feed, with progress."""
        if not self.page.web_add_allowed(self.bot.settings):
            return problem_markdown(InputError(WEB_ADD_OFF)), self.feeds(), self.collection()
        progress(0, desc="Syncing feeds")
        try:
            report = self.bot.sync(on_progress=lambda done, total: progress(done / max(total, 1)))
        except WRITE_ERRORS as exc:
            return problem_markdown(exc), self.feeds(), self.collection()
        return report_markdown("feeds", report), self.feeds(), self.collection()

    def vote(self, answers: list[Answer | None], data: gr.LikeData) -> None:
        """A like or dislike on an answer, kept in the feedback file beside the store
        (``Assistant.feedback``). Each turn of the chat is a question and its answer."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if not isinstance(index, int):
            return  # not a message of this chat (a hand-made request)
        turn = index // 2
        answer = answers[turn] if 0 <= turn < len(answers) else None
        if answer is None or data.liked not in (True, False, "Like", "Dislike"):
            return  # an answer that failed, or a vote taken back: nothing to keep
        liked = data.liked in (True, "Like")
        try:
            self.bot.feedback.record(answer, "like" if liked else "dislike")
        except STORE_ERRORS:
            log.warning("article-qa: a vote could not be kept (the store is unavailable)")

    def latest(self) -> str:
        """The newest stories of the last two days (``Assistant.latest``)."""
        try:
            return latest_html(self.bot.latest())
        except STORE_ERRORS as exc:
            return f'<p class="aq-empty">{text(str(exc))}</p>'

    def feeds(self) -> str:
        try:
            return feeds_html(self.bot.feeds.all())
        except WRITE_ERRORS as exc:
            return f'<p class="aq-empty">{text(str(exc))}</p>'

    def on_load(self) -> tuple[str, str]:
        """The status line (empty store, unreadable store) and the collection panel."""
        try:
            empty = self.bot.count() == 0
        except STORE_ERRORS as exc:
            return problem_markdown(exc), ""
        return (f"ℹ️ {NO_ARTICLES}" if empty else ""), self.collection()

    # -- the API for programs (gradio_client): no chat state, answers as JSON ----------------

    def ask_api(self, question: str, k: int | None = None) -> dict[str, Any]:
        """Answer a question about the stored articles; the answer with its citations."""
        try:
            return self.bot.ask(
                question, int(k or self.bot.settings.top_k), remember=False
            ).model_dump()
        except ANSWER_ERRORS as exc:
            raise gr.Error(str(exc)) from exc
        except Exception as exc:  # an error, never silence
            log.exception("article-qa: /ask %r failed", question)
            raise gr.Error(f"{UNEXPECTED} ({type(exc).__name__}: {exc})") from exc

    def stream_api(self, question: str, k: int | None = None) -> Iterator[dict[str, Any]]:
        """Stream an answer: partial text as it grows, then the final answer with citations."""
        try:
            for item in self.bot.stream(
                question, int(k or self.bot.settings.top_k), remember=False
            ):
                if isinstance(item, Answer):
                    yield {"final": True, **item.model_dump()}
                else:
                    yield {"final": False, "text": item}
        except ANSWER_ERRORS as exc:
            raise gr.Error(str(exc)) from exc
        except Exception as exc:  # an error, never an empty stream
            log.exception("article-qa: /stream %r failed", question)
            raise gr.Error(f"{UNEXPECTED} ({type(exc).__name__}: {exc})") from exc


def register_events(demo: gr.Blocks, ui: Layout, events: Events) -> None:
    """Wire the layout's components to the handlers (inside ``demo``)."""
    settings = [ui.top_k, ui.llm, ui.since, ui.until, ui.source, ui.stories.scope]
    state = [ui.chat, ui.answers, ui.asked]
    outputs = [*state, ui.sources, ui.question, ui.export, *ui.follow_ups]
    asking: list[tuple[gr.components.Component, Any]] = [
        (ui.question, t) for t in (ui.ask.click, ui.question.submit)
    ]
    asking += [(button, button.click) for button in (*ui.examples, *ui.follow_ups)]
    keep = {"fn": keep_chat, "inputs": [ui.asked, ui.answers], "outputs": [ui.kept]}
    for asked_by, trigger in asking:
        trigger(
            events.respond, [asked_by, *state, *settings], outputs, api_visibility="private"
        ).then(**keep, api_visibility="private")
    talk = Conversation(events.respond)
    for handler, event in ((talk.retry, ui.chat.retry), (talk.edit, ui.chat.edit)):
        event(handler, [ui.asked, ui.answers, *settings], outputs, api_visibility="private").then(
            **keep, api_visibility="private"
        )
    ui.chat.undo(talk.undo, [ui.asked, ui.answers], outputs, api_visibility="private").then(
        **keep, api_visibility="private"
    )
    demo.load(talk.reload, [ui.kept], [*state, ui.sources, ui.export], api_visibility="private")
    for cleared in (ui.clear.click, ui.chat.clear):
        cleared(
            lambda: ([], [], [], sources_html([]), None, None, *follow_up_buttons([])),
            None,
            [*state, ui.sources, ui.export, ui.kept, *ui.follow_ups],
            api_visibility="private",
        )
    demo.load(events.on_load, None, [ui.status, ui.collection], api_visibility="private")
    ui.chat.like(events.vote, [ui.answers], None, api_visibility="private")
    page, config = events.page, events.bot.settings
    if page.uploads_allowed(config):  # else no endpoint at all (and the handler refuses too)
        ui.add.click(
            events.add_files,
            [ui.files],
            [ui.report, ui.collection, ui.files],
            concurrency_limit=1,
            api_visibility="private",
        ).then(events.on_load, None, [ui.status, ui.collection], api_visibility="private")
    if page.web_add_allowed(config):
        web_outputs = [ui.web_report, ui.feeds, ui.collection]
        # public: programs may add pages and feeds too (behind the page's login, when one is
        # set); a slow server holds up only its own request (fetching takes no lock)
        gr.on(
            [ui.add_url.click, ui.web_url.submit],
            events.add_from_web,
            [ui.web_url],
            web_outputs,
            api_name="add_url",
            concurrency_limit=WEB_FETCHES,
        )
        ui.sync.click(
            events.sync_now, None, web_outputs, concurrency_limit=1, api_visibility="private"
        )
    demo.load(events.feeds, None, [ui.feeds], api_visibility="private")
    ui.refresh_latest.click(events.latest, None, [ui.latest], api_name="latest")
    demo.load(events.latest, None, [ui.latest], api_name="latest_on_load", api_visibility="private")
    gr.api(events.ask_api, api_name="ask")
    gr.api(events.stream_api, api_name="stream")

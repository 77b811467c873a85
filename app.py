"""The Gradio chat page: layout, rendering and event wiring only; every answer comes from ``qa``.

``python app.py`` and ``article-qa serve`` serve it; ``gradio app.py`` reloads it; a Hugging
Face Space runs it unchanged (the module-level ``demo``).
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr

from qa import Answer, Assistant, Citation, ReaderError, Settings
from qa.assistant import EmptyStoreError, QuestionError
from qa.query import parse_day
from vectorstore.loaders import SUPPORTED_SUFFIXES
from vectorstore.store import StoreError
from vectorstore.uploads import UploadError, save_upload

EXAMPLES = [
    "What does Kim want from Russia?",
    "How is Kim traveling to Russia?",
    "What did the White House warn?",
    "Who is Andrei Lankov?",
]
OFFLINE = "offline quoting (no LLM)"
NO_ARTICLES = (
    "No articles are stored yet. Add some under **Add articles** on the right, "
    "or from a terminal: `article-qa ingest PATH`."
)

# Clicking a citation [n] brings its source card into view and marks it (capture phase,
# before the chat's own link handling).
CITE_JS = """
if (!window.__articleQaCites) {
  window.__articleQaCites = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#src-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById(link.getAttribute('href').slice(1));
    if (!card) return;
    document.querySelectorAll('.aq-source.aq-active')
      .forEach((el) => el.classList.remove('aq-active'));
    card.classList.add('aq-active');
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
"""
SOURCES_CSS = """
.aq-turn { margin: 0 0 1em 0; }
.aq-turn h4 { margin: .2em 0 .4em 0; font-size: .9em; opacity: .75; }
.aq-source { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .5em .7em; margin: 0 0 .6em 0; scroll-margin: 2em; }
.aq-source.aq-active { border-color: var(--color-accent);
  box-shadow: 0 0 0 2px var(--color-accent); }
.aq-source .aq-head { font-weight: 600; }
.aq-source .aq-meta { font-size: .85em; opacity: .8; }
.aq-source .aq-passage { font-size: .9em; line-height: 1.45; margin-top: .3em; }
.aq-source mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.aq-source mark.aq-answer { background: #f59e0b; font-weight: 600; padding: 0; }
.aq-short { font-size: 1.15em; margin: 0 0 .3em 0; }
.aq-empty { opacity: .7; }
.aq-collection td, .aq-collection th { padding: .15em .4em; font-size: .88em; text-align: left; }
"""

# ---------------------------------------------------------------------------------------------
# Rendering: article text is untrusted and is always escaped before it is shown.

_MD_SPECIAL = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+!|~$<>&\"'"})


def _text(value: str) -> str:
    """``value`` as literal text inside Markdown or HTML: nothing in it can become markup."""
    return value.translate(_MD_SPECIAL)


def _http_url(url: str) -> str:
    return url if re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE) else ""


def answer_markdown(result: Answer, turn: int) -> str:
    """The answer with each ``[n]`` as a link to its source card in the sources panel."""
    numbers = {c.number for c in result.citations}
    body = _text(result.text)

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return f'<a href="#src-{turn}-{n}" class="aq-cite">&#91;{n}&#93;</a>'

    body = re.sub(r"&#91;(\d+)&#93;", link, body)
    if result.short and result.text.startswith(result.short.text[:1].upper()):
        # the short answer stands out on its own line above the quote that supports it
        head, sep, rest = body.partition("</a>.")
        if sep:
            body = f'<p class="aq-short"><strong>{head}</a></strong></p>\n\n{rest.lstrip()}'
    if result.notice:
        body += f"\n\n*Note: {_text(result.notice)}*"
    return body


def _source_card(result: Answer, turn: int, index: int) -> str:
    c = result.citations[index]
    meta = " · ".join(html.escape(x) for x in (c.source, c.date) if x)
    url = _http_url(c.url)
    link = (
        f' · <a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer nofollow">'
        "original</a>"
        if url
        else ""
    )
    title = html.escape(c.title)
    if c.headline:  # the answer quotes the headline itself
        title = f"<mark>{title}</mark>"
    shown = _marked_passage(c)
    return (
        f'<div class="aq-source" id="src-{turn}-{c.number}">'
        f'<div class="aq-head">[{c.number}] {title}</div>'
        f'<div class="aq-meta">{meta}{link}</div>'
        f'<div class="aq-passage">{shown}</div></div>'
    )


def _marked_passage(c: Citation) -> str:
    """The passage, escaped, its supporting sentence marked and the short answer marked
    again inside it."""
    passage = c.passage
    marks: list[tuple[int, str]] = []
    if 0 <= c.quote_start < c.quote_end <= len(passage):
        marks += [(c.quote_start, "<mark>"), (c.quote_end, "</mark>")]
        if c.quote_start <= c.answer_start < c.answer_end <= c.quote_end:
            marks += [
                (c.answer_start, '<mark class="aq-answer">'),
                (c.answer_end, "</mark>"),
            ]
    # at one position, closing tags come before opening ones
    marks.sort(key=lambda m: (m[0], not m[1].startswith("</"), m[1] != "<mark>"))
    out, at = [], 0
    for pos, tag in marks:
        out.append(html.escape(passage[at:pos]) + tag)
        at = pos
    out.append(html.escape(passage[at:]))
    return "".join(out)


def sources_html(answers: list[Answer | None]) -> str:
    """Source cards of every answer of the chat, newest first."""
    parts = []
    for turn in range(len(answers) - 1, -1, -1):
        result = answers[turn]
        if result is None or not result.citations:
            continue
        cards = "".join(_source_card(result, turn, i) for i in range(len(result.citations)))
        parts.append(f'<div class="aq-turn"><h4>{html.escape(result.question)}</h4>{cards}</div>')
    if not parts:
        return '<p class="aq-empty">Sources of the answers appear here.</p>'
    return "".join(parts)


def collection_html(bot: Assistant) -> str:
    """How many articles and chunks are stored, and their titles and dates."""
    try:
        articles = bot.articles()
        chunks = bot.count()
    except StoreError as exc:
        return f'<p class="aq-empty">The store cannot be read: {html.escape(str(exc))}</p>'
    if not articles:
        return f'<p class="aq-empty">{html.escape("No articles stored yet.")}</p>'
    rows = "".join(
        f"<tr><td>{html.escape(a.date)}</td><td>{html.escape(a.title)}</td><td>{a.chunks}</td></tr>"
        for a in articles[:200]
    )
    more = f"<p>… and {len(articles) - 200} more.</p>" if len(articles) > 200 else ""
    return (
        f"<p><b>{len(articles)}</b> articles, <b>{chunks}</b> chunks stored.</p>"
        '<table class="aq-collection"><tr><th>date</th><th>title</th><th>chunks</th></tr>'
        f"{rows}</table>{more}"
    )


def _problem(exc: Exception) -> str:
    """What the chat says when a question can't be answered."""
    if isinstance(exc, EmptyStoreError):
        return NO_ARTICLES
    if isinstance(exc, StoreError):
        return f"⚠️ The article store is unavailable: {_text(str(exc))}"
    return f"⚠️ {_text(str(exc))}"


def _filters(since: str, until: str, source: str) -> dict[str, Any]:
    """The page's filter fields as ``Assistant.stream`` options; QuestionError if malformed."""
    out: dict[str, Any] = {}
    for key, value in (("date_from", since), ("date_to", until)):
        if value and value.strip():
            try:
                out[key] = parse_day(value)
            except ValueError as exc:
                raise QuestionError(str(exc)) from None
    if source and source.strip():
        out["sources"] = [s.strip() for s in source.split(",") if s.strip()]
    return out


def answerer_markdown(settings: Settings) -> str:
    if settings.llm:
        active = f"the chat model **{_text(settings.llm)}**, checked against the passages"
    else:
        active = f"**{OFFLINE}**: the sentences and headlines of the articles that best answer"
    return (
        f"Answers by {active}. To change it, set `ARTICLE_QA_LLM` "
        "(e.g. `openai:gpt-4o-mini`, `ollama:llama3.2`, or a model on an OpenAI-compatible "
        "server with `ARTICLE_QA_LLM_BASE_URL`) and restart"
        + (", or pick one under **Settings**." if len(settings.llm_options()) > 0 else ".")
    )


# ---------------------------------------------------------------------------------------------
# The page


def create_demo(settings: Settings | None = None) -> gr.Blocks:
    """The page, answering with an ``Assistant`` built from ``settings``."""
    bot = Assistant(settings)
    settings = bot.settings
    bots: dict[str, Assistant] = {settings.llm or OFFLINE: bot}
    choices = [OFFLINE, *settings.llm_options()]

    def assistant_for(choice: str | None) -> Assistant:
        key = choice if choice in choices else (settings.llm or OFFLINE)
        if key not in bots:
            bots[key] = bot.with_llm(None if key == OFFLINE else key)
        return bots[key]

    def respond(
        question: str,
        chat: list[dict[str, Any]],
        answers: list[Answer | None],
        k: int,
        choice: str,
        since: str = "",
        until: str = "",
        source: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        chat = [*chat, {"role": "user", "content": _text(question or "")}]
        answers = list(answers)
        turn = len(answers)
        answers.append(None)
        reply = {"role": "assistant", "content": "…"}
        chat.append(reply)
        yield chat, answers, gr.skip(), ""
        earlier = [a.standalone or a.question for a in answers[:turn] if a is not None]
        try:
            filters = _filters(since, until, source)
            stream = assistant_for(choice).stream(
                question, int(k), remember=False, history=earlier, **filters
            )
            for item in stream:
                if isinstance(item, Answer):
                    answers[turn] = item
                    reply["content"] = answer_markdown(item, turn)
                    if item.standalone and item.standalone != item.question:
                        reply["content"] = (
                            f"*Searched for: {_text(item.standalone)}*\n\n" + reply["content"]
                        )
                    yield chat, answers, sources_html(answers), ""
                else:
                    reply["content"] = _text(item)
                    yield chat, answers, gr.skip(), ""
        except (EmptyStoreError, QuestionError, StoreError, ReaderError) as exc:
            reply["content"] = _problem(exc)
            yield chat, answers, gr.skip(), ""

    def add_files(
        files: list[Any] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's way)
    ) -> tuple[str, str, None]:
        if not files:
            return "Choose one or more files first.", collection_html(bot), None
        saved, refused = [], []
        limit = settings.max_upload_mb * 1024 * 1024
        for f in files:
            path = Path(getattr(f, "name", f))
            name = getattr(f, "orig_name", None) or path.name
            try:
                saved.append(save_upload(path, name, settings.uploads(), limit))
            except (UploadError, OSError) as exc:
                refused.append(str(exc))
        lines = []
        if saved:
            progress(0, desc="Ingesting")
            report = bot.ingest(
                saved, on_progress=lambda done, total: progress(done / max(total, 1))
            )
            lines.append(f"**{_text(report.summary())}**")
            lines += [f"- ✗ {_text(f'{e.path}: {e.reason}')}" for e in report.failed]
        lines += [f"- ✗ {_text(reason)}" for reason in refused]
        return "\n".join(lines), collection_html(bot), None

    with gr.Blocks(title="article-qa", fill_height=True) as demo:
        gr.Markdown("# article-qa\nAsk about the news articles: every answer cites its passages.")
        gr.Markdown(answerer_markdown(settings), elem_id="answerer")
        status = gr.Markdown(elem_id="status")
        answers = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    height=540,
                    latex_delimiters=[],
                    placeholder="Ask a question about the articles, or click an example.",
                    feedback_options=None,
                    buttons=["copy"],
                )
                with gr.Row():
                    question = gr.Textbox(
                        elem_id="question",
                        show_label=False,
                        placeholder="e.g. What does Kim want from Russia?",
                        scale=5,
                        max_lines=4,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row(elem_id="examples"):
                    example_buttons = [gr.Button(q, size="sm") for q in EXAMPLES]
                clear = gr.Button("New chat", size="sm", variant="secondary")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    sources_html([]),
                    elem_id="sources",
                    js_on_load=CITE_JS,
                    css_template=SOURCES_CSS,
                    max_height=560,
                    autoscroll=False,
                )
                with gr.Accordion("Settings", open=False):
                    top_k = gr.Slider(
                        1, 20, value=settings.top_k, step=1, label="Passages to retrieve"
                    )
                    with gr.Row():
                        since = gr.Textbox(label="Articles from", placeholder="YYYY-MM-DD")
                        until = gr.Textbox(label="Articles until", placeholder="YYYY-MM-DD")
                    source = gr.Textbox(label="Only from source", placeholder="e.g. cnn.com")
                    gr.Markdown(
                        "Dates and sources named in a question (*last week*, *in September "
                        "2023*, *according to CNN*) are used too; follow-ups like *And what "
                        "does Putin want?* are read with the earlier questions."
                    )
                    llm = gr.Dropdown(
                        choices,
                        value=settings.llm or OFFLINE,
                        label="Answerer",
                        visible=len(choices) > 1,
                        interactive=True,
                    )
                with gr.Accordion("Add articles", open=False):
                    files = gr.File(
                        file_count="multiple",
                        file_types=list(SUPPORTED_SUFFIXES),
                        label=f"Articles ({', '.join(SUPPORTED_SUFFIXES)}; "
                        f"up to {settings.max_upload_mb} MB each)",
                        elem_id="upload",
                    )
                    add = gr.Button("Add to collection", elem_id="add")
                    report = gr.Markdown(elem_id="ingest-report")
                with gr.Accordion("Collection", open=False):
                    collection = gr.HTML(elem_id="collection")

        chat_inputs = [question, chat, answers, top_k, llm, since, until, source]
        chat_outputs = [chat, answers, sources, question]
        for trigger in (ask.click, question.submit):
            trigger(respond, chat_inputs, chat_outputs, api_name=False)
        for button in example_buttons:
            button.click(
                respond,
                [button, chat, answers, top_k, llm, since, until, source],
                chat_outputs,
                api_name=False,
            )
        clear.click(
            lambda: ([], [], sources_html([])), None, [chat, answers, sources], api_name=False
        )
        chat.clear(lambda: ([], sources_html([])), None, [answers, sources], api_name=False)

        def on_load() -> tuple[str, str]:
            try:
                empty = bot.count() == 0
            except StoreError as exc:
                return _problem(exc), ""
            return (f"ℹ️ {NO_ARTICLES}" if empty else ""), collection_html(bot)

        demo.load(on_load, None, [status, collection], api_name=False)
        add.click(
            add_files, [files], [report, collection, files], concurrency_limit=1, api_name=False
        ).then(on_load, None, [status, collection], api_name=False)

        # The API for programs (gradio_client): one call, the final answer as JSON.
        def ask_api(question: str, k: int = settings.top_k) -> dict[str, Any]:
            """Answer a question about the stored articles; the answer with its citations."""
            try:
                return bot.ask(question, int(k), remember=False).model_dump()
            except (EmptyStoreError, QuestionError, StoreError, ReaderError) as exc:
                raise gr.Error(str(exc)) from exc

        def stream_api(question: str, k: int = settings.top_k) -> Iterator[dict[str, Any]]:
            """Stream an answer: partial text as it grows, then the final answer with citations."""
            try:
                for item in bot.stream(question, int(k), remember=False):
                    if isinstance(item, Answer):
                        yield {"final": True, **item.model_dump()}
                    else:
                        yield {"final": False, "text": item}
            except (EmptyStoreError, QuestionError, StoreError, ReaderError) as exc:
                raise gr.Error(str(exc)) from exc

        gr.api(ask_api, api_name="ask")
        gr.api(stream_api, api_name="stream")
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    demo.article_qa = bot  # type: ignore[attr-defined]
    return demo


def seed(bot: Assistant) -> None:
    """Ingest the bundled articles when the store is empty (a fresh Space, a first run)."""
    folder = bot.settings.seed_dir
    if folder and folder.is_dir() and bot.count() == 0:
        report = bot.ingest([folder])
        print(f"article-qa: the store was empty; ingested {folder}: {report.summary()}")


def serve(
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    share: bool = False,
    block: bool = True,
) -> gr.Blocks:
    """Serve the page; with ``share``, a public link where one can be made."""
    page = demo if settings is None else create_demo(settings)
    bot: Assistant = page.article_qa  # type: ignore[attr-defined]
    try:
        seed(bot)
    except StoreError as exc:
        print(f"article-qa: {exc}", file=sys.stderr)
    said = io.StringIO()
    with contextlib.redirect_stdout(said):  # Gradio's own share-link failure is a page long
        page.launch(
            server_name=host,
            server_port=port,
            share=share,
            auth=bot.settings.auth_pairs() or None,
            max_file_size=bot.settings.max_upload_mb * 1024 * 1024,
            prevent_thread_lock=True,
            quiet=True,
            footer_links=["api"],
        )
    where = f"http://{host}:{page.server_port}"
    if share and not page.share_url:
        why = next(
            (line.strip() for line in said.getvalue().splitlines() if "share link" in line),
            "Could not create share link.",
        )
        print(
            f"article-qa: no share link ({why.split('. Please')[0].rstrip('.')}; "
            "is this machine offline?): serving locally only.",
            file=sys.stderr,
        )
    print(f"article-qa: serving on {where}" + (f" and {page.share_url}" if page.share_url else ""))
    if block:
        page.block_thread()
    return page


demo = create_demo()

if __name__ == "__main__":
    serve(  # a Hugging Face Space sets GRADIO_SERVER_NAME=0.0.0.0
        host=os.environ.get("ARTICLE_QA_HOST") or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        port=int(os.environ.get("ARTICLE_QA_PORT", "7860")),
        share=os.environ.get("ARTICLE_QA_SHARE", "").lower() in {"1", "true", "yes"},
    )

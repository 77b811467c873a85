"""The page's layout: which components there are and where they stand. No behaviour here;
``web.events`` wires what the components do."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from qa import SUPPORTED_SUFFIXES, Settings

from .conversation import FOLLOW_UPS
from .render import OFFLINE, answerer_markdown, asset, sources_html
from .settings import PageSettings
from .stories_panel import StoriesPanel

EXAMPLES = [
    "What does Kim want from Russia?",
    "How is Kim traveling to Russia?",
    "What did the White House warn?",
    "Who is Andrei Lankov?",
]


@dataclass
class Layout:
    """The components that events read or write."""

    status: gr.Markdown
    answers: gr.State  # the chat's answers (an Answer, or None where none came)
    asked: gr.State  # its questions, as asked
    kept: gr.BrowserState  # the chat, kept in the visitor's browser across a reload
    chat: gr.Chatbot
    question: gr.Textbox
    ask: gr.Button
    examples: list[gr.Button]
    follow_ups: list[gr.Button]
    export: gr.DownloadButton
    clear: gr.Button
    sources: gr.HTML
    top_k: gr.Slider
    since: gr.Textbox
    until: gr.Textbox
    source: gr.Textbox
    llm: gr.Dropdown
    files: gr.File
    add: gr.Button
    report: gr.Markdown
    web_url: gr.Textbox
    add_url: gr.Button
    web_report: gr.Markdown
    feeds: gr.HTML
    sync: gr.Button
    collection: gr.HTML
    latest: gr.HTML
    refresh_latest: gr.Button
    stories: StoriesPanel


def _upper_bound(field: str) -> int:
    """The largest value ``Settings`` accepts for ``field``."""
    return next(int(m.le) for m in Settings.model_fields[field].metadata if hasattr(m, "le"))


def build_layout(settings: Settings, page: PageSettings, stories: StoriesPanel) -> Layout:
    """Lay out the page inside the current ``gr.Blocks``."""
    choices = [OFFLINE, *page.llm_options(settings)]
    gr.Markdown("# article-qa\nAsk about the news articles: every answer cites its passages.")
    gr.Markdown(answerer_markdown(settings, choices[1:]), elem_id="answerer")
    status = gr.Markdown(elem_id="status")
    answers = gr.State([])
    asked = gr.State([])
    kept = gr.BrowserState(None, storage_key="article-qa-chat")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chat = gr.Chatbot(
                elem_id="chat",
                height=540,
                latex_delimiters=[],
                placeholder="Ask a question about the articles, or click an example.",
                feedback_options=("Like", "Dislike"),  # kept: Events.vote
                buttons=["copy"],
                editable="user",  # edit a question and ask it again (web.conversation)
            )
            with gr.Row(elem_id="follow-ups"):
                follow_ups = [
                    gr.Button(visible=False, size="sm", variant="secondary")
                    for _ in range(FOLLOW_UPS)
                ]
            stories.build_scope()
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
                examples = [gr.Button(q, size="sm") for q in EXAMPLES]
            with gr.Row():
                clear = gr.Button("New chat", size="sm", variant="secondary")
                export = gr.DownloadButton(
                    "Export chat", size="sm", variant="secondary", elem_id="export", value=None
                )
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(
                sources_html([]),
                elem_id="sources",
                js_on_load=asset("cite.js"),
                css_template=asset("page.css"),
                max_height=560,
                autoscroll=False,
            )
            with gr.Accordion("Settings", open=False):
                top_k = gr.Slider(
                    1,
                    _upper_bound("top_k"),
                    value=settings.top_k,
                    step=1,
                    label="Passages to retrieve",
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
            with gr.Accordion("Add articles", open=False, visible=page.uploads_allowed(settings)):
                files = gr.File(
                    file_count="multiple",
                    file_types=list(SUPPORTED_SUFFIXES),
                    label=f"Articles ({', '.join(SUPPORTED_SUFFIXES)}; "
                    f"up to {settings.max_upload_mb} MB each)",
                    elem_id="upload",
                )
                add = gr.Button("Add to collection", elem_id="add")
                report = gr.Markdown(elem_id="ingest-report")
            with gr.Accordion(
                "Add from the web", open=False, visible=page.web_add_allowed(settings)
            ):
                web_url = gr.Textbox(
                    label="A web page or a feed (RSS, Atom)",
                    placeholder="https://…",
                    elem_id="web-url",
                    max_lines=1,
                )
                add_url = gr.Button("Add", elem_id="add-url")
                web_report = gr.Markdown(elem_id="web-report")
                gr.Markdown("**Feeds followed**")
                feeds = gr.HTML(elem_id="feeds")
                sync = gr.Button("Sync now", size="sm", elem_id="sync")
            stories.build()
            with gr.Accordion("Latest", open=False):
                latest = gr.HTML(elem_id="latest")
                refresh_latest = gr.Button("Refresh", size="sm", elem_id="refresh-latest")
            with gr.Accordion("Collection", open=False):
                collection = gr.HTML(elem_id="collection")
    return Layout(
        status, answers, asked, kept, chat, question, ask, examples, follow_ups, export, clear,
        sources, top_k, since, until, source, llm, files, add, report, web_url, add_url,
        web_report, feeds, sync, collection, latest, refresh_latest, stories,
    )  # fmt: skip

"""The page's API through gradio_client against a real server on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from qa import Answer
from web import render

ROOT = Path(__file__).resolve().parents[2]


def test_streamed_answer_with_citations_and_sources(sample_page) -> None:  # type: ignore[no-untyped-def]
    client = Client(sample_page.url, verbose=False)
    job = client.submit("What does Kim want from Russia?", 6, api_name="/stream")
    updates = list(job)  # every update the server streamed
    final = job.result()
    assert final["final"] is True
    assert any(u.get("final") is False and u["text"] for u in updates[:-1])
    assert re.search(r"satellite", final["text"]) and "[1]" in final["text"]
    [citation] = [c for c in final["citations"] if c["number"] == 1]
    assert citation["title"].startswith("North Korea said Kim Jong Un would visit Russia")
    assert citation["quote"] and citation["quote"] in citation["passage"]


def test_one_call_answer_and_refusal(sample_page) -> None:  # type: ignore[no-untyped-def]
    client = Client(sample_page.url, verbose=False)
    result = Answer(**client.predict("How is Kim traveling to Russia?", 6, api_name="/ask"))
    assert "armored train" in result.text and result.citations
    refused = Answer(**client.predict("What did Kim eat for breakfast?", 6, api_name="/ask"))
    assert refused.refused and not refused.citations


def test_bad_question_is_a_clear_error_not_a_crash(sample_page) -> None:  # type: ignore[no-untyped-def]
    client = Client(sample_page.url, verbose=False)
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", 6, api_name="/ask")
    # the server is still answering
    assert Answer(**client.predict("Who is Andrei Lankov?", 6, api_name="/ask")).citations


def test_empty_store_tells_the_user_what_to_do(page_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = page_factory(store_dir=tmp_path / "empty")
    client = Client(page.url, verbose=False)
    with pytest.raises(Exception, match="article-qa ingest"):
        client.predict("What does Kim want from Russia?", 6, api_name="/ask")


def test_auth_refuses_requests_without_login(page_factory, sample_store: Path) -> None:  # type: ignore[no-untyped-def]
    page = page_factory(store_dir=sample_store, auth="editor:s3cret")
    assert httpx.get(page.url + "config").status_code in (401, 403)
    api = httpx.post(page.url + "gradio_api/call/ask", json={"data": ["Who is Lankov?", 6]})
    assert api.status_code in (401, 403)
    with pytest.raises(Exception):  # noqa: B017 (any refusal will do, it must not answer)
        Client(page.url, verbose=False).predict("Who is Lankov?", 6, api_name="/ask")
    client = Client(page.url, auth=("editor", "s3cret"), verbose=False)
    assert Answer(**client.predict("Who is Andrei Lankov?", 6, api_name="/ask")).citations


def test_share_link_impossible_offline_says_so_and_keeps_serving(
    sample_store: Path, tmp_path: Path
) -> None:
    """`article-qa serve --share` with no internet: one clear line, then the page serves."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli",
            "serve",
            "--store",
            str(sample_store),
            "--port",
            "7931",
            "--share",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "serving on" in line:
                break
        said = "".join(lines)
        assert "no share link" in said and "serving locally only" in said, said
        assert httpx.get("http://127.0.0.1:7931/").status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)


def test_untrusted_text_is_rendered_as_text() -> None:
    evil = Answer(
        question="q",
        text="<script>window.__xss=1</script> [x](javascript:alert(1)) said [1].",
        answerer="offline",
        citations=[
            {
                "number": 1,
                "article_id": "a",
                "title": "<img src=x onerror=alert(1)>",
                "url": "javascript:alert(1)",
                "passage": "<b onmouseover=alert(1)>hi</b>",
                "start": 0,
                "end": 5,
                "score": 0.5,
            }
        ],
    )
    md = render.answer_markdown(evil, 0)
    assert "<script" not in md and "](javascript" not in md
    assert '<a href="#src-0-1" class="aq-cite">' in md
    cards = render.sources_html([evil])
    assert "<img" not in cards and "<b " not in cards and "javascript:" not in cards
    assert "&lt;img src=x onerror=alert(1)&gt;" in cards


def test_a_quoted_headline_is_marked_on_its_card() -> None:
    def citation(number: int, headline: bool) -> dict:
        return {
            "number": number,
            "article_id": "a",
            "title": "Pilots <picket> over contract",
            "passage": "Hundreds of pilots picketed on Tuesday.",
            "start": 0,
            "end": 39,
            "score": 0.5,
            "headline": headline,
            "quote": "" if headline else "Hundreds of pilots picketed on Tuesday.",
            "quote_start": -1 if headline else 0,
            "quote_end": -1 if headline else 39,
        }

    result = Answer(
        question="q",
        text="x [1]. y [2].",
        answerer="offline",
        citations=[citation(1, True), citation(2, False)],
    )
    cards = render.sources_html([result])
    assert "[1] <mark>Pilots &lt;picket&gt; over contract</mark>" in cards
    assert "[2] Pilots &lt;picket&gt; over contract</div>" in cards
    assert "<mark>Hundreds of pilots picketed on Tuesday.</mark>" in cards


def test_the_short_answer_stands_out_and_its_span_is_marked_in_the_quote() -> None:
    passage = "Kim <is> expected in Vladivostok, officials said. More text."
    quote_end = passage.index(" More")
    answer_start = passage.index("Vladivostok")
    result = Answer(
        question="Where is Kim going?",
        text="Vladivostok [1]. Kim <is> expected in Vladivostok, officials said [1].",
        answerer="offline",
        short={"text": "Vladivostok", "citation": 1, "confidence": 0.8},
        citations=[
            {
                "number": 1,
                "article_id": "a",
                "title": "t",
                "passage": passage,
                "start": 0,
                "end": len(passage),
                "score": 0.5,
                "quote": passage[:quote_end],
                "quote_start": 0,
                "quote_end": quote_end,
                "answer_start": answer_start,
                "answer_end": answer_start + len("Vladivostok"),
            }
        ],
    )
    md = render.answer_markdown(result, 0)
    head, _, rest = md.partition("\n\n")
    assert head.startswith('<p class="aq-short"><strong>Vladivostok <a href="#src-0-1"')
    assert rest.startswith("Kim &#60;is&#62; expected") and 'href="#src-0-1"' in rest
    cards = render.sources_html([result])
    assert (
        '<mark>Kim &lt;is&gt; expected in <mark class="aq-answer">Vladivostok</mark>'
        ", officials said.</mark> More text." in cards
    )


def test_the_reader_page_answers_with_its_answer_shape(page_factory, sample_store: Path) -> None:  # type: ignore[no-untyped-def]
    """ARTICLE_QA_OFFLINE_READER=true: a real server, the reader's answer over its API; the
    chat's Markdown puts a short answer (when one is given) in bold above the quote."""
    page = page_factory(store_dir=sample_store, offline_reader=True, rerank=True)
    client = Client(page.url, verbose=False)
    data = client.predict("What is Putin seeking from North Korea?", 6, api_name="/ask")
    result = Answer(**data)
    assert "short" in data and not result.refused
    assert "artillery shells" in result.text and len(result.text.split()) <= 45
    shown = render.answer_markdown(result, 0)
    assert shown.startswith('<p class="aq-short"><strong>') == (result.short is not None)
    refused = Answer(**client.predict("Who won the 2022 World Cup?", 6, api_name="/ask"))
    assert refused.refused and refused.short is None


def test_the_page_is_built_over_the_assistant_it_is_given(tmp_path: Path) -> None:
    """create_demo takes the Assistant (no attribute patching), loads no model to build the
    page, and can be called twice; the passage slider reaches Settings' own limit."""
    import gradio as gr

    from qa import Assistant, Settings
    from web import create_demo

    bot = Assistant(Settings(store_dir=tmp_path / "store"))
    first, second = create_demo(bot), create_demo(bot)
    assert first is not second and not hasattr(first, "article_qa")
    assert "embeddings" not in vars(bot) and "store" not in vars(bot)  # nothing loaded yet
    [slider] = [b for b in first.blocks.values() if isinstance(b, gr.Slider)]
    assert slider.maximum == 50  # Settings.top_k allows 1..50


def test_a_store_failure_under_a_running_page_is_an_error_not_silence(
    page_factory, sample_store: Path
) -> None:  # type: ignore[no-untyped-def]
    """/ask and /stream raise with the store's message (not zero items) when the store
    breaks under a running page, and the page answers again once it is whole."""
    page = page_factory(store_dir=sample_store)
    client = Client(page.url, verbose=False)
    assert Answer(**client.predict("Who is Andrei Lankov?", 6, api_name="/ask")).citations
    db = sample_store / "chroma.sqlite3"
    whole = db.read_bytes()
    db.write_bytes(b"this is not a database" * 1000)
    try:
        for endpoint in ("/ask", "/stream"):
            with pytest.raises(Exception, match="article store at"):
                client.predict("How is Kim traveling to Russia?", 6, api_name=endpoint)
    finally:
        db.write_bytes(whole)


def test_add_from_the_web_says_whether_it_found_a_page_or_a_feed(
    page_factory, site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.pages import strike_story

    page_url, feed_url = strike_story(site)
    page = page_factory(store_dir=tmp_path / "store", fetch_allow_private=True)
    client = Client(page.url, verbose=False)
    report, feeds, collection = client.predict(page_url, api_name="/add_url")
    assert report.startswith("**Page: 1 added") and "Velmar dock workers strike" in collection
    page.bot.feeds.add(site.url + "/other.xml")  # followed already: not synced by this add
    report, feeds, _ = client.predict(feed_url, api_name="/add_url")
    assert report.startswith("**Feed: 1 feeds") and "Velmar Wire" in feeds
    assert "- Velmar Wire: 0 new" in report
    assert "1 unchanged" in report  # the page it links was stored already: not again
    report, _, _ = client.predict("file:///etc/passwd", api_name="/add_url")
    assert "is not a web address: give an http:// or https:// URL" in report


def test_the_latest_panel_lists_todays_stories(page_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json
    from datetime import date

    story = tmp_path / "today.json"
    story.write_text(
        json.dumps(
            {
                "title": "Velmar ferry gets a new timetable",
                "date": date.today().isoformat(),
                "url": "https://gazette.example/ferry",
                "source": "gazette",
                "text": "The Velmar ferry will leave at seven from June, the harbour office "
                "said on Monday. Tickets bought earlier stay valid.",
            }
        )
    )
    page = page_factory(store_dir=tmp_path / "store")
    page.bot.ingest([story])
    shown = Client(page.url, verbose=False).predict(api_name="/latest")
    assert (
        "Velmar ferry gets a new timetable" in shown
        and 'href="https://gazette.example/ferry"' in shown
    )
    assert "The Velmar ferry will leave at seven from June" in shown


def test_app_py_is_the_thin_entry_a_space_runs(tmp_path: Path) -> None:
    """`gradio app.py` and a Hugging Face Space import app.py's `demo`: built over an
    Assistant without loading a model, and without a second page."""
    code = (
        "import sys, gradio, app; "
        "assert isinstance(app.demo, gradio.Blocks); "
        "assert 'embeddings' not in vars(app.bot); "
        "print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "ARTICLE_QA_STORE_DIR": str(tmp_path / "store"),
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr

"""What a hostile visitor of the page can send through "Add from the web" and the API, and
what an operator can turn off (issue 18). A real page (Gradio, in this process) is driven
through ``gradio_client``; pages and feeds come from a real HTTP server on 127.0.0.1, which
the page may fetch from only because these tests turn ARTICLE_QA_FETCH_ALLOW_PRIVATE on."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from qa import Assistant, FeedListError, InputError, Settings, StoreError
from tests.fixtures.pages import HARBOUR, html_page, strike_story
from tests.fixtures.servers import Site

ROOT = Path(__file__).resolve().parents[2]
SECRET = "The database password for the production server is hunter2-velmar."


def _keys(value: Any) -> set[str]:
    """Every key of every dict inside a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_web_box_takes_web_addresses_only(page_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "server" / "ops-notes.txt"
    notes.parent.mkdir()
    notes.write_text(f"Ops notes\n\n{SECRET}\n")
    page = page_factory(store_dir=tmp_path / "store", fetch_allow_private=True)
    client = Client(page.url, verbose=False)
    for given in (str(notes), str(notes.parent), str(ROOT / "data" / "articles"), "~/x.txt"):
        report, _, collection = client.predict(given, api_name="/add_url")
        assert "is not a web address: give an http:// or https:// URL" in report, report
        assert "No articles" in collection or "0 articles" in collection
    assert page.bot.count() == 0  # nothing was read from the server's disk
    with pytest.raises(InputError, match="not a web address"):
        Assistant(Settings(store_dir=tmp_path / "store")).add_from_web(str(notes))


def test_malformed_urls_and_charsets_are_one_failed_line(
    page_factory, site: Site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    odd = site.page("/odd.html", html_page("Velmar ferry timetable", HARBOUR))
    site.routes["/odd.html"] = (
        200,
        "text/html; charset=x-no-such-charset",
        site.routes["/odd.html"][2],
        {},
    )
    page = page_factory(store_dir=tmp_path / "store", fetch_allow_private=True)
    client = Client(page.url, verbose=False)
    for url, reason in (
        ("http://" + "a" * 64 + ".example/", "is not a valid host name"),
        ("http://a..b/", "is not a valid host name"),
        ("http://news.example:99999/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
        ("http://news.example/" + "x" * 70_000, "is over 8,192 characters"),
    ):
        report, _, _ = client.predict(url, api_name="/add_url")
        assert "0 added" in report and "1 failed" in report and reason in report, report
    report, _, collection = client.predict(odd, api_name="/add_url")
    assert report.startswith("**Page: 1 added"), report  # read as UTF-8 instead
    assert "Velmar ferry timetable" in collection


def test_a_slow_server_holds_up_only_its_own_request(
    page_factory, site: Site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    site.drips["/slow.html"] = 0.3  # a byte every 0.3 s, never the end
    fast = site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    page = page_factory(store_dir=tmp_path / "store", fetch_allow_private=True, fetch_deadline=4)
    slow_report: list[str] = []

    def add_slow() -> None:
        slow_report.append(
            Client(page.url, verbose=False).predict(site.url + "/slow.html", api_name="/add_url")[0]
        )

    slow = threading.Thread(target=add_slow)
    slow.start()
    while "/slow.html" not in site.asked:  # the slow fetch has begun
        threading.Event().wait(0.05)
    report, _, _ = Client(page.url, verbose=False).predict(fast, api_name="/add_url")
    assert report.startswith("**Page: 1 added")
    assert slow.is_alive()  # the other request was answered while this one still waited
    slow.join(60)
    assert "no complete answer within the 4 s limit" in slow_report[0], slow_report


def test_feed_links_that_are_not_web_addresses_are_never_stored(site: Site, tmp_path: Path) -> None:
    items = "".join(
        f"<item><guid>g{i}</guid><link>{link}</link><title>Ferry notice {i}</title>"
        f"<description>The Velmar ferry number {i} will leave from pier {i} at seven.</description></item>"
        for i, link in enumerate(
            ["javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>"]
        )
    )
    feed = site.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ferries</title>{items}'
        "</channel></rss>",
        "application/rss+xml",
    )
    bot = Assistant(Settings(store_dir=tmp_path / "store", fetch_allow_private=True))
    bot.feeds.add(feed)
    [result] = bot.sync().feeds
    assert result.new == 2, result
    assert [a.url for a in bot.articles()] == ["", ""]
    answer = bot.ask("When does the Velmar ferry leave?")
    assert answer.citations and all(c.url == "" for c in answer.citations)
    assert (
        "javascript:" not in answer.model_dump_json()
        and "data:text" not in answer.model_dump_json()
    )


def _wire_copies(n: int) -> str:
    """A feed of ``n`` summary-only items, each the same wire story with its outlet's line."""
    story = (
        "The harbour authority of Velmar announced on Monday that the old lighthouse on the "
        "northern pier will be restored over the coming two years, with a museum of ships "
        "on its ground floor and a viewing gallery at the top that will open to visitors "
        "every weekend. The work will cost eleven million and will be paid by the city and "
        "a fund of the maritime guild, which has kept the lighthouse since it was closed."
    )
    items = "".join(
        f"<item><guid>copy-{i}</guid><title>Velmar lighthouse to be restored</title>"
        f"<description>{story} Reported by outlet {i}.</description></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wires</title>{items}</channel></rss>'


def test_a_feed_of_copies_is_folded_and_counted_and_what_a_story_carries_is_capped(
    site: Site, tmp_path: Path
) -> None:
    feed = site.page("/wires.xml", _wire_copies(30), "application/rss+xml")
    bot = Assistant(Settings(store_dir=tmp_path / "store", fetch_allow_private=True))
    bot.feeds.add(feed)
    report = bot.sync()
    [result] = report.feeds
    assert (result.new, result.folded, result.unchanged) == (1, 29, 0), result
    assert "29 copies of stored stories folded" in result.summary()
    cited = bot.ask("What will happen to the Velmar lighthouse?").citations[0]
    assert len(cited.also_at) == 20 and cited.also_at_more == 9
    assert len(cited.model_dump_json()) < 8_000
    again = bot.sync()  # nothing new: the copies are not counted twice
    assert again.feeds[0].new == again.feeds[0].folded == 0
    assert bot.ask("What will happen to the Velmar lighthouse?").citations[0].also_at_more == 9


def test_the_documented_api_works_on_a_story_with_copies_and_shows_no_server_paths(
    page_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere" / "fest"  # not under the page's working directory
    outside.mkdir(parents=True)
    body = (
        "The lantern festival of Velmar drew forty thousand visitors on Saturday night, "
        "the organisers said, and the winning team built a lantern in the shape of a whale "
        "that rose above the harbour for an hour before midnight. The festival returns next "
        "year on the last Saturday of September, with boats from six towns."
    )
    (outside / "fest1.txt").write_text(f"date 2024-09-28 Lantern festival draws crowds\n\n{body}\n")
    (outside / "fest2.txt").write_text(
        f"date 2024-09-29 Lantern festival draws crowds\n\n{body} Copied from the wire.\n"
    )
    store = tmp_path / "store"
    report = Assistant(Settings(store_dir=store)).ingest([outside])
    assert report.added == 1 and report.folded == 1
    page = page_factory(store_dir=store)
    client = Client(page.url, verbose=False)
    answer = client.predict("How many visitors came to the lantern festival?", 6, api_name="/ask")
    assert answer["citations"] and answer["citations"][0]["also_at"], answer
    assert "path" not in _keys(answer)
    assert str(tmp_path) not in json.dumps(answer)
    final = list(
        client.submit("How many visitors came to the lantern festival?", 6, api_name="/stream")
    )[-1]
    assert final["final"] and "path" not in _keys(final) and str(tmp_path) not in json.dumps(final)


def test_an_operator_can_turn_off_uploads_web_adds_and_every_write(
    page_factory, sample_store: Path, site: Site
) -> None:  # type: ignore[no-untyped-def]
    page_url, _ = strike_story(site)
    no_uploads = page_factory(store_dir=sample_store, allow_uploads=False)
    assert Client(no_uploads.url, verbose=False).predict(page_url, api_name="/add_url")
    demo = page_factory(store_dir=sample_store, read_only=True, fetch_allow_private=True)
    client = Client(demo.url, verbose=False)
    with pytest.raises(ValueError, match="add_url"):
        client.predict(page_url, api_name="/add_url")  # no such endpoint on a read-only page
    answer = client.predict("How is Kim traveling to Russia?", 6, api_name="/ask")
    assert "armored train" in answer["text"]
    for write in (
        lambda: demo.bot.add_from_web(page_url),
        lambda: demo.bot.ingest([ROOT / "data" / "articles"]),
        lambda: demo.bot.feeds.add(site.url + "/feed.xml"),
        lambda: demo.bot.sync(),
        lambda: demo.bot.remove(demo.bot.articles()[0].id),
    ):
        with pytest.raises((StoreError, FeedListError), match="read-only"):
            write()
    assert demo.bot.count() > 0 and len(demo.bot.articles()) == 1

"""The store and the feeds under operators' and attackers' mistakes (issue 18), with real
subprocesses of ``article-qa`` over real stores and a real HTTP server on 127.0.0.1 (which
the commands may fetch from only because ARTICLE_QA_FETCH_ALLOW_PRIVATE is on here)."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from gradio_client import Client

from qa import Assistant, Settings
from tests.fixtures.cli import ROOT, cli, start_cli
from tests.fixtures.pages import HARBOUR, html_page, rss_feed
from tests.fixtures.servers import Site

FERRY = (
    "The ferry between Velmar and the island of Osk will sail four times a day from June, "
    "the shipping line said, after a new boat with room for two hundred cars was delivered."
    "\n\nTickets go on sale in May; the first crossing leaves Velmar at six in the morning."
)
PRIVATE = {"ARTICLE_QA_FETCH_ALLOW_PRIVATE": "true", "ARTICLE_QA_FETCH_DELAY": "0"}


def _wait_for(condition, what: str, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = threading.Event()
    timer = threading.Timer(seconds, deadline.set)
    timer.start()
    try:
        while not condition():
            assert not deadline.wait(0.05), f"{what} did not happen"
    finally:
        timer.cancel()


def test_malformed_urls_and_charsets_are_one_failed_line_each(site: Site, tmp_path: Path) -> None:
    odd = site.page("/odd.html", html_page("Velmar ferry timetable", HARBOUR))
    body = site.routes["/odd.html"][2]
    site.routes["/odd.html"] = (200, "text/html; charset=x-no-such-charset", body, {})
    bad = [
        "http://" + "a" * 64 + ".example/",
        "http://a..b/",
        "http://news.example:99999/",
        "http://news.example:abc/",
        "http://[::1/",
    ]
    done = cli("ingest", *bad, odd, "--store", str(tmp_path / "store"), env=PRIVATE)
    assert done.returncode == 1, done.stderr  # something failed, the rest is stored
    assert "Traceback" not in done.stderr
    assert "1 added, 0 updated, 0 unchanged, 5 failed" in done.stdout
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 5 and all(any(b[:30] in line for b in bad) for line in failed)


def test_one_bad_item_or_feed_never_stops_a_sync(site: Site, tmp_path: Path) -> None:
    site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    site.page("/news/ferry.html", html_page("Velmar ferry timetable", FERRY))
    body = site.routes["/news/ferry.html"][2]
    site.routes["/news/ferry.html"] = (200, "text/html; charset=x-no-such-charset", body, {})
    long_label = "http://" + "a" * 64 + ".example/story"
    first = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>First</title>'
        f"<item><guid>long</guid><link>{long_label}</link><title>Bad link</title></item>"
        f"<item><guid>ferry</guid><link>{site.url}/news/ferry.html</link><title>Ferry</title></item>"
        "</channel></rss>"
    )
    site.page("/first.xml", first, "application/rss+xml")
    site.page(
        "/second.xml",
        rss_feed(site, [("s1", "/news/strike.html", "Velmar dock workers strike", "")]),
        "application/rss+xml",
    )
    store = str(tmp_path / "store")
    for path in ("/first.xml", "/second.xml"):
        assert cli("feeds", "add", site.url + path, "--store", store).returncode == 0
    synced = cli("sync", "--quiet", "--store", store, env=PRIVATE)
    assert "Traceback" not in synced.stderr
    assert synced.returncode == 1  # an item failed: said, and the rest stored
    assert f"failed: {long_label}" in synced.stderr and "is not a valid host name" in synced.stderr
    assert "2 feeds (0 unreadable): 2 new" in synced.stdout
    listed = cli("feeds", "list", "--store", store)
    assert listed.stdout.count("last sync never") == 0 and "2 feeds followed" in listed.stdout
    titles = cli("list", "--store", store).stdout
    assert "Velmar ferry timetable" in titles and "Velmar dock workers strike" in titles


def test_a_slow_server_never_holds_the_write_lock(site: Site, tmp_path: Path) -> None:
    site.drips["/slow.html"] = 0.5  # a byte every half second, never the end
    store = str(tmp_path / "store")
    env = {**PRIVATE, "ARTICLE_QA_FETCH_DEADLINE": "20"}
    slow = start_cli("ingest", site.url + "/slow.html", "--store", store, env=env)
    _wait_for(lambda: "/slow.html" in site.asked, "the slow fetch")
    other = cli("ingest", str(ROOT / "data" / "articles"), "--store", store)
    assert other.returncode == 0 and "1 added" in other.stdout, other.stderr
    assert "waiting for" not in other.stderr  # no lock was held by the fetching process
    assert slow.poll() is None  # written while the slow page was still arriving
    _, err = slow.communicate(timeout=120)
    assert slow.returncode == 1 and "no complete answer within the 20 s limit" in err, err
    assert "Traceback" not in err


def test_writers_that_opened_the_store_before_a_reindex_keep_working(tmp_path: Path) -> None:
    store = tmp_path / "store"
    bot = Assistant(Settings(store_dir=store))
    assert bot.ingest([ROOT / "data" / "articles"]).added == 1
    chunks = bot.count()
    reindexed = cli("reindex", "--store", str(store))
    assert reindexed.returncode == 0, reindexed.stderr
    extra = tmp_path / "extra.txt"
    extra.write_text("date 2024-05-14 Velmar dock workers strike\n\n" + HARBOUR)
    assert bot.ingest([extra]).added == 1  # this process opened the store before the swap
    strike = bot.find("Velmar dock workers strike")[0]
    assert bot.remove(strike.id) > 0 and bot.count() == chunks
    assert "armored train" in bot.ask("How is Kim traveling to Russia?").text
    removed = cli("remove", "Velmar", "--store", str(store))  # nothing left by that name
    assert "Traceback" not in removed.stderr


def test_feed_edits_during_a_sync_are_kept(site: Site, tmp_path: Path) -> None:
    site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    site.delays["/news/strike.html"] = 8  # the sync is busy here while the list is edited
    for name in ("one", "two", "three"):
        site.page(
            f"/{name}.xml",
            rss_feed(site, [(name, "/news/strike.html", "Velmar dock workers strike", "")]),
            "application/rss+xml",
        )
    store = str(tmp_path / "store")
    for name in ("one", "three"):
        assert cli("feeds", "add", f"{site.url}/{name}.xml", "--store", store).returncode == 0
    sync = start_cli("sync", "--quiet", "--store", store, env=PRIVATE)
    _wait_for(lambda: "/news/strike.html" in site.asked, "the item fetch")
    added = cli("feeds", "add", f"{site.url}/two.xml", "--store", store)
    removed = cli("feeds", "remove", f"{site.url}/three.xml", "--store", store)
    assert added.returncode == 0 and removed.returncode == 0, added.stderr + removed.stderr
    sync.communicate(timeout=120)
    followed = json.loads((tmp_path / "store" / "feeds.json").read_text())["feeds"]
    assert [f["url"] for f in followed] == [f"{site.url}/one.xml", f"{site.url}/two.xml"]
    assert followed[0]["seen"] == {"one": ""}  # the sync's own progress was saved too
    assert "/three.xml" not in site.asked  # the removed feed was not synced


def test_a_wrongly_typed_feed_list_is_named_not_a_traceback(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert cli("ingest", str(ROOT / "data" / "articles"), "--store", str(store)).returncode == 0
    (store / "feeds.json").write_text(json.dumps({"feeds": [{"url": 5}]}))
    for command in (
        ["feeds", "list"],
        ["sync", "--quiet"],
        ["feeds", "add", "https://a.example/f"],
    ):
        done = cli(*command, "--store", str(store))
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert (
            "feeds.json is not valid: feed 1's url: Input should be a valid string" in done.stderr
        )
        assert "fix or remove that entry" in done.stderr


def test_a_store_deleted_under_a_running_page_is_said_and_a_new_one_is_picked_up(
    page_factory, sample_store: Path, site: Site
) -> None:  # type: ignore[no-untyped-def]
    page_url = site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    page = page_factory(store_dir=sample_store, fetch_allow_private=True)
    client = Client(page.url, verbose=False)
    assert (
        "armored train"
        in client.predict("How is Kim traveling to Russia?", 6, api_name="/ask")["text"]
    )
    shutil.rmtree(sample_store)
    with pytest.raises(Exception, match="was deleted or moved while article-qa was running"):
        client.predict("How is Kim traveling to Russia?", 6, api_name="/ask")
    report, _, _ = client.predict(page_url, api_name="/add_url")
    assert "was deleted or moved" in report, report
    assert not sample_store.exists()  # nothing written into a new, empty store
    again = cli("ingest", str(ROOT / "data" / "articles"), "--store", str(sample_store))
    assert again.returncode == 0, again.stderr
    answer = client.predict("How is Kim traveling to Russia?", 6, api_name="/ask")
    assert "armored train" in answer["text"]

"""Pages and feeds from the web (issue 12), from a real HTTP server on 127.0.0.1 serving
pages and feeds written for these tests. Fetching from 127.0.0.1 needs
ARTICLE_QA_FETCH_ALLOW_PRIVATE, which the tests turn on only for their own server; with it
off, the same addresses are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qa import Assistant, Settings
from tests.fixtures.pages import HARBOUR, html_page, rss_feed, strike_story
from tests.fixtures.servers import Site

ROOT = Path(__file__).resolve().parents[2]


def _bot(store: Path, **extra: object) -> Assistant:
    return Assistant(Settings(store_dir=store, fetch_allow_private=True, **extra))


def test_a_page_by_url_is_ingested_once_and_replaced_when_it_changes(
    site: Site, tmp_path: Path
) -> None:
    url = site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    bot = _bot(tmp_path / "store")
    first = bot.ingest([url])
    assert first.added == 1 and not first.failed
    [article] = bot.articles()
    assert article.url == url and article.date == "2024-05-14" and "strike" in article.title
    result = bot.ask("Why did the Velmar dock workers strike?")
    assert "Velmar" in result.text and result.citations[0].url == url
    assert "nine percent" in result.citations[0].passage
    assert bot.ingest([url]).unchanged == 1  # the same page again stores nothing
    site.page(
        "/news/strike.html",
        html_page("Velmar dock workers strike", HARBOUR.replace("nine", "eleven")),
    )
    changed = bot.ingest([url])
    assert changed.updated == 1 and len(bot.articles()) == 1
    passages = " ".join(p.text for p in bot.passages("Velmar dock workers pay raise", 10))
    assert "eleven percent" in passages and "nine percent" not in passages  # old chunks gone


def test_private_addresses_are_refused_unless_allowed(site: Site, tmp_path: Path) -> None:
    url = site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    bot = Assistant(Settings(store_dir=tmp_path / "store"))  # the default: public only
    report = bot.ingest([url, "http://localhost:1/x.html", "file:///etc/passwd"])
    reasons = " | ".join(f"{e.path}: {e.reason}" for e in report.failed)
    assert report.added == 0 and len(report.failed) == 3, reasons
    assert "file:///etc/passwd: only http:// and https:// URLs are fetched" in reasons
    assert "is a private or local address (127.0.0.1)" in reasons
    assert "ARTICLE_QA_FETCH_ALLOW_PRIVATE=true" in reasons
    assert site.log == []  # nothing was even asked


def test_bad_urls_are_reported_with_their_reason(site: Site, tmp_path: Path) -> None:
    site.routes["/report.pdf"] = (200, "application/pdf", b"%PDF-1.4 ...", {})
    site.routes["/gone.html"] = (500, "text/plain", b"boom", {})
    loop = site.redirect("/loop", "/loop")
    feed = site.page("/feed.xml", rss_feed(site, []), "application/rss+xml")
    good = site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    report = _bot(tmp_path / "store").ingest(
        [
            site.url + "/report.pdf",
            site.url + "/missing.html",
            site.url + "/gone.html",
            loop,
            feed,
            good,
        ]
    )
    reasons = {e.path.removeprefix(site.url): e.reason for e in report.failed}
    assert report.added == 1  # the rest are reported, the good page is stored
    assert "application/pdf is not a web page or a feed" in reasons["/report.pdf"]
    assert "answered 404" in reasons["/missing.html"] and "answered 500" in reasons["/gone.html"]
    assert "more than 5 redirects" in reasons["/loop"]
    assert "this is a feed" in reasons["/feed.xml"] and "feeds add" in reasons["/feed.xml"]


def test_a_feed_is_followed_synced_conditionally_and_updates_arrive(
    site: Site, tmp_path: Path
) -> None:
    site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    items = [
        (
            "velmar-1",
            "/news/strike.html",
            "Velmar dock workers strike",
            "Tue, 14 May 2024 08:00:00 GMT",
        ),
        ("velmar-2", "/news/lost.html", "Ferry timetable changes", "Tue, 14 May 2024 09:00:00 GMT"),
    ]
    feed_url = site.page("/feed.xml", rss_feed(site, items), "application/rss+xml")
    bot = _bot(tmp_path / "store")
    bot.feeds.add(feed_url)
    first = bot.sync()
    [result] = first.feeds
    assert (result.new, result.failed) == (2, []), result
    assert any("summary only" in n and "answered 404" in n for n in result.notes)
    cited = bot.ask("Why did the Velmar dock workers strike?").citations
    assert cited and "nine percent" in cited[0].passage
    [feed] = bot.feeds.all()
    assert feed.name == "Velmar Wire" and len(feed.seen) == 2 and feed.etag

    site.log.clear()
    again = bot.sync()
    assert again.feeds[0].new == 0 and ("/feed.xml", 304) in site.log
    assert [path for path, _ in site.log] == ["/feed.xml"]  # nothing else transferred

    site.page(
        "/news/strike.html",
        html_page("Velmar dock workers strike", HARBOUR.replace("nine", "eleven")),
    )
    items[0] = (*items[0][:3], "Wed, 15 May 2024 08:00:00 GMT")
    site.page("/feed.xml", rss_feed(site, items), "application/rss+xml")
    third = bot.sync()
    assert third.feeds[0].updated == 1 and third.feeds[0].new == 0
    passages = " ".join(p.text for p in bot.passages("Velmar dock workers pay raise", 10))
    assert "eleven percent" in passages and "nine percent" not in passages


def test_the_cli_follows_and_syncs_feeds(site: Site, tmp_path: Path) -> None:
    _, feed_url = strike_story(site)
    site.routes["/broken.xml"] = (200, "application/rss+xml", b"<<< not a feed at all", {})
    store = str(tmp_path / "store")
    env = {**os.environ, "ARTICLE_QA_FETCH_ALLOW_PRIVATE": "true"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", *args, "--store", store],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    assert cli("feeds", "add", feed_url, "--name", "Velmar").returncode == 0
    assert cli("feeds", "add", site.url + "/broken.xml").returncode == 0
    synced = cli("sync", "-q")
    assert synced.returncode == 1  # one feed could not be read: said, and the rest stored
    assert "Velmar: 1 new, 0 updated, 0 unchanged, 0 failed" in synced.stdout
    assert "not a readable feed" in synced.stderr
    listed = cli("feeds", "list")
    assert "Velmar" in listed.stdout and "1 items" in listed.stdout and "2 feeds" in listed.stdout
    assert cli("feeds", "remove", "Velmar").returncode == 0
    assert "1 feeds followed" in cli("feeds", "list").stdout
    assert "Velmar dock workers strike" in cli("list").stdout  # its articles stay


def test_a_feed_s_bad_items_and_bad_turns_are_reported_and_the_rest_stored(
    site: Site, tmp_path: Path
) -> None:
    site.page("/news/strike.html", html_page("Velmar dock workers strike", HARBOUR))
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Odd feed</title>'
        f"<link>{site.url}/</link><description>x</description>"
        f"<item><guid>a</guid><link>{site.url}/news/strike.html</link><title>Strike</title></item>"
        f"<item><guid>a</guid><link>{site.url}/news/other.html</link><title>Again a</title></item>"
        "<item><title>No link, no id, no summary</title></item>"
        "<item><guid>c</guid><title>Only a summary</title>"
        "<description>The Velmar ferry will leave at seven from June.</description></item>"
        "</channel></rss>"
    )
    feed_url = site.page("/odd.xml", feed, "application/rss+xml")
    html_url = site.page("/turned.xml", "<html><body>We moved!</body></html>")
    closed = "http://127.0.0.1:1/feed.xml"  # nothing listens there
    bot = _bot(tmp_path / "store")
    for url in (feed_url, html_url, closed):
        bot.feeds.add(url)
    odd, turned, unreachable = bot.sync().feeds
    assert odd.new == 2 and not odd.error  # the first "a" and the summary-only item
    assert any("the item id a repeats" in f for f in odd.failed)
    assert any("an item without a link or id" in f for f in odd.failed)
    assert any(
        n.startswith(f"{feed_url}#c: summary only: the page could not be read") for n in odd.notes
    )
    assert "serves a web page, not a feed" in turned.error
    assert unreachable.error.startswith("cannot connect")
    titles = {a.title for a in bot.articles()}
    assert titles == {"Velmar dock workers strike", "Only a summary"}
    assert {f.url: f.last_error for f in bot.feeds.all()}[html_url]  # remembered per feed


def test_sync_every_keeps_going_until_ctrl_c(site: Site, tmp_path: Path) -> None:
    import signal
    import time

    _, feed_url = strike_story(site)
    store = tmp_path / "store"
    _bot(store).feeds.add(feed_url)
    env = {**os.environ, "ARTICLE_QA_FETCH_ALLOW_PRIVATE": "true"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "sync", "-q", "--every", "1m", "--store", str(store)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first round's summary: it keeps running after it
    assert "1 new" in first, first
    time.sleep(0.5)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    [feed] = _bot(store).feeds.all()
    assert len(feed.seen) == 1 and feed.last_fetch  # its state was saved

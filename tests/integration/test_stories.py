"""Stories over a real store and the real embedder: formed and extended across three
generated outlets and three days, another event on the same days kept apart, a removal
updating its story, timelines in order with citations, questions scoped to a story."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Assistant, Filters, QuestionError, Settings
from tests.fixtures.chat import ScriptedChat
from tests.fixtures.summit import FOLLOW_UPS, OTHER_EVENT, write_articles
from vectorstore import ArticleStore, ingest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data/articles/kim-putin-summit.txt"


@pytest.fixture
def summit(tmp_path: Path, store: ArticleStore) -> Assistant:
    """The sample, then its follow-ups and another event, ingested in two runs."""
    ingest([SAMPLE], store)
    ingest([write_articles(tmp_path / "more", FOLLOW_UPS + OTHER_EVENT, "more")], store)
    return Assistant(Settings(store_dir=str(store.folder)))


def test_one_event_across_outlets_and_days_is_one_story(summit: Assistant) -> None:
    stories = summit.stories()
    assert len(stories) == 2
    kim, lanterns = stories  # latest first: the summit's last article is on the 15th
    assert [a.date for a in kim.articles] == [
        "2023-09-11",
        "2023-09-12",
        "2023-09-13",
        "2023-09-15",
    ]
    assert kim.outlets == ["Harbor Post", "Northern Wire", "Daily Meridian"]
    assert (kim.first, kim.last) == ("2023-09-11", "2023-09-15")
    assert "Kim" in kim.title
    assert {a.title for a in lanterns.articles} == {r["title"] for r in OTHER_EVENT}


def test_since_keeps_whole_stories_with_a_recent_article(summit: Assistant) -> None:
    from datetime import date

    recent = summit.stories(since=date(2023, 9, 14))
    assert len(recent) == 1 and len(recent[0].articles) == 4  # its older articles too
    assert summit.stories(since=date(2023, 9, 16)) == []


def test_a_later_article_extends_its_story_incrementally(tmp_path: Path, summit: Assistant) -> None:
    ledger = summit.store.story_ledger()
    before = {a: ledger.story_of(a) for a in ledger.articles_of(summit.stories()[0].id)}
    later = {
        "title": "Kim Jong Un leaves Russia after week-long visit and Putin talks",
        "date": "2023-09-17",
        "source": "Northern Wire",
        "url": "https://northern.example/kim-leaves-russia",
        "text": "North Korean leader Kim Jong Un left Russia on Sunday by armored train after a "
        "week-long visit that included talks with President Vladimir Putin and tours of "
        "military sites.",
    }
    ingest([write_articles(tmp_path / "later", [later], "later")], summit.store)
    kim = summit.stories()[0]
    assert kim.last == "2023-09-17" and len(kim.articles) == 5
    assert {a: ledger.story_of(a) for a in before} == before  # nothing regrouped


def test_removing_an_article_updates_its_story(summit: Assistant) -> None:
    kim = summit.stories()[0]
    last = kim.articles[-1]
    assert summit.remove(last.id) > 0
    kim = summit.stories()[0]
    assert len(kim.articles) == 3 and kim.last == "2023-09-13"
    assert last.id not in {a.id for a in kim.articles}


def test_timeline_is_in_order_and_cites_each_line(summit: Assistant) -> None:
    answer = summit.ask("What has happened with Kim's visit to Russia?", remember=False)
    assert answer.answerer == "timeline"
    lines = answer.text.splitlines()
    assert [line[:10] for line in lines] == ["2023-09-11", "2023-09-12", "2023-09-13", "2023-09-15"]
    for n, (line, citation) in enumerate(zip(lines, answer.citations, strict=True), start=1):
        assert line.rstrip(".").endswith(f"[{n}]")
        assert citation.quote and citation.quote in citation.passage
        assert citation.date == line[:10]
    assert "arrived in Russia" in lines[1] and "Vostochny" in lines[2]
    # the same through the named command
    assert summit.timeline("kim putin summit").text == answer.text


def test_timeline_of_nothing_stored_is_a_plain_answer(summit: Assistant) -> None:
    answer = summit.ask("What happened with the Mars landing?", remember=False)
    assert answer.answerer != "timeline"
    refused = summit.timeline("Mars landing")
    assert refused.refused and "No stored story" in refused.text


def test_a_question_scoped_to_a_story_cites_only_its_articles(summit: Assistant) -> None:
    lanterns = summit.stories()[1]
    ids = {a.id for a in lanterns.articles}
    question = "Kim Putin talks and the lantern festival crowds"
    assert {p.article_id for p in summit.passages(question, 6)} - ids  # the summit's too
    scoped = summit.passages(question, 6, Filters(story=lanterns.id))
    assert scoped and {p.article_id for p in scoped} <= ids
    for mode in ("dense", "bm25"):  # each side filters by itself
        summit.settings.retrieval_mode = mode  # type: ignore[misc]
        found = {p.article_id for p in summit.passages(question, 6, story=lanterns.id)}
        assert found and found <= ids
    answer = summit.ask(question, remember=False, filters=Filters(story=lanterns.id))
    assert answer.citations and {c.article_id for c in answer.citations} <= ids
    with pytest.raises(QuestionError, match="no stored story"):
        summit.ask("What did Kim say?", remember=False, filters=Filters(story="nosuchstory"))


def test_a_store_from_before_stories_is_grouped_on_its_next_write(
    tmp_path: Path, store: ArticleStore
) -> None:
    ingest([SAMPLE], store)
    ingest([write_articles(tmp_path / "a", FOLLOW_UPS[:2], "a")], store)
    store._client.delete_collection("articles.stories")  # as a store made before stories
    store._ledger = None
    ingest([write_articles(tmp_path / "b", FOLLOW_UPS[2:], "b")], store)
    bot = Assistant(Settings(store_dir=str(store.folder)))
    [kim] = bot.stories()
    assert len(kim.articles) == 4


def test_a_regrouping_killed_midway_is_done_again_on_the_next_write(
    tmp_path: Path, store: ArticleStore
) -> None:
    from vectorstore.story_ledger import Lead

    ingest([SAMPLE], store)
    ingest([write_articles(tmp_path / "a", FOLLOW_UPS[:2], "a")], store)
    assert store.story_ledger().complete
    # as a regrouping killed after its first article: one record, not marked complete
    store._client.delete_collection("articles.stories")
    store._ledger = None
    partial = store.story_ledger()
    [sample] = store.find_articles(str(SAMPLE))
    lead = Lead(sample.id, sample.title, sample.date, "", "", "")
    partial.add([(lead, store.embeddings.embed_query(lead.text), "")])
    assert not partial.complete and len(partial) == 1
    ingest([write_articles(tmp_path / "b", FOLLOW_UPS[2:], "b")], store)
    assert store.story_ledger().complete
    [kim] = Assistant(Settings(store_dir=str(store.folder))).stories()
    assert len(kim.articles) == 4


def test_a_chat_model_tells_the_timeline_its_lines_checked(
    summit: Assistant, chat: ScriptedChat
) -> None:
    bot = Assistant(summit.settings, model=chat)
    chat.script(
        "2023-09-11: North Korea said Kim Jong Un would visit Russia and meet Putin [1].\n"
        "2023-09-12: Kim arrived in Russia aboard his armored train [2].\n"
        "2023-09-13: Putin and Kim met at the Vostochny cosmodrome [3].\n"
        "2023-09-14: Kim flew to the Moon [7]."
    )
    answer = bot.ask("What has happened with Kim's visit to Russia?", remember=False)
    assert answer.answerer.startswith("timeline:llm:")
    system, user = (str(m.content) for m in chat.requests[0][:2])
    assert "one line per development" in system and "Story:" in user
    assert user.index("2023-09-11") < user.index("2023-09-12") < user.index("2023-09-15")
    lines = answer.text.splitlines()
    assert [line[:10] for line in lines[:3]] == ["2023-09-11", "2023-09-12", "2023-09-13"]
    assert "Vostochny" in answer.citations[2].passage
    assert "[7]" not in answer.text  # no passage 7: never shown as a citation
    # a model that finds nothing to tell: the timeline is told offline
    chat.script("NOT_IN_ARTICLES")
    offline = bot.timeline("kim putin summit")
    assert (
        offline.answerer == "timeline" and offline.text == summit.timeline("kim putin summit").text
    )

"""Stories and their timelines: the events a store's articles report, each followed across
outlets and days (grouped at ingest: ``vectorstore.story_ledger``), and a story told in
order — one dated, cited line per development (``Assistant.stories``, ``timeline``,
``article-qa stories``, ``article-qa timeline``, the page's Stories panel).

A timeline is built offline from the story's articles, oldest first: each article's first
sentence that says something the earlier lines did not (a follow-up that repeats the news
adds nothing; a syndicated copy is one article already), cited to its passage.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, Field

from vectorstore import ArticleStore, Passage, sentence_spans, terms
from vectorstore.story_ledger import StoryRecord

from .citations import Claim, finalize
from .results import Answer

NEW_AT_MOST = 0.75  # a sentence whose words are this much in earlier lines repeats them
SENTENCES_TRIED = 4  # of each article's first chunk
TOPIC_AT_LEAST = 0.35  # the cosine a passage needs for its story to be the one asked about
TOPIC_WORDS = 0.66  # ... and the share of the topic's words its article's start must hold
_TIMELINE = re.compile(
    r"^\s*(?:what(?:'s| has| have| is)?\s+(?:been\s+)?happen(?:ed|ing)\s+(?:with|to|in|at|over|"
    r"since)|(?:what(?:'s| is) the\s+)?latest\s+(?:on|about|in|news on)|(?:give me |show me )?"
    r"(?:a |the )?timeline\s+(?:of|for)|(?:any\s+)?updates?\s+on|how\s+has\s+.+\s+developed)\s+"
    r"(?P<topic>.+?)[\s?.!]*$",
    re.IGNORECASE,
)


class StoryArticle(BaseModel):
    id: str
    title: str
    date: str = ""
    source: str = ""
    url: str = ""


class Story(BaseModel):
    """One event as the store's articles report it."""

    id: str
    title: str = Field(description="its most representative headline")
    first: str = Field("", description="its first article's date")
    last: str = Field("", description="its latest article's date")
    outlets: list[str] = Field(default_factory=list)
    articles: list[StoryArticle] = Field(default_factory=list, description="in time order")

    @classmethod
    def of(cls, record: StoryRecord) -> Story:
        dated = [a.date for a in record.articles if a.date]
        return cls(
            id=record.id,
            title=record.headline,
            first=min(dated, default=""),
            last=max(dated, default=""),
            outlets=list(dict.fromkeys(a.source for a in record.articles if a.source)),
            articles=[
                StoryArticle(
                    id=a.article_id, title=a.title, date=a.date, source=a.source, url=a.url
                )
                for a in record.articles
            ],
        )

    def line(self) -> str:
        """One line for a list: dates, size, outlets, title."""
        when = self.first if self.first == self.last else f"{self.first} – {self.last}"
        outlets = ", ".join(self.outlets[:4]) + (" …" if len(self.outlets) > 4 else "")
        n = len(self.articles)
        return f"{self.id}  {when}  {n} article{'s' * (n != 1)}  {self.title}" + (
            f"  ({outlets})" if outlets else ""
        )


def timeline_topic(question: str) -> str | None:
    """What a "what happened with …", "latest on …", "timeline of …" question is about."""
    found = _TIMELINE.match(question)
    return found.group("topic").strip() if found else None


def about(topic: str, passage: Passage) -> bool:
    """Whether ``passage`` is about ``topic`` (close in meaning, most of its words there)."""
    wanted = set(terms(topic))
    held = set(terms(f"{passage.title} {passage.text}"))
    return passage.score >= TOPIC_AT_LEAST and (
        not wanted or len(wanted & held) / len(wanted) >= TOPIC_WORDS
    )


def stories(
    store: ArticleStore, since: date | None = None, limit: int | None = None
) -> list[Story]:
    return [Story.of(r) for r in store.story_ledger().stories(since, limit)]


def story(store: ArticleStore, story_id: str) -> Story | None:
    found = store.story_ledger().by_ids([story_id])
    return Story.of(found[0]) if found else None


def leads_in_order(store: ArticleStore, told: Story) -> list[Passage]:
    """The start of each of ``told``'s articles (its first passage), oldest first."""
    leads = store.leads([a.id for a in told.articles])
    return [leads[a.id] for a in told.articles if a.id in leads]


def timeline(store: ArticleStore, told: Story, question: str = "") -> Answer:
    """``told``'s developments in order, one dated line each, cited."""
    passages: list[Passage] = []
    claims: list[Claim] = []
    said: list[set[str]] = []
    for lead in leads_in_order(store, told):
        found = _new_sentence(lead, said)
        if found is None:
            continue
        start, end = found
        said.append(set(terms(lead.text[start:end])))
        passages.append(lead)
        when = f"{lead.date}, {lead.source}" if lead.source else lead.date or "undated"
        claims.append(
            Claim(
                f"{when}: {lead.text[start:end].strip()}",
                [len(passages) - 1],
                {len(passages) - 1: (start, end)},
                "\n",
            )
        )
    question = question or f"What happened: {told.title}?"
    if not claims:
        return Answer(
            question=question,
            text="No stored article tells this story.",
            answerer="timeline",
            refused=True,
        )
    checked = finalize(claims, passages)
    return Answer(
        question=question, text=checked.text, citations=checked.citations, answerer="timeline"
    )


def _new_sentence(lead: Passage, said: list[set[str]]) -> tuple[int, int] | None:
    """The span of the first of ``lead``'s first sentences that earlier lines did not say."""
    for start, end in sentence_spans(lead.text)[:SENTENCES_TRIED]:
        words = set(terms(lead.text[start:end]))
        if len(words) < 4:
            continue
        if all(len(words & before) / len(words) < NEW_AT_MOST for before in said):
            return start, end
    return None

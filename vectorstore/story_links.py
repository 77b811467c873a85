"""Which articles report the same event: the rule that groups articles into stories.

An article is summed up as a ``Member``: its day, the vector of its headline and lead
(``lead_text``: the headline and first sentences, where a news report says what happened)
and the names it mentions (``names``: people, places, organisations — words written with
a capital inside a sentence). Two articles are linked when they are at most
``WINDOW_DAYS`` apart and their ``link_score`` (the leads' cosine plus ``NAME_WEIGHT``
times the overlap of their names) reaches ``LINK_AT``; a story is what links join. Only
the ``CANDIDATES`` nearest leads in the window are scored, so adding an article costs one
nearest-neighbour search, whatever the store holds.

The constants were fitted on RealTime QA train (2024 weeks; articles a question's search
returned taken as one event) by ``bench/stories.py --fit`` and measured on other weeks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

WINDOW_DAYS = 4  # the most days between two linked articles
LINK_AT = 0.75  # the score that links two articles
NAME_WEIGHT = 0.25  # how much shared names add to the leads' cosine
CANDIDATES = 20  # nearest leads scored for a new article
LEAD_SENTENCES = 2
LEAD_CHARS = 400
NAME_CHARS = 1500  # names are read from the headline and the text's start

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_NOT_NAMES = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "i",
        "mr",
        "mrs",
        "ms",
        "dr",
        "the",
        "a",
        "an",
        "he",
        "she",
        "it",
        "we",
        "they",
        "you",
        "his",
        "her",
        "its",
        "their",
        "our",
        "this",
        "that",
        "these",
        "those",
    ]
)


def lead_text(title: str, text: str) -> str:
    """What a story's vector reads: the headline and the first ``LEAD_SENTENCES`` sentences
    (at most ``LEAD_CHARS`` characters of them)."""
    first = " ".join(_SENTENCE_END.split(text.strip()[: 4 * LEAD_CHARS])[:LEAD_SENTENCES])
    return f"{title.strip()}\n{first[:LEAD_CHARS]}".strip()


def names(title: str, text: str) -> frozenset[str]:
    """The names an article mentions near its start: words written with a capital where a
    sentence does not begin (so "The" at a sentence start is no name), lower-cased."""
    found: set[str] = set()
    for part in (title, text[:NAME_CHARS]):
        for sentence in _SENTENCE_END.split(part):
            words = _TOKEN.findall(sentence)
            for i, word in enumerate(words):
                if i == 0 and part is not title:
                    continue
                if word[0].isupper() and word.lower() not in _NOT_NAMES and len(word) > 1:
                    found.add(word.lower().strip("'’-"))
    return frozenset(found)


def day_of(iso: str) -> int:
    """``2023-09-11`` → its ordinal day (0 when there is no date)."""
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class Member:
    """An article as the grouping sees it."""

    article_id: str
    day: int  # ordinal day, 0 when undated
    vector: np.ndarray = field(repr=False)  # the lead's unit vector
    names: frozenset[str] = frozenset()


def name_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared names over the geometric mean of both counts (0 when either has none)."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def link_score(a: Member, b: Member) -> float:
    return float(np.dot(a.vector, b.vector)) + NAME_WEIGHT * name_overlap(a.names, b.names)


def in_window(a: Member, b: Member) -> bool:
    """Close enough in time to be one event (an undated article is close to any)."""
    return not a.day or not b.day or abs(a.day - b.day) <= WINDOW_DAYS


def linked_to(member: Member, candidates: Iterable[Member]) -> list[Member]:
    """The candidates ``member`` is linked to, best first."""
    scored = [(link_score(member, c), c) for c in candidates]
    scored = [(s, c) for s, c in scored if s >= LINK_AT and in_window(member, c)]
    return [c for _, c in sorted(scored, key=lambda sc: -sc[0])]


class Grouping:
    """Stories in memory, grown one article at a time with the same rule as the store's
    (for measuring it; the store keeps its stories in Chroma: ``story_ledger``)."""

    def __init__(self) -> None:
        self.members: list[Member] = []
        self.story: dict[str, str] = {}  # article id → story id
        self._vectors = np.zeros((0, 0), dtype=np.float32)  # grown by doubling
        self._days = np.zeros(0, dtype=np.int64)

    def add(self, member: Member) -> str:
        """Put ``member`` in a story; returns its story id (stories it bridges are merged
        into the one of its best link)."""
        links = linked_to(member, self.candidates(member))
        stories = list(dict.fromkeys(self.story[c.article_id] for c in links))
        chosen = stories[0] if stories else member.article_id
        for other in stories[1:]:
            for article_id, story in self.story.items():
                if story == other:
                    self.story[article_id] = chosen
        self.story[member.article_id] = chosen
        n = len(self.members)
        if n == len(self._days):
            grown = max(64, 2 * n)
            vectors = np.zeros((grown, len(member.vector)), dtype=np.float32)
            if n:
                vectors[:n] = self._vectors[:n]
            self._vectors, self._days = vectors, np.resize(self._days, grown)
        self._vectors[n], self._days[n] = member.vector, member.day
        self.members.append(member)
        return chosen

    def candidates(self, member: Member) -> Sequence[Member]:
        if not self.members:
            return []
        days = self._days[: len(self.members)]
        ok = (days == 0) | (np.abs(days - member.day) <= WINDOW_DAYS)
        if not member.day:
            ok[:] = True
        where = np.flatnonzero(ok)
        cos = self._vectors[where] @ member.vector
        best = where[np.argsort(-cos)[:CANDIDATES]]
        return [self.members[i] for i in best]

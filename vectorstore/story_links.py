"""Which articles report the same event: the rule that groups articles into stories.

An article is summed up as a ``Member``: its day and the vector of its headline and lead
(``lead_text``: the headline and first sentences, where a news report says what
happened). A new article joins the story of an article at most ``WINDOW_DAYS`` away whose
lead's cosine with its own reaches ``LINK_AT`` — or whose story's mean lead (its articles
within ``STORY_DAYS``) does: a follow-up close to every report of a story belongs to it
even when it is close to none alone (``story_score``). Stories it bridges merge. Only the
stories of the ``CANDIDATES`` nearest leads in the window are scored, so adding an
article costs one nearest-neighbour search and a read of a few stories, whatever the
store holds.

The constants were fitted on RealTime QA train by ``bench/stories.py --fit`` (its 2024
weeks; the articles a question's search returned from the week it was asked taken as one
event) and measured on its 2025 weeks. Shared names (capitalised words) added to the
cosine were tried there and did not help at the precision wanted: not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

WINDOW_DAYS = 2  # the most days between two linked articles
LINK_AT = 0.7  # the leads' cosine that links two articles
STORY_DAYS = 7  # a story's articles this close count in its mean lead
MEAN_FROM = 0.55  # a story's mean lead is compared only when one of its leads is this close
CANDIDATES = 20  # nearest leads whose stories are scored for a new article
LEAD_SENTENCES = 2
DAYS_A_READ = 500  # days listed in one read of the stored articles of some days
LEAD_CHARS = 400

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")


def lead_text(title: str, text: str) -> str:
    """What a story's vector reads: the headline and the first ``LEAD_SENTENCES`` sentences
    (at most ``LEAD_CHARS`` characters of them)."""
    first = " ".join(_SENTENCE_END.split(text.strip()[: 4 * LEAD_CHARS])[:LEAD_SENTENCES])
    return f"{title.strip()}\n{first[:LEAD_CHARS]}".strip()


def day_of(iso: str) -> int:
    """``2023-09-11`` → its ordinal day (0 when there is no date)."""
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return 0


def days_around(days: Iterable[int], reach: int) -> set[int]:
    """Every day within ``reach`` of one of the dated ``days``, and 0 (the undated)."""
    return {d + i for d in days if d for i in range(-reach, reach + 1)} | {0}


def day_groups(days: Iterable[int], size: int = DAYS_A_READ) -> list[list[int]]:
    """Days, sorted, in lists of at most ``size``: each one read with Chroma's ``$in``
    (a range — ``$gte`` and ``$lte`` — is two clauses, one of them matching nearly every
    stored chunk: 1.8 s at a million chunks against 0.3 s for a week's days listed)."""
    ordered = sorted(set(days))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


@dataclass(frozen=True, slots=True)
class Member:
    """An article as the grouping sees it."""

    article_id: str
    day: int  # ordinal day, 0 when undated
    vector: np.ndarray = field(repr=False)  # the lead's unit vector


def in_window(a: Member, b: Member) -> bool:
    """Close enough in time to be linked (an undated article is close to any)."""
    return not a.day or not b.day or abs(a.day - b.day) <= WINDOW_DAYS


def recent(a: Member, b: Member) -> bool:
    """Close enough in time to count in a story's mean lead."""
    return not a.day or not b.day or abs(a.day - b.day) <= STORY_DAYS


def story_score(member: Member, told: Sequence[Member]) -> float:
    """How well ``member`` fits a story whose recent articles are ``told``: its best
    link, or its cosine with their mean lead when higher (an article close to every one of
    a story's articles belongs to it, even if to none of them alone)."""
    if not told:
        return -1.0
    vectors = np.vstack([m.vector for m in told])
    best = float(np.max(vectors @ member.vector))
    centre = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centre))
    return max(best, float(centre @ member.vector) / norm) if norm else best


def linked_stories(
    member: Member, candidates: Sequence[Member], story_of: Callable[[str], str],
    told: Callable[[str], Sequence[Member]],
) -> list[str]:  # fmt: skip
    """The stories ``member`` joins, best first: of the stories of its ``candidates`` (the
    nearest articles in its window), those with an article whose lead's cosine reaches
    ``LINK_AT``, and those with one above ``MEAN_FROM`` whose ``story_score`` does (only
    these are read: ``told(story)`` gives a story's articles)."""
    best: dict[str, float] = {}
    for c in candidates:
        if in_window(member, c):
            story = story_of(c.article_id)
            best[story] = max(best.get(story, -1.0), float(np.dot(member.vector, c.vector)))
    scored = []
    for story, score in best.items():
        if MEAN_FROM <= score < LINK_AT:
            score = story_score(member, [m for m in told(story) if recent(member, m)])
        if score >= LINK_AT:
            scored.append((score, story))
    return [story for _, story in sorted(scored, key=lambda x: -x[0])]


class Grouping:
    """Stories in memory, grown one article at a time with the same rule as the store's
    (for measuring it; the store keeps its stories in Chroma: ``story_ledger``)."""

    def __init__(self) -> None:
        self._members_of: dict[str, list[Member]] = {}
        self.members: list[Member] = []
        self.story: dict[str, str] = {}  # article id → story id
        self._vectors = np.zeros((0, 0), dtype=np.float32)  # grown by doubling
        self._days = np.zeros(0, dtype=np.int64)

    def add(self, member: Member) -> str:
        """Put ``member`` in a story; returns its story id (stories it bridges are merged
        into the best-linked one)."""
        candidates = self.candidates(member)
        stories = linked_stories(member, candidates, self.story.__getitem__, self._told)
        chosen = stories[0] if stories else member.article_id
        for other in stories[1:]:
            for article_id, story in self.story.items():
                if story == other:
                    self.story[article_id] = chosen
            self._members_of.setdefault(chosen, []).extend(self._members_of.pop(other, []))
        self.story[member.article_id] = chosen
        self._members_of.setdefault(chosen, []).append(member)
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

    def _told(self, story: str) -> list[Member]:
        return self._members_of.get(story, [])

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

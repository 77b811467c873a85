"""The stories of a store, kept in a small second Chroma collection (``<name>.stories``):
one record an article — its lead's vector, its day, its story —
so a new article finds its story with one nearest-neighbour search in a time window
(``story_links``), on one machine or through a Chroma server, and nothing is recomputed
for the articles already grouped.

A story's id is the id of the article that started it; when a new article links two
stories, the smaller joins the larger (its records are relabelled: the cost of the
merge, never of the store).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np

from .chroma import paged, store_errors
from .story_links import (
    CANDIDATES,
    STORY_DAYS,
    WINDOW_DAYS,
    Member,
    day_groups,
    day_of,
    days_around,
    lead_text,
    linked_stories,
)

_T = TypeVar("_T")
SUFFIX = ".stories"
GROUPED = "grouped"  # the ledger's metadata: every stored article is in it
# a record's day (ordinal): a key of its own, for Chroma's metadata index holds every
# collection's keys together and the chunks' "day" would be scanned with the ledger's
DAY = "lead_day"
PAGE = 5000


@dataclass(slots=True)
class Told:
    """One article of a story, as the ledger keeps it."""

    article_id: str
    title: str
    date: str
    source: str
    url: str
    day: int
    vector: np.ndarray = field(repr=False)


@dataclass(frozen=True, slots=True)
class Lead:
    """A stored article's start, as a story reads it: its fields and its first chunk."""

    article_id: str
    title: str
    date: str
    source: str
    url: str
    first: str  # its first chunk's text

    @property
    def text(self) -> str:
        """What its lead vector embeds (``story_links.lead_text``)."""
        return lead_text(self.title, self.first)

    def member(self, vector: Any) -> Member:
        return Member(
            self.article_id,
            day_of(self.date),
            np.asarray(vector, dtype=np.float32),
        )


@dataclass(slots=True)
class StoryRecord:
    """A story as the ledger holds it: its id and its articles in time order."""

    id: str
    articles: list[Told]

    @property
    def headline(self) -> str:
        """Its most representative headline: the article nearest the story's mean lead."""
        if len(self.articles) < 3:
            return self.articles[0].title
        vectors = np.vstack([a.vector for a in self.articles])
        centre = vectors.mean(axis=0)
        return self.articles[int(np.argmax(vectors @ centre))].title


def ledger_name(name: str) -> str:
    return name + SUFFIX


class StoryLedger:
    """The stories of the collection ``name`` of ``client``."""

    def __init__(self, client: Any, name: str, location: str = "") -> None:
        self._client, self._name = client, name
        self.location = location  # for errors (``store_errors``)
        self._col = self._open()
        self._batch = max(1, int(client.get_max_batch_size()))
        self._pool: dict[str, Member] = {}  # stored articles read (and placed) so far
        self._stories: dict[str, str] = {}  # ... their stories
        self._read_days: set[int] = set()  # ... the days read
        self._by_day: dict[int, list[Member]] = {}  # ... by day

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            ledger_name(self._name),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={GROUPED: False},  # a new ledger: the store's articles not grouped yet
        )

    def _reading(self, read: Callable[[], _T]) -> _T:
        """``read()``, again on the collection opened anew if another process dropped and
        made it again (a regrouping, a reindex) since this one opened it."""
        try:
            return read()
        except Exception as exc:
            if type(exc).__name__ != "NotFoundError" and "does not exist" not in str(exc):
                raise
            self._col = self._open()
            return read()

    @property
    def complete(self) -> bool:
        """Whether every stored article has been grouped (a store from before stories, or a
        regrouping that was killed, has not)."""
        return bool((self._col.metadata or {}).get(GROUPED))

    def mark_complete(self, complete: bool = True) -> None:
        self._col.modify(metadata={GROUPED: complete})

    def __len__(self) -> int:
        return int(self._col.count())

    # -- writing (the store's writer only) -----------------------------------------------

    def add(self, entries: Sequence[tuple[Lead, Any, str]]) -> list[str]:
        """Put new articles in their stories, in order (each sees the ones before it); an
        updated one keeps its story. ``entries``: a lead, its vector and the article whose
        story it joins outright ("": none; a copy's additions join their original's).
        The stored articles of the days around them are read once, the new ones placed
        against them (and each other) in memory and written in one go; returns their
        stories."""
        members = [(lead.member(vector), lead, join) for lead, vector, join in entries]
        pool, placed = self._around([m.day for m, _, _ in members])  # kept for the run
        known = self._col.get(ids=[m.article_id for m, _, _ in members], include=["metadatas"])
        placed |= {
            str(cid): str(meta.get("story"))
            for cid, meta in zip(known["ids"], known["metadatas"] or [], strict=True)
        }
        for member, _, join in members:
            story = placed.get(member.article_id)
            if story is None and join:
                story = placed.get(join) or self.story_of(join) or join
            if story is None:
                story = self._place(member, pool, placed)
            self._keep(member, story)
        for i in range(0, len(members), self._batch):
            part = members[i : i + self._batch]
            self._col.upsert(
                ids=[m.article_id for m, _, _ in part],
                embeddings=[m.vector.tolist() for m, _, _ in part],
                documents=[lead.title for _, lead, _ in part],
                metadatas=[_meta(m, lead, placed[m.article_id]) for m, lead, _ in part],
            )
        return [placed[m.article_id] for m, _, _ in members]

    def _place(self, member: Member, pool: dict[str, Member], placed: dict[str, str]) -> str:
        """The story a new article joins (stories it bridges merge into the largest), from
        the articles of ``pool`` (``placed``: their stories)."""
        near = self._dated(member.day, WINDOW_DAYS) if member.day else list(pool.values())
        if not member.day:  # undated: close to any, so the nearest of all are asked for
            near += [m for m in self._nearest(member, placed) if m.article_id not in pool]
        if near:  # the nearest first (one product for all: a Python key per pair was slow)
            sims = np.stack([m.vector for m in near]) @ member.vector
            near = [near[i] for i in np.argsort(-sims, kind="stable")[:CANDIDATES]]

        def told(story: str) -> list[Member]:
            around = self._dated(member.day, STORY_DAYS) if member.day else pool.values()
            return [m for m in around if placed[m.article_id] == story]

        linked = linked_stories(member, near[:CANDIDATES], placed.__getitem__, told)
        if len(linked) > 1:
            linked = [s for s, _ in self._sizes(linked, placed, pool)]
            for other in linked[1:]:
                self._relabel(other, linked[0])
                for article_id, story in placed.items():
                    if story == other:
                        placed[article_id] = linked[0]
        return linked[0] if linked else member.article_id

    def _around(self, days: Sequence[int]) -> tuple[dict[str, Member], dict[str, str]]:
        """The stored articles dated within ``STORY_DAYS`` of any of ``days`` (and the
        undated ones), with their stories: read once per run of days not read before by
        this ledger (one write run's: a new run opens a new ledger)."""
        wanted = days_around(days, STORY_DAYS)
        for group in day_groups(wanted - self._read_days):
            for member, story in self._read({DAY: {"$in": group}}):
                self._keep(member, story)
        self._read_days |= wanted
        return self._pool, self._stories

    def _keep(self, member: Member, story: str) -> None:
        if member.article_id not in self._pool:
            self._by_day.setdefault(member.day, []).append(member)
        self._pool[member.article_id] = member
        self._stories[member.article_id] = story

    def _dated(self, day: int, days: int) -> list[Member]:
        """The kept articles dated within ``days`` of ``day``, and the undated ones."""
        found = list(self._by_day.get(0, []))
        for d in range(day - days, day + days + 1):
            found += self._by_day.get(d, []) if d else []
        return [m for m in found if m.article_id in self._pool]

    def _nearest(self, member: Member, placed: dict[str, str]) -> list[Member]:
        """The stored articles nearest ``member`` whatever their day (their stories into
        ``placed``)."""
        if not self._col.count():
            return []
        found = self._col.query(
            query_embeddings=[member.vector.tolist()],
            n_results=CANDIDATES,
            include=["metadatas", "embeddings"],
        )
        rows = _rows(
            found["ids"][0], (found["metadatas"] or [[]])[0], (found["embeddings"] or [[]])[0]
        )
        placed |= {m.article_id: story for m, story in rows}
        return [m for m, _ in rows]

    def _read(self, where: dict[str, Any]) -> list[tuple[Member, str]]:
        rows: list[tuple[Member, str]] = []
        for cid, meta, vector in self._all(where, vectors=True):
            rows += _rows([cid], [meta], [vector])
        return rows

    def remove(self, article_ids: Sequence[str]) -> None:
        for article_id in article_ids:
            self._pool.pop(article_id, None)
            self._stories.pop(article_id, None)
        for i in range(0, len(article_ids), self._batch):
            self._col.delete(ids=list(article_ids[i : i + self._batch]))

    def _sizes(
        self, stories: list[str], placed: dict[str, str], pool: dict[str, Member]
    ) -> list[tuple[str, int]]:
        """The stories with their sizes (stored, or placed now), the largest first."""
        sized = []
        for s in stories:
            stored = set(self._col.get(where={"story": s}, include=[])["ids"])
            now = {a for a, story in placed.items() if story == s and a in pool}
            sized.append((s, len(stored | now)))
        return sorted(sized, key=lambda x: -x[1])

    def _relabel(self, story: str, into: str) -> None:
        found = self._col.get(where={"story": story}, include=["metadatas"])
        metas = [{**dict(m or {}), "story": into} for m in found["metadatas"] or []]
        for i in range(0, len(metas), self._batch):
            self._col.update(
                ids=found["ids"][i : i + self._batch], metadatas=metas[i : i + self._batch]
            )

    # -- reading ------------------------------------------------------------------------

    @store_errors
    def stories(self, since: date | None = None, limit: int | None = None) -> list[StoryRecord]:
        return self._reading(lambda: self._stories_since(since, limit))

    def _stories_since(self, since: date | None, limit: int | None) -> list[StoryRecord]:
        """The stories with an article dated ``since`` or later (all when None), latest
        first, each whole (its earlier articles too)."""
        where = {DAY: {"$gte": since.toordinal()}} if since else None
        latest: dict[str, str] = {}  # story → its latest article's date, from metadata only
        for _, meta, _ in self._all(where, vectors=False):
            story, day = str(meta.get("story")), str(meta.get("date") or "")
            latest[story] = max(latest.get(story, ""), day)
        chosen = sorted(latest, key=lambda s: latest[s], reverse=True)
        if limit is not None:  # only these are read whole
            chosen = chosen[: max(limit * 2, limit + 20)]
        stories = self._by_ids(chosen)
        stories.sort(key=lambda s: (max(a.date for a in s.articles), len(s.articles)), reverse=True)
        return stories[:limit] if limit is not None else stories

    @store_errors
    def by_ids(self, story_ids: Sequence[str]) -> list[StoryRecord]:
        """These stories, whole (their articles in time order)."""
        return self._reading(lambda: self._by_ids(story_ids))

    def _by_ids(self, story_ids: Sequence[str]) -> list[StoryRecord]:
        found: dict[str, list[Told]] = defaultdict(list)
        for i in range(0, len(story_ids), 500):
            part = list(story_ids[i : i + 500])
            for cid, m, v in self._all({"story": {"$in": part}}, vectors=True):
                found[str(m.get("story"))].append(_told(cid, m, v))
        return [
            StoryRecord(sid, sorted(arts, key=lambda a: (a.date or "9999", a.title)))
            for sid, arts in found.items()
        ]

    @store_errors
    def story_of(self, article_id: str) -> str | None:
        found = self._reading(lambda: self._col.get(ids=[article_id], include=["metadatas"]))
        return str(found["metadatas"][0].get("story")) if found["ids"] else None

    @store_errors
    def articles_of(self, story_id: str) -> list[str]:
        found = self._reading(lambda: self._col.get(where={"story": story_id}, include=[]))
        return [str(cid) for cid in found["ids"]]

    def _all(self, where: dict[str, Any] | None, vectors: bool) -> list[tuple[str, dict, Any]]:
        include = ["metadatas", "embeddings"] if vectors else ["metadatas"]
        rows: list[tuple[str, dict, Any]] = []
        pages = paged(
            lambda limit, offset: self._col.get(
                where=where, include=include, limit=limit, offset=offset
            ),
            PAGE,
        )
        for found in pages:
            embeddings = found["embeddings"] if vectors else [None] * len(found["ids"])
            rows += [
                (str(cid), dict(m or {}), v)
                for cid, m, v in zip(
                    found["ids"], found["metadatas"] or [], embeddings, strict=True
                )
            ]
        return rows


def _rows(ids: Sequence[str], metas: Sequence[Any], vectors: Any) -> list[tuple[Member, str]]:
    """Chroma's parallel lists as (member, its story) pairs."""
    vectors = vectors if vectors is not None else [[]] * len(ids)
    return [
        (
            Member(str(cid), int(m.get(DAY) or 0), np.asarray(v, dtype=np.float32)),
            str(m.get("story")),
        )
        for cid, m, v in zip(ids, metas, vectors, strict=True)
    ]


def _meta(member: Member, lead: Lead, story: str) -> dict[str, str | int]:
    return {
        "story": story,
        DAY: member.day,
        "title": lead.title,
        "date": lead.date,
        "source": lead.source,
        "url": lead.url,
    }


def _told(cid: str, meta: dict[str, Any], vector: Any) -> Told:
    return Told(
        article_id=cid,
        title=str(meta.get("title", "")),
        date=str(meta.get("date", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        day=int(meta.get(DAY) or 0),
        vector=np.asarray(vector if vector is not None else [], dtype=np.float32),
    )


def lead_of(meta: dict[str, Any], first: str) -> Lead:
    """The ``Lead`` of an article from its first chunk's metadata and text."""
    return Lead(
        article_id=str(meta["article_id"]),
        title=str(meta.get("title", "")),
        date=str(meta.get("date", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        first=first,
    )

"""Syndicated copies: the same wire story carried by another outlet, under another URL, with
its own boilerplate, a tweaked headline or a trimmed ending, is one story.

Each stored article keeps a MinHash of its word 5-shingles (``datasketch``; in its first
chunk's metadata). A new article whose estimated Jaccard similarity to a stored one is at
least ``SIMILAR`` is recorded on the stored one (``also_at``: title, source, URL, date,
path), so the answer's passages never count one report twice; only the sentences it adds
(``new_runs``: an updated toll, an added quote, a later paragraph) are chunked and stored,
as its own passages marked ``copy_of`` the original, so a fact only the copy carries can
still be found and cited. ``SIMILAR`` = 0.5 was chosen on examples (bench/feeds.py
generates them): a copy with other boilerplate and a trimmed last paragraph scores 0.6–0.9,
two stories of the same event in other words 0.0–0.1.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from sources import digest, http_url

SIMILAR = 0.5
PERMUTATIONS = 64
SHINGLE = 5
SCHEME = "affine32"  # datasketch 2's hashing; stored signatures must be read the same way
_WORD = re.compile(r"[a-z0-9]+")


def signature(text: str) -> Any:
    """The MinHash of ``text``'s word 5-shingles (lower case, punctuation ignored)."""
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    mh = MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return mh


def encode(mh: Any) -> str:
    return base64.b64encode(np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()).decode("ascii")


def decode(value: str) -> Any:
    """A stored signature, as a lean MinHash (its values only: no permutations to make)."""
    from datasketch import LeanMinHash

    values = np.frombuffer(base64.b64decode(value), dtype=np.uint64)
    return LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)


COPY_DAYS = 7  # a copy runs within this many days of its original (undated: any day)


class Copies:
    """Finds the stored article a new one is a copy of (LSH over the stored signatures);
    ``days`` says which days' stored articles it holds (ordinal days; 0: the undated;
    ``everything``: all)."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=SIMILAR, num_perm=PERMUTATIONS)
        self.signatures: dict[str, Any] = {}
        self.dated: dict[str, int] = {}  # article id → its ordinal day (0: undated)
        self.days: set[int] = set()
        self.everything = False

    def read(self, stored: dict[str, tuple[str, int]]) -> None:
        """``stored``: article id → (encoded signature, ordinal day)."""
        for article_id, (value, day) in stored.items():
            self.add(article_id, decode(value), day)

    def add(self, article_id: str, mh: Any, day: int) -> None:
        if article_id not in self.signatures:
            self.signatures[article_id] = mh
            self.dated[article_id] = day
            self.lsh.insert(article_id, mh)

    def original_of(self, article_id: str, mh: Any, day: int) -> str | None:
        """The stored article this one (dated ``day``) copies: the most similar, at least
        ``SIMILAR``, within ``COPY_DAYS`` of it (either undated: any)."""
        best, best_id = SIMILAR, None
        for other in self.lsh.query(mh):
            when = self.dated[other]
            if other == article_id or (day and when and abs(day - when) > COPY_DAYS):
                continue
            if (j := self.signatures[other].jaccard(mh)) >= best:
                best, best_id = j, other
        return best_id


NEW_WORDS_AT_LEAST = 6  # a sentence shorter than this is never kept as news
NEW_PAIRS_AT_LEAST = 0.25  # the share of a sentence's word pairs the original lacks
COPY_OF = "copy_of"  # chunk metadata: the chunks of a copy's new sentences name its original


class Known:
    """What an original says, as a copy's sentences are compared with it: its word pairs
    and its numbers."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.pairs: set[tuple[str, str]] = set()
        self.numbers: set[str] = set()
        for text in texts:
            words = _WORD.findall(text.lower())
            self.pairs.update(pairwise(words))
            self.numbers.update(w for w in words if w.isdigit())

    def says_more(self, sentence: str) -> bool:
        """Whether ``sentence`` adds to what is known: a number it lacks (an updated toll)
        or a quarter of its word pairs new (an added quote, a later paragraph) — not a
        dateline or a trimmed phrase."""
        words = _WORD.findall(sentence.lower())
        if len(words) < NEW_WORDS_AT_LEAST:
            return False
        if any(w.isdigit() and w not in self.numbers for w in words):
            return True
        pairs = list(pairwise(words))
        return sum(p not in self.pairs for p in pairs) >= NEW_PAIRS_AT_LEAST * len(pairs)


def new_runs(text: str, spans: Sequence[tuple[int, int]], known: Known) -> list[tuple[int, int]]:
    """The stretches of ``text`` made of sentences (``spans``) that say more than
    ``known`` (an original); adjacent ones make one stretch."""
    runs: list[tuple[int, int]] = []
    last = -2
    for i, (start, end) in enumerate(spans):
        if not known.says_more(text[start:end]):
            continue
        if runs and last == i - 1:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
        last = i
    return runs


MAX_RECORDED = 20  # copies a story carries in full; the rest are counted (``also_at_more``)
MAX_KEYS = 5000  # copies told apart by their key, so one folded twice is counted once
PUBLIC_FIELDS = ("title", "source", "url", "date")  # what answers show of a copy


def also_at(meta: dict[str, Any]) -> list[dict[str, str]]:
    """The copies recorded on a stored chunk's article, as stored (a file's path too,
    for promoting a copy when the story is removed: never shown)."""
    try:
        value = json.loads(str(meta.get("also_at") or "[]"))
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def public_copies(meta: dict[str, Any]) -> list[dict[str, str]]:
    """The copies as answers show them: outlet, title, http(s) URL and date; no server
    paths."""
    return [
        {k: (http_url(r.get(k)) if k == "url" else str(r.get(k) or "")) for k in PUBLIC_FIELDS}
        for r in also_at(meta)
    ]


def copy_key(record: dict[str, Any]) -> str:
    """A copy is its URL, else its file: as a short digest."""
    return digest(str(record.get("url") or record.get("path") or ""), length=12)


def with_copies(first: dict[str, Any], records: list[dict[str, str]]) -> dict[str, str | int]:
    """The metadata fields that record ``records`` as copies of the article whose first
    chunk's metadata is ``first``: at most ``MAX_RECORDED`` in full, the rest counted, each
    copy once (by ``copy_key``)."""
    known = also_at(first)
    keys = set(str(first.get("copy_keys") or "").split())
    keys |= {copy_key(r) for r in known} | {copy_key(first)}
    more = int(first.get("also_at_more") or 0)
    for r in records:
        key = copy_key(r)
        if key in keys:
            continue
        if len(keys) < MAX_KEYS:
            keys.add(key)
        if len(known) < MAX_RECORDED:
            known.append(r)
        else:
            more += 1
    return {
        "also_at": json.dumps(known),
        "also_at_more": more,
        "copy_keys": " ".join(sorted(keys)),
    }

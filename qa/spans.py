"""Answers found across passages: the reader's likeliest spans in each passage, the same
answer found in several passages adding up.

In news one fact is reported by many outlets, so an answer read in three articles is
likelier than one read in one. Each passage gives each of its spans a chance (the
passage's relevance times the span's chance in it); an answer (its words, case and
punctuation aside) takes its best chance within each article — an article naming
"Russia" in every paragraph is one witness, not five — and the articles' chances combine
as a noisy-or, 1 − Π(1 − p), which stays a chance and so can be held to a calibrated
floor.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from models import Reading
from vectorstore import terms

_EDGE = re.compile(r"^[\s,;:.\-–—'\"“”‘’()]+|[\s,;:.\-–—'\"“”‘’()]+$")
_ARTICLES = {"a", "an", "the"}


@dataclass(slots=True)
class Found:
    """One answer: its words where it was read with the most confidence (passage index and
    character span there), and its combined chance."""

    text: str
    score: float
    passage: int
    start: int
    end: int
    passages: int = 1  # how many passages gave it


def find_words(words: str, text: str) -> re.Match[str] | None:
    """Where ``words`` occur in ``text`` as whole words, case aside (the first time)."""
    return re.search(r"(?<!\w)" + re.escape(words) + r"(?!\w)", text, re.I)


def answer_key(text: str) -> str:
    """What two spans share when they are the same answer: lower case, letters and digits,
    no articles."""
    words = re.sub(r"[^0-9a-z]+", " ", text.lower()).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def gather(
    question: str,
    texts: Sequence[str],
    readings: Sequence[Reading],
    articles: Sequence[str] | None = None,
) -> list[Found]:
    """The answers read in ``texts`` (one reading each; ``articles``: the article each
    comes from, default each its own), likeliest first. A span that only repeats the
    question's words is no answer."""
    q_terms = set(terms(question))
    best: dict[str, Found] = {}
    witnesses: dict[str, dict[str, float]] = {}  # per answer: its best chance per article
    owners = articles if articles is not None else [str(i) for i in range(len(texts))]
    if len(owners) != len(texts):
        raise ValueError(f"{len(owners)} articles named for {len(texts)} texts")
    for i, (text, reading) in enumerate(zip(texts, readings, strict=True)):
        seen: dict[str, float] = {}
        for start, end, p in reading.spans:
            words = _EDGE.sub("", text[start:end])
            key = answer_key(words)
            if not key or not (set(terms(words)) - q_terms):
                continue
            chance = reading.relevance * p
            if chance <= seen.get(key, 0.0):
                continue
            seen[key] = chance
            at = text.find(words, start)
            found = best.get(key)
            if found is None or chance > found.score:
                n = found.passages if found else 0
                best[key] = Found(words, chance, i, at, at + len(words), n)
        for key, chance in seen.items():
            article = witnesses.setdefault(key, {})
            article[owners[i]] = max(article.get(owners[i], 0.0), chance)
            best[key].passages += 1
    for key, found in best.items():
        found.score = 1.0 - math.prod(1.0 - p for p in witnesses[key].values())
    return sorted(best.values(), key=lambda f: -f.score)

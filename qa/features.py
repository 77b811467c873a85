"""What the offline answerers (quote bundles, ``offline``; the reader, ``reading``) share:
the candidates a retrieved passage offers (its sentences, long sentences' clauses, its
article's headline), what kinds of answer a question asks for and how such answers look,
and the hand-set weights of the support both compute."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sources import site_name
from vectorstore import Passage, clause_spans, sentence_spans, terms

# Support (meaning + coverage + cues) decides whether the articles answer and which sentence
# leads; these weights are hand-set, the ranker's (ranker.json) are fitted.
COVERAGE_WEIGHT = 0.6
RELATION_WEIGHT = 0.5
CUE_BONUS = 0.1  # the candidate holds the kind of thing the question asks for
MIN_NEW_TERMS = 5  # an answer must say more than the question: this many new content words
REDUNDANT_COSINE = 0.75  # a sentence this close to one already chosen adds nothing
PREFILTER = 25  # sentence candidates embedded per answer, chosen by their words first
MIN_CLAUSE_WORDS = 8  # a shorter part of a sentence rarely stands alone ("X said Monday")
MIN_HEADLINE_WORDS = 4  # shorter titles are labels ("Markets"), not statements
LEDE_CHARS = 600  # how fast the "early in the article" feature fades
NAME_BONUS = 0.1  # a "who/which …" question: the candidate names someone the question doesn't
CONSENSUS_WEIGHT = 0.2  # what other retrieved articles also say is more likely the answer
CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
MIN_WORDS = 4
# What kind of answer a question wants, and what such an answer looks like.
ANSWER_CUES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"^\s*how\s+(?:many|much)\b", re.I),
        re.compile(
            r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|"
            r"million|billion|dozen|half)s?\b",
            re.I,
        ),
    ),
    (
        re.compile(r"^\s*(?:when|what\s+(?:time|year|day|date|month))\b", re.I),
        re.compile(
            r"\b(?:\d{4}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
            r"january|february|march|april|may|june|july|august|september|october|"
            r"november|december|yesterday|today|tomorrow|last\s+\w+|next\s+\w+)\b",
            re.I,
        ),
    ),
    (re.compile(r"^\s*where\b", re.I), re.compile(r"\b(?:in|at|near|to|from)\s+[A-Z]")),
    (
        re.compile(r"^\s*(?:how\b(?!\s+(?:many|much|long|old|often|far))|by\s+what\s+means)", re.I),
        re.compile(r"\b(?:by|via|aboard|through|using)\b", re.I),
    ),
]
NAME = re.compile(r"(?:[A-Z][\w'’.-]*)(?:\s+[A-Z][\w'’.-]*)*")
# What else a question may ask for: a name (anywhere in it), a number, a title in quotes.
NAME_WORDS = r"(?:who|whom|whose|which|what\s+(?:country|city|company|state|team|brand|name))\b"
ASKS_NAME = re.compile(rf"\b{NAME_WORDS}", re.I)  # anywhere in the question
WANTS_NAME = re.compile(rf"^\s*{NAME_WORDS}", re.I)  # the question is about a name
ASKS_NUMBER = re.compile(
    r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:percentage|percent|number|year|age)\b|"
    r"\bapproximately\b",
    re.I,
)
ASKS_QUOTE = re.compile(
    r"\b(?:song|movie|film|show|series|book|album|title|titled|called|named|word|phrase|term)\b",
    re.I,
)
NUMBER = re.compile(r"\d[\d,.]*")
QUOTED = re.compile(r"[\"“”']([^\"“”]{2,60})[\"“”']")
SITE_SUFFIX = re.compile(r"\s+[-|–—]\s+([^-|–—]{1,40})$")


@dataclass(slots=True)
class Candidate:
    """A sentence (or clause) of a retrieved passage, ``passage.text[start:end]``, or the
    headline of the passage's article (``headline``; no span)."""

    passage: int
    start: int
    end: int
    text: str
    headline: bool = False
    clause: bool = False
    score: float = 0.0  # chance that it holds the answer
    support: float = 0.0  # how well it answers at all (meaning + coverage): refusal test
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return len(self.text.split())


def headline_text(passage: Passage) -> str:
    """The article's headline as a statement: without a trailing " - CNN" that names the
    site it came from; "" when it is too short to say anything."""
    title = passage.title.strip()
    suffix = SITE_SUFFIX.search(title)
    site = passage_site(passage)
    if suffix and site and re.sub(r"[^a-z]", "", suffix.group(1).lower()).startswith(site):
        title = title[: suffix.start()].rstrip()
    return title if len(title.split()) >= MIN_HEADLINE_WORDS else ""


def passage_site(passage: Passage) -> str:
    return site_name(passage.source, passage.url)


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """Every distinct sentence and long-sentence clause of the passages, then the headline
    of each article they come from."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Candidate] = []
    for pi, passage in enumerate(passages):
        for start, end in sentence_spans(passage.text):
            if len(passage.text[start:end].split()) < MIN_WORDS:
                continue
            clauses = clause_spans(passage.text, start, end, min_words=MIN_CLAUSE_WORDS)
            for s, e in [(start, end), *clauses]:
                key = (passage.article_id, passage.start + s, passage.start + e)
                if key not in seen:
                    seen.add(key)
                    text = passage.text[s:e].rstrip(",;")
                    out.append(Candidate(pi, s, e, text, clause=(s, e) != (start, end)))
    headlines: set[str] = set()
    for pi, passage in enumerate(passages):
        title = headline_text(passage)
        if title and title.lower() not in headlines:
            headlines.add(title.lower())
            out.append(Candidate(pi, -1, -1, title, headline=True))
    return out


def inside(a: Candidate, b: Candidate) -> bool:
    """``a`` is a part of ``b`` (a clause of that sentence)."""
    return a.passage == b.passage and b.start <= a.start and a.end <= b.end


def overlaps(a: Candidate, b: Candidate) -> bool:
    """A clause and the sentence it belongs to are never both quoted."""
    if a.headline or b.headline:
        return False
    return a.passage == b.passage and a.start < b.end and b.start < a.end


def restates(a: str, b: str) -> bool:
    """Nearly all the words of the shorter text are in the longer (a headline and its
    sentence)."""
    ta, tb = set(terms(a)), set(terms(b))
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return bool(short) and len(short & long_) >= 0.75 * len(short)


def as_sentence(text: str) -> str:
    """A quoted clause reads as a sentence: capital first letter, closing full stop."""
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    core = text.rstrip("\"'”’)")
    if core and core[-1] not in ".!?":
        text += "."
    return text

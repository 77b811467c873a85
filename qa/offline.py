"""The offline answerer: no LLM, the answer is the retrieved sentences that best answer the
question, each followed by its citation.

Every sentence of the retrieved passages (and every clause of a long one) is scored on two
things: how close its meaning is to the question (MiniLM cosine), and how much of the
question it covers. Coverage counts the question's terms, weighted by how rare they are
among the candidates (the name a question is about appears everywhere and counts for
little; the thing it asks about counts for much). Long sentences are also scored clause by
clause, so that "..., while Kim is in search of ..." can answer what Kim wants without the
rest of the sentence. When even the best candidate scores below ``min_support`` the articles
are taken not to answer the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.documents import Passage
from vectorstore.embeddings import embed_many
from vectorstore.sentences import clause_spans, sentence_spans
from vectorstore.terms import terms

from .citations import Claim

COVERAGE_WEIGHT = 0.6
RELATION_WEIGHT = 0.5
CUE_BONUS = 0.1  # the candidate holds the kind of thing the question asks for
MIN_NEW_TERMS = 5  # an answer must say more than the question: this many new content words
KEEP_RATIO = 0.7  # further sentences must score at least this share of the best one
REDUNDANT_COSINE = 0.75  # a sentence this close to one already chosen adds nothing
MAX_WORDS = 65
PREFILTER = 25  # candidates embedded per answer, chosen by their words first
NAME_BONUS = 0.1  # a "who/which …" question: the candidate names someone the question doesn't
_WANTS_NAME = re.compile(
    r"^\s*(?:who|whom|whose|which|what\s+(?:country|city|company|state|team))\b", re.I
)
CONSENSUS_WEIGHT = 0.2  # what other retrieved articles also say is more likely the answer
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
MIN_WORDS = 4
# What kind of answer a question wants, and what such an answer looks like.
_ANSWER_CUES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
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
_NAME = re.compile(r"(?:[A-Z][\w'’.-]*)(?:\s+[A-Z][\w'’.-]*)*")


@dataclass(slots=True)
class Candidate:
    """A sentence (or clause) of a retrieved passage: ``passage.text[start:end]``."""

    passage: int
    start: int
    end: int
    text: str
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """Every distinct sentence and long-sentence clause of the passages."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Candidate] = []
    for pi, passage in enumerate(passages):
        for start, end in sentence_spans(passage.text):
            if len(passage.text[start:end].split()) < MIN_WORDS:
                continue
            for s, e in [(start, end), *clause_spans(passage.text, start, end)]:
                key = (passage.article_id, passage.start + s, passage.start + e)
                if key not in seen:
                    seen.add(key)
                    out.append(Candidate(pi, s, e, passage.text[s:e].rstrip(",;")))
    return out


@dataclass(slots=True)
class QuestionTerms:
    """The question's terms: names (kept whole: "Kim Jong Un") and other content words."""

    names: list[set[str]]
    others: list[str]  # stems

    @classmethod
    def parse(cls, question: str) -> QuestionTerms:
        names: list[set[str]] = []
        for match in _NAME.finditer(question):
            stems = set(terms(match.group()))
            if stems:
                names.append(stems)
        named = set().union(*names) if names else set()
        others = [t for t in dict.fromkeys(terms(question)) if t not in named]
        return cls(names, others)


class OfflineAnswerer:
    """Composes an answer from the best sentences of the retrieved passages."""

    name = "offline"

    def __init__(self, embeddings: Embeddings, max_sentences: int = 3, min_support: float = 0.68):
        self.embeddings = embeddings
        self.max_sentences = max_sentences
        self.min_support = min_support

    def _vectors(self, items: list[str]) -> np.ndarray:
        return embed_many(self.embeddings, items)

    def coverage(self, question: str, texts: Sequence[str]) -> list[float]:
        """How much of the question each text covers, rare terms weighing most (0..1)."""
        q = QuestionTerms.parse(question)
        groups: list[set[str]] = [*q.names, *({t} for t in q.others)]
        if not groups or not texts:
            return [0.0] * len(texts)
        text_terms = [set(terms(t)) for t in texts]
        n = len(texts)
        df = [sum(1 for ts in text_terms if g & ts) for g in groups]
        idf = [math.log(1 + n / (1 + d)) for d in df]
        out = []
        for ts in text_terms:
            got = sum(weight for g, weight in zip(groups, idf, strict=True) if g & ts)
            out.append(got / sum(idf))
        return out

    def score(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[list[Candidate], np.ndarray]:
        """All candidates with their scores, and their embeddings.

        ``semantic`` compares the candidate with the question, ``relation`` with the
        question whose names are replaced by a pronoun: what is asked *about* them. A
        candidate that only restates the question (too few new words) cannot win.
        """
        cands = candidates(passages)
        if not cands:
            return [], np.zeros((0, 0), dtype=np.float32)
        q_terms = set(terms(question))
        covered = self.coverage(question, [c.text for c in cands])
        consensus = _consensus(cands, passages, q_terms)
        if len(cands) > PREFILTER:
            # embed every sentence of the best passage, and of the rest those that words
            # alone rank best
            lexical = sorted(
                range(len(cands)),
                key=lambda i: COVERAGE_WEIGHT * covered[i] + CONSENSUS_WEIGHT * consensus[i],
                reverse=True,
            )
            top = [i for i in range(len(cands)) if cands[i].passage == 0]
            rest = [i for i in lexical if cands[i].passage != 0]
            keep = sorted(top + rest[: max(0, PREFILTER - len(top))])
            cands = [cands[i] for i in keep]
            covered = [covered[i] for i in keep]
            consensus = [consensus[i] for i in keep]
        relation_q = question[:1] + _NAME.sub("them", question[1:])
        vectors = self._vectors([question, relation_q] + [c.text for c in cands])
        semantic = vectors[2:] @ vectors[0]
        relation = vectors[2:] @ vectors[1]
        cue = next((look for ask, look in _ANSWER_CUES if ask.search(question)), None)
        q_words = {w.lower() for w in re.findall(r"\w+", question)}
        wants_name = bool(_WANTS_NAME.search(question))
        for i, cand in enumerate(cands):
            new_terms = len(set(terms(cand.text)) - q_terms)
            names = _CAPITALISED.findall(cand.text)[1:]  # the first word is capitalised anyway
            new_name = wants_name and any(n.lower() not in q_words for n in names)
            cand.parts = {
                "consensus": consensus[i],
                "new_name": float(new_name),
                "semantic": float(semantic[i]),
                "relation": float(relation[i]),
                "coverage": covered[i],
                "cue": float(bool(cue and cue.search(cand.text))),
                "new_terms": new_terms,
            }
            cand.score = (
                float(semantic[i] + RELATION_WEIGHT * relation[i])
                + COVERAGE_WEIGHT * covered[i]
                + CUE_BONUS * cand.parts["cue"]
                + NAME_BONUS * cand.parts["new_name"]
                + CONSENSUS_WEIGHT * cand.parts["consensus"]
                - (1.0 if new_terms < MIN_NEW_TERMS else 0.0)
            )
        return cands, vectors[2:]

    def claims(self, question: str, passages: Sequence[Passage]) -> list[Claim]:
        """The chosen sentences, best first, each citing its passage; [] when none answers."""
        cands, vectors = self.score(question, passages)
        if not cands:
            return []
        order = sorted(range(len(cands)), key=lambda i: cands[i].score, reverse=True)
        best = cands[order[0]].score
        if best < self.min_support:
            return []
        chosen: list[int] = []
        n_words = 0
        for i in order:
            cand = cands[i]
            if len(chosen) >= self.max_sentences or cand.score < best * KEEP_RATIO:
                break
            size = len(cand.text.split())
            if chosen and n_words + size > MAX_WORDS:
                continue
            if any(_overlaps(cand, cands[j]) for j in chosen):
                continue
            shorter = [j for j in chosen if _restates(cand.text, cands[j].text)]
            if shorter:  # a headline and its sentence: keep the one that says more
                j = shorter[0]
                old = len(cands[j].text.split())
                if size > old and n_words - old + size <= MAX_WORDS:
                    chosen[chosen.index(j)] = i
                    n_words += size - old
                continue
            if any(float(vectors[i] @ vectors[j]) >= REDUNDANT_COSINE for j in chosen):
                continue
            chosen.append(i)
            n_words += size
        return [
            Claim(
                text=_as_sentence(cands[i].text),
                cites=[cands[i].passage],
                quotes={cands[i].passage: (cands[i].start, cands[i].end)},
                prefix=" ",
            )
            for i in chosen
        ]


def _consensus(
    cands: Sequence[Candidate], passages: Sequence[Passage], q_terms: set[str]
) -> list[float]:
    """For each candidate, the share of the *other* retrieved articles that also mention its
    most widely repeated new term (a word the question doesn't have)."""
    articles: dict[str, set[str]] = {}
    for p in passages:
        articles.setdefault(p.article_id, set()).update(terms(p.text))
    if len(articles) < 2:
        return [0.0] * len(cands)
    out = []
    for cand in cands:
        own = passages[cand.passage].article_id
        others = [ts for aid, ts in articles.items() if aid != own]
        new = set(terms(cand.text)) - q_terms
        best = max((sum(t in ts for ts in others) for t in new), default=0)
        out.append(best / len(others))
    return out


def _overlaps(a: Candidate, b: Candidate) -> bool:
    """A clause and the sentence it belongs to are never both quoted."""
    return a.passage == b.passage and a.start < b.end and b.start < a.end


def _restates(a: str, b: str) -> bool:
    """Nearly all the words of the shorter text are in the longer (a headline and its
    sentence)."""
    ta, tb = set(terms(a)), set(terms(b))
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return bool(short) and len(short & long_) >= 0.75 * len(short)


def _as_sentence(text: str) -> str:
    """A quoted clause reads as a sentence: capital first letter, closing full stop."""
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    core = text.rstrip("\"'”’)")
    if core and core[-1] not in ".!?":
        text += "."
    return text

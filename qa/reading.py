"""The offline answer as a reader gives it: a short answer, the sentence that says it, and
at most one more quote.

The reader (``models/reader.py``) scores the retrieved passages' sentences and headlines for
how likely each holds the answer. The likeliest is the lead; when the best span of the top
few sentences is confident enough it is the short answer ("Vladivostok"), and the
sentence it comes from leads. When even the likeliest sentence is below the reader's
calibrated floor, the articles don't answer the question. Reranking of retrieved passages
uses the same readings (``rerank``), so an answer reads no pair twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models import EmbeddingModel, Reader, Reading, embed_many
from vectorstore import Passage, sentence_spans, terms

from .citations import Claim
from .features import (
    ANSWER_CUES,
    ASKS_NAME,
    CAPITALISED,
    COVERAGE_WEIGHT,
    CUE_BONUS,
    MIN_NEW_TERMS,
    MIN_WORDS,
    NAME,
    NAME_BONUS,
    RELATION_WEIGHT,
    Candidate,
    as_sentence,
    candidates,
    overlaps,
    restates,
)

MAX_WORDS = 40  # an answer's word budget, [n] markers included
LONG_SENTENCE = 32  # a lead longer than this is quoted by its clause holding the answer
SECOND_QUOTE = 0.5  # a further quote needs this share of the lead's reader score
SHORT_FROM = 3  # the short answer is sought in this many of the likeliest sentences
READ_AT_MOST = 32  # sentences read per answer, those sharing most words with the question
RERANK_SENTENCES = 2  # sentences read per passage when reranking (plus its first)
_EDGE = re.compile(r"^[\s,;:.\-–—]+|[\s,;:.\-–—]+$")


@dataclass(slots=True)
class Short:
    """The short answer: its words, the passage it comes from and its span there."""

    text: str
    passage: int
    start: int  # in the passage text (-1 for a headline)
    end: int
    confidence: float


@dataclass(frozen=True, slots=True)
class LeadModel:
    """How likely a sentence is the answer: a linear score over ``lead_features`` through a
    logistic function, stored in the reader's manifest (``support_model``: the hand-set
    support plus the reader's logit, its weight chosen on RealTime QA train)."""

    bias: float
    weights: dict[str, float]

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> LeadModel:
        lead = manifest.get("lead") or {"bias": 0.0, "weights": {"reader": 1.0}}
        return cls(float(lead["bias"]), {k: float(v) for k, v in lead["weights"].items()})

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features.get(k, 0.0) for k, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


def support_model(reader_weight: float) -> LeadModel:
    """The lead score: the quote answerer's hand-set support (``qa.offline``) plus the
    reader's logit times ``reader_weight`` (chosen on train by ``training/train_reader.py``)."""
    return LeadModel(
        0.0,
        {
            "semantic": 1.0,
            "relation": RELATION_WEIGHT,
            "coverage": COVERAGE_WEIGHT,
            "cue": CUE_BONUS,
            "asked_name": NAME_BONUS,
            "few_new": -1.0,  # only restates the question: no support
            "reader": reader_weight,
        },
    )


def lead_features(
    embeddings: EmbeddingModel, question: str, texts: Sequence[str], relevance: Sequence[float]
) -> list[dict[str, float]]:
    """The lead model's inputs for each of ``texts`` (sentences of the retrieved passages):
    the reader's relevance as a logit; sentence-embedding cosine with the question
    (``semantic``) and with the question whose names are replaced by "them" (``relation``);
    the share of the question's terms, rare ones weighing most (``coverage``); too little
    beyond the question (``few_new``); what a how-many/when/where/how question asks for
    (``cue``); a who/which question answered with a name it doesn't have (``asked_name``)."""
    relation_q = question[:1] + NAME.sub("them", question[1:])
    vectors = embed_many(embeddings, [question, relation_q, *texts])
    semantic = vectors[2:] @ vectors[0]
    relation = vectors[2:] @ vectors[1]
    covered = coverage(question, texts)
    q_terms = set(terms(question))
    q_words = {w.lower() for w in re.findall(r"\w+", question)}
    cue = next((look for ask, look in ANSWER_CUES if ask.search(question)), None)
    asks_name = bool(ASKS_NAME.search(question))
    out = []
    for i, text in enumerate(texts):
        r = min(max(relevance[i], 1e-6), 1 - 1e-6)
        names = [n for n in CAPITALISED.findall(text)[1:] if n.lower() not in q_words]
        out.append(
            {
                "reader": math.log(r / (1 - r)),
                "semantic": float(semantic[i]),
                "relation": float(relation[i]),
                "coverage": covered[i],
                "few_new": float(len(set(terms(text)) - q_terms) < MIN_NEW_TERMS),
                "cue": float(bool(cue and cue.search(text))),
                "asked_name": float(asks_name and bool(names)),
            }
        )
    return out


def coverage(question: str, texts: Sequence[str]) -> list[float]:
    """How much of the question each text has, rare terms (among ``texts``) weighing most."""
    q_terms = list(dict.fromkeys(terms(question)))
    if not q_terms or not texts:
        return [0.0] * len(texts)
    sets = [set(terms(t)) for t in texts]
    idf = [math.log(1 + len(sets) / (1 + sum(t in ts for ts in sets))) for t in q_terms]
    total = sum(idf)
    return [sum(w for t, w in zip(q_terms, idf, strict=True) if t in ts) / total for ts in sets]


def overlap(q_terms: set[str], text: str) -> float:
    """The share of the question's terms ``q_terms`` that ``text`` has."""
    return len(q_terms & set(terms(text))) / (len(q_terms) or 1)


def rerank(reader: Reader, question: str, passages: Sequence[Passage], k: int) -> list[Passage]:
    """The ``k`` passages the reader rates highest (ties: retrieval order): whole, by a
    passage reader; by their first sentence and those sharing most words with the
    question, by a sentence reader."""
    if reader.reads_passages:  # a passage reader reads them whole
        relevance = [r.relevance for r in reader.read(question, [p.text for p in passages])]
        order = sorted(range(len(passages)), key=lambda i: (-relevance[i], i))
        return [passages[i] for i in order[:k]]
    q_terms = set(terms(question))
    texts: list[str] = []
    owners: list[int] = []
    for pi, p in enumerate(passages):
        spans = [(s, e) for s, e in sentence_spans(p.text) if len(p.text[s:e].split()) >= MIN_WORDS]
        if not spans:
            continue
        best = sorted(
            spans[1:], key=lambda se: overlap(q_terms, p.text[se[0] : se[1]]), reverse=True
        )
        for s, e in [spans[0], *best[:RERANK_SENTENCES]]:
            texts.append(p.text[s:e])
            owners.append(pi)
    readings = reader.read(question, texts)
    score = [0.0] * len(passages)
    for pi, r in zip(owners, readings, strict=True):
        score[pi] = max(score[pi], r.relevance)
    order = sorted(range(len(passages)), key=lambda i: (-score[i], i))
    return [passages[i] for i in order[:k]]


@dataclass(slots=True)
class Read:
    """A candidate with the reader's reading of it and its lead score (a chance)."""

    candidate: Candidate
    reading: Reading
    lead: float


class ReaderAnswerer:
    """Composes ``short [n]. lead sentence [n] (one more quote [m])`` from the passages."""

    name = "offline"

    def __init__(
        self, reader: Reader, embeddings: EmbeddingModel, max_words: int = MAX_WORDS
    ) -> None:
        self.reader = reader
        self.embeddings = embeddings
        self.lead = LeadModel.from_manifest(reader.manifest)
        self.max_words = max_words

    def read(self, question: str, passages: Sequence[Passage]) -> list[Read]:
        """The candidates (sentences, clauses of long ones, headlines), read, likeliest
        lead first."""
        cands = candidates(passages)
        if len(cands) > READ_AT_MOST:
            q_terms = set(terms(question))
            cands = sorted(cands, key=lambda c: (-overlap(q_terms, c.text), c.passage))
            cands = cands[:READ_AT_MOST]
        texts = [c.text for c in cands]
        readings = self.reader.read(question, texts)
        features = lead_features(self.embeddings, question, texts, [r.relevance for r in readings])
        out = [
            Read(c, r, self.lead.probability(f))
            for c, r, f in zip(cands, readings, features, strict=True)
        ]
        return sorted(out, key=lambda x: -x.lead)

    def short(self, question: str, ranked: list[Read]) -> tuple[int, Short] | None:
        """(which of ``ranked`` it comes from, the short answer), or None when no span of the
        likeliest sentences is confident enough or says more than the question."""
        q_terms = set(terms(question))
        best: tuple[int, Short] | None = None
        for i, item in enumerate(ranked[:SHORT_FROM]):
            cand, r = item.candidate, item.reading
            if r.start < 0 or r.confidence < self.reader.min_short:
                continue
            text = _EDGE.sub("", cand.text[r.start : r.end])
            if not text or not (set(terms(text)) - q_terms):
                continue  # only repeats the question ("Kim")
            if best is None or r.confidence > best[1].confidence:
                offset = cand.text.find(text, r.start)
                start = -1 if cand.headline else cand.start + offset
                end = -1 if cand.headline else start + len(text)
                best = (i, Short(text, cand.passage, start, end, r.confidence))
        return best

    def answer(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[list[Claim], Short | None]:
        """The claims to show, short answer first; ([], None) when the articles don't answer."""
        ranked = self.read(question, passages)
        if not ranked or ranked[0].lead < self.reader.min_relevance:
            return [], None
        found = self.short(question, ranked)
        lead_at = found[0] if found else 0
        short = found[1] if found else None
        first = ranked[lead_at]
        lead = self._focus(first.candidate, short, passages)
        chosen = [lead]
        words = lead.words + 1 + (len(short.text.split()) + 1 if short else 0)
        for item in ranked:
            cand = item.candidate
            if len(chosen) >= 2 or item.lead < self.reader.min_relevance:
                break
            if item is first or overlaps(cand, lead) or restates(cand.text, lead.text):
                continue
            if item.reading.relevance < SECOND_QUOTE * first.reading.relevance:
                continue  # the reader finds it much less likely to hold the answer
            if words + cand.words + 1 > self.max_words:
                continue
            chosen.append(cand)
            words += cand.words + 1
        claims = [self._claim(c, passages, chosen) for c in chosen]
        if short:
            cite = claims[0].cites
            if cite:  # a headline's short answer belongs to the passage its headline cites
                short.passage = cite[0]
            claims.insert(0, Claim(as_sentence(short.text), list(cite), dict(claims[0].quotes)))
        return claims, short

    @staticmethod
    def _focus(lead: Candidate, short: Short | None, passages: Sequence[Passage]) -> Candidate:
        """A long lead sentence is quoted by its clause that holds the short answer."""
        if lead.headline or lead.words <= LONG_SENTENCE or short is None:
            return lead
        clauses = [
            c
            for c in candidates([passages[lead.passage]])
            if c.clause
            and lead.start <= c.start
            and c.end <= lead.end
            and c.start <= short.start
            and short.end <= c.end
        ]
        if not clauses:
            return lead
        best = min(clauses, key=lambda c: c.words)
        return Candidate(lead.passage, best.start, best.end, best.text, clause=True)

    @staticmethod
    def _claim(cand: Candidate, passages: Sequence[Passage], chosen: list[Candidate]) -> Claim:
        if not cand.headline:
            return Claim(
                as_sentence(cand.text), [cand.passage], {cand.passage: (cand.start, cand.end)}, " "
            )
        article = passages[cand.passage].article_id
        cite = next(
            (
                c.passage
                for c in chosen
                if not c.headline and passages[c.passage].article_id == article
            ),
            cand.passage,
        )
        return Claim(as_sentence(cand.text), [cite], {}, " ", headline=True)

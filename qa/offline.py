"""The offline answerer: no LLM, the answer is the retrieved sentences (and headlines) that
best answer the question, each followed by its citation.

Candidates are every sentence of the retrieved passages, every clause of a long sentence
(so that "..., while Kim is in search of ..." can answer what Kim wants without the rest),
and the headline of each retrieved article. Each is described by a few features: how close
its meaning is to the question (MiniLM cosine), how much of the question it covers (rare
question terms weigh most), whether other retrieved articles say the same thing, whether
it holds the kind of thing asked for (a new name, a number, a title in quotes), where it
stands in its article (news puts the answer in the headline and the first paragraph) and
how well its passage was retrieved. A logistic model over those features (``ranker.json``,
fitted by ``bench/tune_offline.py``) gives the chance that the candidate holds the answer;
the answer quotes the likeliest candidates within a word budget, shorter ones first among
near equals.

Whether the articles answer at all is a separate test: when even the best sentence's
``support`` (meaning + coverage) is below ``min_support``, the answer is a refusal.

(Longer than most modules, for a reason: the features' values, the fitted ranker that
weighs them and the selection that uses its scores are read together;
``bench/tune_offline.py`` fits them as one. What the reader shares is in ``features``.)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from models import EmbeddingModel, embed_many
from vectorstore import Passage, terms

from .citations import Claim
from .features import (
    ANSWER_CUES,
    ASKS_NAME,
    ASKS_NUMBER,
    ASKS_QUOTE,
    CAPITALISED,
    CONSENSUS_WEIGHT,
    COVERAGE_WEIGHT,
    CUE_BONUS,
    LEDE_CHARS,
    MIN_NEW_TERMS,
    NAME,
    NAME_BONUS,
    NUMBER,
    PREFILTER,
    QUOTED,
    REDUNDANT_COSINE,
    RELATION_WEIGHT,
    WANTS_NAME,
    Candidate,
    as_sentence,
    candidates,
    inside,
    overlaps,
    restates,
)

FEATURES = (
    "semantic",  # cosine with the question
    "relation",  # cosine with the question, its names replaced by "them"
    "coverage",  # share of the question's terms, rare ones weighing most
    "cue",  # holds what a how-many/when/where/how question asks for
    "consensus",  # other retrieved articles also mention its new words
    "few_new",  # says too little beyond the question
    "length",  # words / 30
    "lede",  # early in its article (1 at the top, fading over LEDE_CHARS)
    "rank",  # position of its article's first passage in the retrieved list
    "headline",  # an article's headline
    "clause",  # a part of a longer sentence
    "retrieval",  # its passage's retrieval score relative to the best passage's
    "names",  # capitalised words the question doesn't have (up to 3, / 3)
    "asked_name",  # names, for a who/which question
    "number",  # a number the question doesn't have
    "asked_number",  # number, for a how-many/how-much question
    "quote",  # a quoted title the question doesn't have
    "asked_quote",  # quote, for a question about a song, film, show ...
)


@dataclass(frozen=True, slots=True)
class Ranker:
    """A logistic model over ``FEATURES`` and how many candidates an answer quotes."""

    bias: float
    weights: dict[str, float]
    keep: float  # further quotes need at least this share of the best one's chance
    max_words: int  # word budget of an answer
    per_word: float  # share of the best chance given up per word: shorter quotes first
    min_support: float  # below this support of the best sentence, the answer is a refusal

    @classmethod
    def load(cls, path: Path | None = None) -> Ranker:
        """The fitted model shipped with the package (or the one at ``path``)."""
        where = path or resources.files("qa").joinpath("ranker.json")
        data = json.loads(where.read_text(encoding="utf-8"))
        names = ("bias", "weights", "keep", "max_words", "per_word", "min_support")
        missing = [k for k in names if k not in data]
        missing += [f"weights.{f}" for f in FEATURES if f not in data.get("weights", {})]
        if missing:
            raise ValueError(
                f"the offline ranker {where} lacks {', '.join(missing)}; "
                "refit it with `python bench/tune_offline.py --write`"
            )
        return cls(**{k: data[k] for k in names})

    def probability(self, parts: dict[str, float]) -> float:
        z = self.bias + sum(w * parts.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(slots=True)
class QuestionTerms:
    """The question's terms: names (kept whole: "Kim Jong Un") and other content words."""

    names: list[set[str]]
    others: list[str]  # stems

    @classmethod
    def parse(cls, question: str) -> QuestionTerms:
        names: list[set[str]] = []
        for match in NAME.finditer(question):
            stems = set(terms(match.group()))
            if stems:
                names.append(stems)
        named = set().union(*names) if names else set()
        others = [t for t in dict.fromkeys(terms(question)) if t not in named]
        return cls(names, others)


class OfflineAnswerer:
    """Composes an answer from the likeliest sentences and headlines of the passages."""

    name = "offline"

    def __init__(
        self,
        embeddings: EmbeddingModel,
        max_sentences: int = 5,
        min_support: float | None = None,
        ranker: Ranker | None = None,
    ):
        self.embeddings = embeddings
        self.max_sentences = max_sentences
        self.ranker = ranker or Ranker.load()
        # the floor fitted with the ranker unless the user set one
        self.min_support = self.ranker.min_support if min_support is None else min_support

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
        """All candidates with their features, chance and support, and their embeddings.

        ``semantic`` compares the candidate with the question, ``relation`` with the
        question whose names are replaced by a pronoun: what is asked *about* them. A
        candidate that only restates the question (too few new words) has little support.
        """
        cands = candidates(passages)
        if not cands:
            return [], np.zeros((0, 0), dtype=np.float32)
        q_terms = set(terms(question))
        covered = self.coverage(question, [c.text for c in cands])
        consensus = _consensus(cands, passages, q_terms)
        sentences = [i for i, c in enumerate(cands) if not c.headline]
        if len(sentences) > PREFILTER:
            # embed every sentence of the best passage, and of the rest those that words
            # alone rank best; every headline
            lexical = sorted(
                sentences,
                key=lambda i: COVERAGE_WEIGHT * covered[i] + CONSENSUS_WEIGHT * consensus[i],
                reverse=True,
            )
            top = [i for i in sentences if cands[i].passage == 0]
            rest = [i for i in lexical if cands[i].passage != 0]
            heads = [i for i, c in enumerate(cands) if c.headline]
            kept = set(top + rest[: max(0, PREFILTER - len(top))])
            # with each kept sentence, its clauses: one of them may say just the answer
            whole = [cands[i] for i in kept if not cands[i].clause]
            kept |= {
                i for i in sentences if cands[i].clause and any(inside(cands[i], w) for w in whole)
            }
            keep = sorted(kept | set(heads))
            cands = [cands[i] for i in keep]
            covered = [covered[i] for i in keep]
            consensus = [consensus[i] for i in keep]
        relation_q = question[:1] + NAME.sub("them", question[1:])
        vectors = self._vectors([question, relation_q] + [c.text for c in cands])
        semantic = vectors[2:] @ vectors[0]
        relation = vectors[2:] @ vectors[1]
        cue = next((look for ask, look in ANSWER_CUES if ask.search(question)), None)
        q_words = {w.lower() for w in re.findall(r"\w+", question)}
        wants_name = bool(WANTS_NAME.search(question))
        asks = {
            "name": float(bool(ASKS_NAME.search(question))),
            "number": float(bool(ASKS_NUMBER.search(question))),
            "quote": float(bool(ASKS_QUOTE.search(question))),
        }
        retrieval = _retrieval(passages)
        first: dict[str, int] = {}
        for pi, p in enumerate(passages):
            first.setdefault(p.article_id, pi)
        for i, cand in enumerate(cands):
            passage = passages[cand.passage]
            new_terms = len(set(terms(cand.text)) - q_terms)
            capitalised = CAPITALISED.findall(cand.text)
            if not cand.headline:
                capitalised = capitalised[1:]  # a sentence's first word is capitalised anyway
            names = [n for n in capitalised if n.lower() not in q_words]
            number = any(n not in question for n in NUMBER.findall(cand.text))
            quote = any(q.lower() not in question.lower() for q in QUOTED.findall(cand.text))
            at = 0 if cand.headline else passage.start + cand.start
            parts = {
                "semantic": float(semantic[i]),
                "relation": float(relation[i]),
                "coverage": covered[i],
                "cue": float(bool(cue and cue.search(cand.text))),
                "consensus": consensus[i],
                "few_new": float(new_terms < MIN_NEW_TERMS),
                "length": cand.words / 30,
                "lede": math.exp(-at / LEDE_CHARS),
                "rank": float(first[passage.article_id]),
                "headline": float(cand.headline),
                "clause": float(cand.clause),
                "retrieval": retrieval[first[passage.article_id]],
                "names": min(len(names), 3) / 3,
                "number": float(number),
                "quote": float(quote),
            }
            parts["asked_name"] = asks["name"] * parts["names"]
            parts["asked_number"] = asks["number"] * parts["number"]
            parts["asked_quote"] = asks["quote"] * parts["quote"]
            cand.parts = parts
            cand.score = self.ranker.probability(parts)
            new_name = wants_name and bool(names)
            cand.support = (
                parts["semantic"]
                + RELATION_WEIGHT * parts["relation"]
                + COVERAGE_WEIGHT * parts["coverage"]
                + CUE_BONUS * parts["cue"]
                + NAME_BONUS * float(new_name)
                + CONSENSUS_WEIGHT * parts["consensus"]
                - parts["few_new"]  # only restates the question: no support
            )
        return cands, vectors[2:]

    def select(self, cands: Sequence[Candidate], vectors: np.ndarray) -> list[int]:
        """Which candidates to quote, in order; [] to refuse.

        First the sentence with the most support (the one that answers the question most
        directly), then the likeliest other candidates while they are likely enough, say
        something new and fit the word budget.
        """
        sentences = [i for i, c in enumerate(cands) if not c.headline]
        if not sentences:
            return []
        lead = max(sentences, key=lambda i: cands[i].support)
        if cands[lead].support < self.min_support:
            return []
        r = self.ranker
        best = max(c.score for c in cands) or 1.0
        order = sorted(
            range(len(cands)),
            key=lambda i: cands[i].score / best - r.per_word * cands[i].words,
            reverse=True,
        )
        chosen = [lead]
        n_words = cands[lead].words
        for i in order:
            cand = cands[i]
            if len(chosen) >= self.max_sentences or cand.score < best * r.keep:
                break
            size = cand.words
            if i in chosen or n_words + size > r.max_words:
                continue
            if any(overlaps(cand, cands[j]) for j in chosen):
                continue
            shorter = [j for j in chosen if restates(cand.text, cands[j].text)]
            if shorter:  # a headline and its sentence: keep the one that says more
                j = shorter[0]
                old = cands[j].words
                if size > old and n_words - old + size <= r.max_words:
                    chosen[chosen.index(j)] = i
                    n_words += size - old
                continue
            if any(float(vectors[i] @ vectors[j]) >= REDUNDANT_COSINE for j in chosen):
                continue
            chosen.append(i)
            n_words += size
        return chosen

    def claims(self, question: str, passages: Sequence[Passage]) -> list[Claim]:
        """The chosen sentences, lead first, each citing its passage; [] when none
        answers. A headline cites no span: the passage of its article that another quote
        cites, else the article's best-retrieved passage."""
        cands, vectors = self.score(question, passages)
        chosen = self.select(cands, vectors)
        quoted: dict[str, int] = {}
        for i in chosen:
            if not cands[i].headline:
                quoted.setdefault(passages[cands[i].passage].article_id, cands[i].passage)
        claims = []
        for i in chosen:
            cand = cands[i]
            if cand.headline:
                cite = quoted.get(passages[cand.passage].article_id, cand.passage)
                quotes = {}
            else:
                cite, quotes = cand.passage, {cand.passage: (cand.start, cand.end)}
            claims.append(
                Claim(as_sentence(cand.text), [cite], quotes, prefix=" ", headline=cand.headline)
            )
        return claims


def _retrieval(passages: Sequence[Passage]) -> list[float]:
    """Each passage's retrieval score relative to the best one's (fused score when the
    search fused several rankings, else similarity)."""
    raw = [p.extra.get("fused", p.score) for p in passages]
    top = max(raw, default=0.0)
    return [x / top if top > 0 else 0.0 for x in raw]


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

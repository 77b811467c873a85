"""Citations: parse ``[n]`` markers, check every sentence against the passage it cites,
drop invented or unsupported citations (or move them to the passage that does support the
sentence), and number what is left from 1 in the order it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from models import EmbeddingModel, embed_many
from vectorstore import Passage, clause_spans, sentence_spans, terms

from .results import Citation

MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_FINAL_STOP = re.compile(r"[.!?…]+$")

# A sentence is supported by a passage sentence when they mean nearly the same thing, or
# when most of its content words are in the passage and the meaning is close enough.
SUPPORT_COSINE = 0.62
SUPPORT_RECALL = 0.6
SUPPORT_COSINE_WITH_RECALL = 0.4


@dataclass(slots=True)
class Claim:
    """One answer sentence and the passages (0-based indexes) it cites."""

    text: str
    cites: list[int] = field(default_factory=list)
    quotes: dict[int, tuple[int, int]] = field(default_factory=dict)  # passage → quote span
    prefix: str = ""  # what stood before the sentence in the original text (spaces, bullets)
    headline: bool = False  # the sentence is the cited article's headline, not a passage span


@dataclass(slots=True)
class Checked:
    """The outcome of ``finalize``."""

    text: str
    citations: list[Citation]
    unsupported: list[str]


def parse_claims(text: str, n_passages: int) -> list[Claim]:
    """Split a model's answer into sentences with the passage numbers each one cites.

    A number with no passage behind it is dropped here. Markers standing alone after a
    sentence (``... submarines. [1]``) belong to that sentence.
    """
    claims: list[Claim] = []
    cursor = 0
    for start, end in sentence_spans(text):
        piece = text[start:end]
        cites: list[int] = []
        for match in MARKER.finditer(piece):
            for number in re.split(r"\s*[,;]\s*", match.group(1)):
                n = int(number) - 1
                if 0 <= n < n_passages and n not in cites:
                    cites.append(n)
        words_only = MARKER.sub("", piece).strip()
        if not re.search(r"\w", words_only) and claims:
            claims[-1].cites.extend(c for c in cites if c not in claims[-1].cites)
        elif words_only:
            claims.append(Claim(words_only, cites, prefix=text[cursor:start]))
        cursor = end
    return claims


def _content_recall(sentence_terms: set[str], passage_terms: set[str]) -> float:
    if not sentence_terms:
        return 0.0
    return len(sentence_terms & passage_terms) / len(sentence_terms)


class Verifier:
    """Scores how well each passage supports each answer sentence."""

    def __init__(self, embeddings: EmbeddingModel) -> None:
        self.embeddings = embeddings

    def check(self, claims: list[Claim], passages: Sequence[Passage]) -> list[Claim]:
        """Keep citations that support their sentence, move or drop the others."""
        if not claims or not passages:
            return claims
        # each passage sentence, and its clauses and phrases: a claim may restate one part
        # of a long sentence that also says other things
        p_spans = [
            [
                span
                for s, e in sentence_spans(p.text)
                for span in [(s, e), *clause_spans(p.text, s, e, fine=True, min_words=3)]
            ]
            for p in passages
        ]
        p_sents = [
            p.text[s:e] for p, spans in zip(passages, p_spans, strict=True) for s, e in spans
        ]
        owners = [i for i, spans in enumerate(p_spans) for _ in spans]
        local = [span for spans in p_spans for span in spans]
        vectors = embed_many(self.embeddings, [c.text for c in claims] + p_sents)
        claim_vecs, sent_vecs = vectors[: len(claims)], vectors[len(claims) :]
        cos = claim_vecs @ sent_vecs.T  # normalised embeddings
        passage_terms = [set(terms(p.text)) for p in passages]
        for ci, claim in enumerate(claims):
            claim_terms = set(terms(claim.text))
            best: dict[int, tuple[float, int]] = {}
            for si, owner in enumerate(owners):
                if owner not in best or cos[ci, si] > best[owner][0]:
                    best[owner] = (float(cos[ci, si]), si)

            def supports(
                pi: int, _terms: set[str] = claim_terms, _best: dict[int, tuple[float, int]] = best
            ) -> bool:
                if pi not in _best:
                    return False
                similarity = _best[pi][0]
                recall = _content_recall(_terms, passage_terms[pi])
                return similarity >= SUPPORT_COSINE or (
                    recall >= SUPPORT_RECALL and similarity >= SUPPORT_COSINE_WITH_RECALL
                )

            kept = [pi for pi in claim.cites if supports(pi)]
            if not kept:
                ranked = sorted(best, key=lambda pi: best[pi][0], reverse=True)
                kept = [pi for pi in ranked[:1] if supports(pi)]
            claim.cites = kept
            claim.quotes = {
                pi: local[best[pi][1]] for pi in kept if pi not in claim.quotes and pi in best
            } | {pi: span for pi, span in claim.quotes.items() if pi in kept}
        return claims


def _with_markers(sentence: str, numbers: list[int]) -> str:
    if not numbers:
        return sentence
    markers = "".join(f"[{n}]" for n in numbers)
    stop = _FINAL_STOP.search(sentence)  # "... days [1]." but '... "in the coming days." [1]'
    if stop and stop.start() > 0:
        return f"{sentence[: stop.start()].rstrip()} {markers}{sentence[stop.start() :]}"
    return f"{sentence} {markers}"


def finalize(claims: list[Claim], passages: Sequence[Passage]) -> Checked:
    """Number the cited passages from 1 in reading order and build the final text."""
    order: dict[int, int] = {}
    parts: list[str] = []
    unsupported: list[str] = []
    for claim in claims:
        numbers = []
        for pi in claim.cites:
            order.setdefault(pi, len(order) + 1)
            numbers.append(order[pi])
        if not claim.cites:
            unsupported.append(claim.text)
        prefix = claim.prefix if parts else claim.prefix.lstrip()
        parts.append(prefix + _with_markers(claim.text, numbers))
    first_quote: dict[int, tuple[int, int]] = {}
    for claim in claims:
        for pi in claim.cites:
            if pi in claim.quotes:
                first_quote.setdefault(pi, claim.quotes[pi])
    headlines = {pi for claim in claims if claim.headline for pi in claim.cites}
    citations = []
    for pi, number in order.items():
        p = passages[pi]
        qs, qe = first_quote.get(pi, (-1, -1))
        citations.append(
            Citation(
                number=number,
                article_id=p.article_id,
                title=p.title,
                date=p.date,
                source=p.source,
                url=p.url,
                passage=p.text,
                start=p.start,
                end=p.end,
                quote=p.text[qs:qe] if qs >= 0 else "",
                quote_start=qs,
                quote_end=qe,
                score=round(p.score, 4),
                headline=pi in headlines,
                also_at=p.also_at,
                also_at_more=p.also_at_more,
            )
        )
    text = "".join(parts) if all(c.prefix for c in claims[1:]) else " ".join(parts)
    return Checked(text=text.strip(), citations=citations, unsupported=unsupported)

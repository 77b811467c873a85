"""The answer as the passage reader gives it: the short answer first, then the one sentence
that says it, cited.

The passage reader (``models.Reader`` with weights that read whole chunks, its manifest
saying ``"reads": "passages"``) reads each retrieved passage once; its likeliest spans
are gathered across passages (``qa.spans``: the same answer read in several passages adds
up). When the best answer's combined chance reaches the reader's calibrated floor
(``min_short``, fitted on train's held-out weeks), the answer is that span and the
sentence holding it (its clause, when the sentence is long). Otherwise the quote
answerer's two best sentences answer (its own floor refuses when nothing does).
"""

from __future__ import annotations

from collections.abc import Sequence

from models import Reader
from vectorstore import Passage, clause_spans, sentence_spans

from .citations import Claim
from .features import MIN_CLAUSE_WORDS, as_sentence
from .offline import OfflineAnswerer
from .reading import Short
from .spans import Found, gather

MAX_WORDS = 40  # the whole answer's word budget
LONG_SENTENCE = 30  # a supporting sentence longer than this is quoted by its clause
UNSURE_QUOTES = 2  # quotes when no short answer is confident enough


class PassageAnswerer:
    """Composes ``**short.** supporting sentence [n]`` from the passages."""

    def __init__(self, reader: Reader, quotes: OfflineAnswerer, max_words: int = MAX_WORDS):
        self.reader = reader
        self.quotes = quotes
        self.max_words = max_words

    def found(self, question: str, passages: Sequence[Passage]) -> list[Found]:
        """The answers read in the passages, likeliest first."""
        texts = [p.text for p in passages]
        readings = self.reader.read(question, texts)
        return gather(question, texts, readings, [p.article_id for p in passages])

    def answer(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[list[Claim], Short | None]:
        """The claims to show, short answer first; ([], None) when the articles don't answer."""
        found = self.found(question, passages)
        if found and found[0].score >= self.reader.min_short:
            best = found[0]
            s, e = supporting(passages[best.passage].text, best.start, best.end)
            quote = passages[best.passage].text[s:e].strip()
            cite = {best.passage: (s, e)}
            short = Short(best.text, best.passage, best.start, best.end, best.score)
            return [
                Claim(as_sentence(best.text), [best.passage], dict(cite)),
                Claim(as_sentence(quote), [best.passage], cite, prefix=" "),
            ], short
        claims: list[Claim] = []
        words = 0
        for claim in self.quotes.claims(question, passages)[:UNSURE_QUOTES]:
            n = len(claim.text.split()) + 1
            if claims and words + n > self.max_words:
                break
            claims.append(claim)
            words += n
        return claims, None


def supporting(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence of ``text`` that holds ``[start, end)``; its shortest
    clause holding it when the sentence is longer than ``LONG_SENTENCE`` words."""
    for s, e in sentence_spans(text):
        if s <= start and end <= e:
            if len(text[s:e].split()) <= LONG_SENTENCE:
                return s, e
            clauses = [
                (a, b)
                for a, b in clause_spans(text, s, e, min_words=MIN_CLAUSE_WORDS)
                if a <= start and end <= b
            ]
            return min(clauses, key=lambda ab: ab[1] - ab[0]) if clauses else (s, e)
    return start, end

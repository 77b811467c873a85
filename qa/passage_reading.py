"""The answer as the passage reader gives it: the short answer first, then the one sentence
that says it, cited.

The passage reader (``models.Reader`` with weights that read whole chunks, its manifest
saying ``"reads": "passages"``) reads each retrieved passage once; its likeliest spans
are gathered across passages (``qa.spans``: the same answer read in several articles adds
up). When the best answer's combined chance reaches the reader's calibrated floor
(``min_short``, fitted on train's held-out weeks) — or when the quote answerer's lead
sentence says an answer whose chance reaches ``LEAD_SHORT_FLOOR`` — the answer is that
span and the sentence holding it (its clause, when the sentence is long). Otherwise the
quote answerer's two best sentences answer (its own floor refuses when nothing does).
"""

from __future__ import annotations

from collections.abc import Sequence

from models import Reader
from vectorstore import Passage, clause_spans, sentence_spans

from .citations import Claim
from .features import MIN_CLAUSE_WORDS, as_sentence
from .offline import OfflineAnswerer
from .reading import Short
from .spans import Found, find_words, gather

MAX_WORDS = 40  # the whole answer's word budget
LONG_SENTENCE = 30  # a supporting sentence longer than this is quoted by its clause
UNSURE_QUOTES = 2  # quotes when no short answer is confident enough
LEAD_SHORT_FLOOR = 0.05  # a short answer the lead sentence says: its least combined chance
# (chosen on train's held-out weeks: bench/answers.py --split train)


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
            return self._short_first(found[0], passages)
        quotes = self.quotes.claims(question, passages)
        in_lead = self._in_lead(found, quotes[0], passages) if quotes else None
        if in_lead is not None:
            return self._short_first(in_lead, passages)
        claims: list[Claim] = []
        words = 0
        for claim in quotes[:UNSURE_QUOTES]:
            n = len(claim.text.split()) + 1
            if claims and words + n > self.max_words:
                break
            claims.append(claim)
            words += n
        return claims, None

    @staticmethod
    def _short_first(best: Found, passages: Sequence[Passage]) -> tuple[list[Claim], Short]:
        """The short answer, then the sentence (or clause) of its passage that says it."""
        short = Short(best.text, best.passage, best.start, best.end, best.score)
        claim = short_claim(short, passages)
        s, e = claim.quotes[short.passage]
        quote = passages[short.passage].text[s:e].strip()
        return [claim, Claim(as_sentence(quote), [short.passage], dict(claim.quotes), " ")], short

    @staticmethod
    def _in_lead(found: list[Found], lead: Claim, passages: Sequence[Passage]) -> Found | None:
        """The likeliest answer the quote answerer's lead sentence says, where its chance
        reaches ``LEAD_SHORT_FLOOR``: two judges agreeing (the sentence chosen by the quote
        answerer, the span by the reader) are trusted at a lower chance than one."""
        if not lead.quotes or lead.headline:
            return None
        pi, (s, e) = next(iter(lead.quotes.items()))
        sentence = passages[pi].text[s:e]
        for f in found:
            if f.score < LEAD_SHORT_FLOOR:
                break
            match = find_words(f.text, sentence)
            if match:
                start, end = s + match.start(), s + match.end()
                return Found(match.group(0), f.score, pi, start, end, f.passages)
        return None


def short_claim(short: Short, passages: Sequence[Passage]) -> Claim:
    """The short answer as the answer's first claim, citing its passage with the sentence
    (or clause) that says it as the quote."""
    quote = supporting(passages[short.passage].text, short.start, short.end)
    return Claim(as_sentence(short.text), [short.passage], {short.passage: quote})


def supporting(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence of ``text`` that holds ``[start, end)``; its shortest
    clause holding it when the sentence is longer than ``LONG_SENTENCE`` words. A span
    across two sentences is quoted with both."""
    spans = sentence_spans(text)
    for s, e in spans:
        if s <= start < e and end > e:  # the span runs on into the next sentence
            return s, next((b for a, b in spans if a < end <= b), end)
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

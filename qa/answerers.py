"""The answerers behind one interface: a question and its passages in, the answer's text
streamed out as it grows, then the checked ``Answer``. One setting
(``ARTICLE_QA_ANSWERER``) picks one from ``ANSWERERS``.

- ``quotes``: the sentences and headlines that best answer, each cited (``offline``);
- ``reader``: the trained reader's short answer and the sentence that says it (``reading``);
- ``llm``: any LangChain chat model, its citations checked against the passages; when the
  model fails or says nothing, the offline answerer answers, with a notice.

A new answerer is a subclass with ``stream`` and one line in ``ANSWERERS``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from vectorstore import Passage

from .citations import Claim, Verifier, finalize, parse_claims
from .llm import LLMError, build_messages, is_refusal, stream_reply
from .offline import OfflineAnswerer
from .passage_reading import short_claim
from .reading import Short
from .results import Answer, Citation, ShortAnswer
from .spans import answer_key, find_words

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .settings import Settings

REFUSAL = "The articles don't answer this question."
Draft = Generator[str, None, Answer]  # the text as it grows, then the answer


@dataclass(frozen=True, slots=True)
class Asked:
    """What an answerer is asked: the question as searched (a follow-up made to stand
    alone), the part of it that asks (``focus``), and the passages found for it."""

    question: str
    focus: str
    passages: list[Passage]


class Answerer(ABC):
    """Turns a question and its passages into a cited answer."""

    label = "offline"  # what ``Answer.answerer`` says

    @abstractmethod
    def stream(self, asked: Asked, notice: str = "") -> Draft:
        """Yield the answer's text as it grows; return the checked ``Answer``."""

    def refusal(self, question: str, notice: str = "") -> Answer:
        return Answer(
            question=question, text=REFUSAL, answerer=self.label, refused=True, notice=notice
        )


class Quotes(Answerer):
    """The quote bundles (``offline.OfflineAnswerer``)."""

    def __init__(self, quotes: OfflineAnswerer) -> None:
        self.quotes = quotes

    def stream(self, asked: Asked, notice: str = "") -> Draft:
        claims = self.quotes.claims(asked.focus, asked.passages) if asked.passages else []
        return (yield from _offline(self, asked, claims, None, notice))


class Reading(Protocol):
    """What reads an answer from passages: the claims to show, short answer first, and the
    short answer (``reading.ReaderAnswerer`` for a sentence reader,
    ``passage_reading.PassageAnswerer`` for a passage reader)."""

    def answer(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[list[Claim], Short | None]: ...


class Reader(Answerer):
    """The trained reader's short answer and the sentence that says it."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading

    def stream(self, asked: Asked, notice: str = "") -> Draft:
        claims: list[Claim] = []
        short: Short | None = None
        if asked.passages:
            claims, short = self.reading.answer(asked.focus, asked.passages)
        return (yield from _offline(self, asked, claims, short, notice))


def _offline(
    answerer: Answerer, asked: Asked, claims: list[Claim], short: Short | None, notice: str
) -> Draft:
    """An offline answer from its claims (a refusal when there are none)."""
    if not claims:
        yield REFUSAL
        return answerer.refusal(asked.focus, notice)
    checked = finalize(claims, asked.passages)
    yield checked.text
    return Answer(
        question=asked.focus,
        text=checked.text,
        citations=checked.citations,
        short=short_answer(short, asked.passages, checked.citations),
        answerer=answerer.label,
        unsupported=checked.unsupported,
        notice=notice,
    )


def short_answer(
    short: Short | None, passages: Sequence[Passage], citations: list[Citation]
) -> ShortAnswer | None:
    """The short answer with the number of the citation that holds it; that citation marks
    the answer's span inside its passage."""
    if short is None:
        return None
    p = passages[short.passage]
    for c in citations:
        if c.article_id == p.article_id and c.start == p.start:
            c.answer_start, c.answer_end = short.start, short.end
            return ShortAnswer(
                text=short.text, citation=c.number, confidence=round(short.confidence, 4)
            )
    return None


class ChatModel(Answerer):
    """A LangChain chat model, streamed; its citations checked; ``fallback`` answers when
    it fails."""

    def __init__(
        self, model: BaseChatModel, verifier: Verifier, label: str, fallback: Answerer
    ) -> None:
        self.model, self.verifier, self.label, self.fallback = model, verifier, label, fallback

    def stream(self, asked: Asked, notice: str = "") -> Draft:
        question, passages = asked.question, asked.passages
        if not passages:
            yield REFUSAL
            return self.refusal(question)
        pieces: list[str] = []
        held = True  # hold the first characters back until we know it is no refusal
        try:
            for piece in stream_reply(self.model, build_messages(question, passages)):
                pieces.append(piece)
                text = "".join(pieces)
                if held and (len(text) >= 16 or not "NOT_IN_ARTICLES".startswith(text.strip())):
                    held = False
                    if not is_refusal(text):
                        yield text
                elif not held and not is_refusal(text):
                    yield piece
        except LLMError as exc:
            return (yield from self._instead(asked, f"{exc}"))
        reply = "".join(pieces).strip()
        if not reply:
            return (yield from self._instead(asked, "the model returned an empty reply"))
        if is_refusal(reply):
            return self.refusal(question)
        bold, body = split_short(reply)
        claims = self.verifier.check(parse_claims(body, len(passages)), passages)
        short = short_in_passages(bold, claims, passages)
        if short is not None:
            claims[0].prefix = claims[0].prefix or " "  # the reply's first sentence follows it
            claims.insert(0, short_claim(short, passages))
        checked = finalize(claims, passages)
        return Answer(
            question=question,
            text=checked.text,
            citations=checked.citations,
            short=short_answer(short, passages, checked.citations),
            answerer=self.label,
            unsupported=checked.unsupported,
        )

    def _instead(self, asked: Asked, why: str) -> Draft:
        """The fallback's answer to the question as searched, saying why."""
        again = Asked(asked.question, asked.question, asked.passages)
        return (yield from self.fallback.stream(again, f"{why}. Answered offline instead."))


SHORT_FIRST = re.compile(r"^\s*\*\*(?P<short>[^*\n]{1,120}?)\*\*\s*(?:\[\d+\]\s*)*[.:]?\s*")


def split_short(reply: str) -> tuple[str, str]:
    """A model's reply as (its short answer, the rest): the prompt asks it to open with
    the short answer in bold (``**Vladivostok.** Kim will …``); ("", reply) when it doesn't."""
    match = SHORT_FIRST.match(reply)
    if not match or not reply[match.end() :].strip():
        return "", reply  # nothing after it: the bold answer is the whole reply
    short = match.group("short").strip().rstrip(".:").strip()
    return short, reply[match.end() :]


def short_in_passages(text: str, claims: list[Claim], passages: Sequence[Passage]) -> Short | None:
    """The model's short answer where a passage its claims cite says it (words as whole
    words, case aside); None when none does: a short answer no cited passage holds is not
    shown as one."""
    if not answer_key(text):
        return None
    for pi in dict.fromkeys(pi for claim in claims for pi in claim.cites):
        match = find_words(text, passages[pi].text)
        if match:
            return Short(match.group(0), pi, match.start(), match.end(), 1.0)
    return None


class Parts(Protocol):
    """What the answerers are made of (an ``Assistant`` has them, built on first use)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def offline(self) -> OfflineAnswerer: ...
    @property
    def reading(self) -> Reading: ...
    @property
    def verifier(self) -> Verifier: ...
    @property
    def model(self) -> BaseChatModel: ...


ANSWERERS: dict[str, Callable[[Any], Answerer]] = {
    "quotes": lambda parts: Quotes(parts.offline),
    "reader": lambda parts: Reader(parts.reading),
    "llm": lambda parts: ChatModel(
        parts.model,
        parts.verifier,
        parts.settings.answerer_label,
        ANSWERERS[parts.settings.offline_answerer](parts),  # its fallback
    ),
}


def answerer_for(parts: Parts) -> Answerer:
    """The answerer the settings choose (``Settings.answerer_name``)."""
    return ANSWERERS[parts.settings.answerer_name](parts)

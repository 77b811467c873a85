"""What an answer is made of: the answer text and its numbered citations."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """One numbered source of an answer: the cited passage and the sentence that supports it."""

    number: int = Field(description="the n of [n] in the answer text")
    article_id: str
    title: str
    date: str = ""
    source: str = ""
    url: str = ""
    passage: str = Field(description="the cited passage, as stored")
    start: int = Field(description="where the passage starts in the article text")
    end: int = Field(description="where the passage ends in the article text")
    quote: str = Field("", description="the passage sentence that supports the answer")
    quote_start: int = Field(-1, description="where the quote starts inside the passage")
    quote_end: int = Field(-1, description="where the quote ends inside the passage")
    score: float = Field(description="retrieval score of the passage (cosine similarity)")
    headline: bool = Field(False, description="the answer quotes this article's headline")
    answer_start: int = Field(-1, description="where the short answer starts inside the passage")
    answer_end: int = Field(-1, description="where the short answer ends inside the passage")
    also_at: list[dict[str, str]] = Field(
        default_factory=list,
        description="the same story published elsewhere (title, source, url, date; the first 20)",
    )
    also_at_more: int = Field(0, description="how many more outlets published it")


class ShortAnswer(BaseModel):
    """The answer in a few words, as the reader found it in one cited passage."""

    text: str = Field(description="the answer phrase, e.g. 'Vladivostok'")
    citation: int = Field(description="the n of the [n] whose passage holds it")
    confidence: float = Field(description="the reader's chance that this is the answer (0..1)")


class Answer(BaseModel):
    """An answer to one question, with its citations."""

    question: str
    standalone: str = Field(
        "", description="the question as searched: a follow-up rewritten to stand alone"
    )
    text: str
    citations: list[Citation] = Field(default_factory=list)
    short: ShortAnswer | None = Field(
        None, description="the answer in a few words (offline reader), when it is confident"
    )
    answerer: str = Field(description="'offline' or 'llm:<provider:model>'")
    refused: bool = Field(False, description="true when the articles do not answer the question")
    unsupported: list[str] = Field(
        default_factory=list, description="answer sentences no passage was found to support"
    )
    notice: str = Field("", description="something the user should know, e.g. a fallback")

    def sources(self) -> str:
        """The numbered source list, one line per citation."""
        lines = []
        for c in self.citations:
            meta = ", ".join(x for x in (c.source, c.date) if x)
            head = f"[{c.number}] {c.title}" + (f" ({meta})" if meta else "")
            lines.append(head + (f"\n    {c.url}" if c.url else ""))
            lines.append(f'    "{c.quote or c.passage}"')
        return "\n".join(lines)

    def __str__(self) -> str:
        parts = [self.text]
        if self.citations:
            parts += ["", "Sources:", self.sources()]
        if self.notice:
            parts += ["", f"Note: {self.notice}"]
        return "\n".join(parts)

"""What narrows a question's search (``Filters``: dates, sources, the reference day), given
by the caller or read from the question itself.

"last week", "this month", "yesterday", "in September 2023", "in 2022", "since June",
"according to CNN" … are read relative to a reference date (the question's date when
given, else today).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_RELATIVE = re.compile(
    r"\b(?P<what>today|yesterday|this week|last week|past week|this month|last month|"
    r"this year|last year|recently|lately|latest|this past week|past few days|"
    r"last (?P<n>\d{1,3}|few|couple of) days)\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(
    rf"\b(?:in|during|of|since)?\s*{_MONTH}\.?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE
)
_SINCE_MONTH = re.compile(rf"\bsince\s+{_MONTH}\b(?!\s+\d)", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|during|of)\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)
_SOURCE = re.compile(
    r"\b(?:according to|reported by|says?|said|reports?|reported)\s+(?:the\s+)?"
    r"(?P<name>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3})"
    r"|\b(?:on|in|from|by)\s+(?P<name2>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3})"
    r"(?:'s)?\s+(?:reports?|coverage|article|story)\b"
)


class QuestionError(ValueError):
    """The question, or what narrows it, cannot be asked as given."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What narrows a search: one type for Python, the CLI and the page, checked once.

    Dates may be given as ``date`` or ``YYYY-MM-DD`` text and ``sources`` as a list or as
    comma-separated text; anything malformed is a ``QuestionError`` saying what to type.
    """

    date_from: date | None = None  # articles published on or after this day
    date_to: date | None = None  # ... and on or before this one
    sources: tuple[str, ...] = ()  # only these sources (as stored: cnn.com, usatoday.com)
    reference_date: date | None = None  # "today" for "this week"-style questions
    recent: bool = False  # favour the time around the reference date (set by "this week")
    found: tuple[str, ...] = ()  # the phrases of the question that set these, for display
    story: str = ""  # only this story's articles (a story id: ``Assistant.stories``)

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to", "reference_date"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = _day(value, name) if value.strip() else None
            elif value is not None and not isinstance(value, date):
                raise QuestionError(f"{name} must be a date like 2023-09-11, not {value!r}")
            object.__setattr__(self, name, value)
        sources = self.sources.split(",") if isinstance(self.sources, str) else self.sources
        object.__setattr__(self, "sources", tuple(s.strip() for s in sources if s.strip()))
        object.__setattr__(self, "found", tuple(self.found))
        if not isinstance(self.story, str) or len(self.story) > 64:
            raise QuestionError("story must be a story id (see `article-qa stories`)")
        object.__setattr__(self, "story", self.story.strip())
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QuestionError(
                f"the dates are the wrong way round: from {self.date_from} until "
                f"{self.date_to}; swap them"
            )

    @classmethod
    def from_text(
        cls,
        date_from: str | None = "",
        date_to: str | None = "",
        sources: str | None = "",
        reference_date: str | None = "",
        story: str | None = "",
    ) -> Filters:
        """Filters as typed into a form: ``YYYY-MM-DD`` dates (empty or None: none), sources
        separated by commas (read as any text field is, in ``__post_init__``)."""
        return cls.of(
            None,
            date_from=date_from or "",
            date_to=date_to or "",
            sources=sources or "",
            reference_date=reference_date or "",
            story=story or "",
        )

    @classmethod
    def of(cls, filters: Filters | None = None, **given: Any) -> Filters:
        """``filters`` with the fields in ``given`` replaced (keyword arguments of ``ask``)."""
        unknown = sorted(set(given) - set(FILTER_FIELDS))
        if unknown:
            raise QuestionError(
                f"unknown filter {', '.join(unknown)}; use {', '.join(FILTER_FIELDS)}"
            )
        return replace(filters or cls(), **given)

    def describe(self) -> str:
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} to {self.date_to or '…'}")
        if self.sources:
            parts.append("from " + ", ".join(self.sources))
        if self.story:
            parts.append(f"story {self.story}")
        return "; ".join(parts)


FILTER_FIELDS = tuple(f.name for f in fields(Filters) if f.name != "found")


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` date typed by a user; ValueError naming the expected form."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a date like 2023-09-11") from None


def _day(value: str, name: str) -> date:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise QuestionError(f"{name}: {exc}") from None


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_filters(
    question: str, reference: date | None = None, known_sources: list[str] | None = None
) -> Filters:
    """Dates and sources named in ``question``, relative to ``reference`` (default today)."""
    ref = reference or date.today()
    out = _Found()
    if m := _RELATIVE.search(question):
        what = m.group("what").lower()
        out.found.append(m.group(0))
        out.recent = True
        if what == "today":
            out.date_from, out.date_to = ref - timedelta(days=1), ref
        elif what == "yesterday":
            out.date_from, out.date_to = ref - timedelta(days=2), ref
        elif what in {"this week", "past week", "this past week", "last week"}:
            back = 14 if what == "last week" else 8
            out.date_from, out.date_to = ref - timedelta(days=back), ref
        elif what == "this month":
            out.date_from, out.date_to = ref.replace(day=1) - timedelta(days=3), ref
        elif what == "last month":
            first = ref.replace(day=1)
            prev = first - timedelta(days=1)
            out.date_from, out.date_to = prev.replace(day=1), ref
        elif what == "this year":
            out.date_from, out.date_to = date(ref.year, 1, 1), ref
        elif what == "last year":
            out.date_from, out.date_to = date(ref.year - 1, 1, 1), date(ref.year - 1, 12, 31)
        elif what.startswith("last ") and what.endswith(" days"):
            n = m.group("n")
            days = int(n) if n and n.isdigit() else 4
            out.date_from, out.date_to = ref - timedelta(days=days + 1), ref
        else:  # recently, lately, latest: a boost for recent articles, no hard limit
            out.date_to = ref
    elif m := _MONTH_YEAR.search(question):
        month, year = _MONTHS[m.group(1).lower()[:3]], int(m.group("year"))
        start, end = _month_range(year, month)
        if m.group(0).lower().lstrip().startswith("since"):
            end = ref
        out.date_from, out.date_to = start, end
        out.found.append(m.group(0).strip())
    elif m := _SINCE_MONTH.search(question):
        month = _MONTHS[m.group(1).lower()[:3]]
        year = ref.year if month <= ref.month else ref.year - 1
        out.date_from, out.date_to = date(year, month, 1), ref
        out.found.append(m.group(0))
    elif m := _YEAR.search(question):
        year = int(m.group("year"))
        out.date_from, out.date_to = date(year, 1, 1), date(year, 12, 31)
        out.found.append(m.group(0))
    sources = match_sources(question, known_sources) if known_sources else []
    return Filters(
        out.date_from, out.date_to, tuple(sources), reference, out.recent, tuple(out.found)
    )


class _Found:
    """What ``parse_filters`` has read so far."""

    def __init__(self) -> None:
        self.date_from: date | None = None
        self.date_to: date | None = None
        self.recent = False
        self.found: list[str] = []


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def match_sources(question: str, known_sources: list[str]) -> list[str]:
    """The stored sources a question names ("according to CNN" → ``cnn.com``)."""
    names = [m.group("name") or m.group("name2") for m in _SOURCE.finditer(question)]
    # also a bare mention of a known outlet ("CNN", "USA Today")
    words = re.findall(r"[A-Za-z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*)*", question)
    candidates = [_squash(n) for n in names + words if n]
    out = []
    for source in known_sources:
        key = _squash(source.split(".")[0] if "." in source else source)
        if len(key) >= 2 and any(
            c == key or c == _squash(source) or (len(key) >= 4 and key in c) for c in candidates
        ):
            out.append(source)
    return out

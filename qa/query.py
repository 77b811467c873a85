"""What a question says about *when* and *where from*: dates and sources become filters.

"last week", "this month", "yesterday", "in September 2023", "in 2022", "since June",
"according to CNN" … are read relative to a reference date (the question's date when
given, else today).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

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


@dataclass(slots=True)
class QueryFilters:
    """Restrictions and boosts read from a question (or given by the caller)."""

    date_from: date | None = None
    date_to: date | None = None
    sources: list[str] = field(default_factory=list)
    recent: bool = False  # the question asks about the time around the reference date
    found: list[str] = field(default_factory=list)  # the phrases that set them, for display

    def describe(self) -> str:
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} to {self.date_to or '…'}")
        if self.sources:
            parts.append("from " + ", ".join(self.sources))
        return "; ".join(parts)


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` date typed by a user; ValueError naming the expected form."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a date like 2023-09-11") from None


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_filters(
    question: str, reference: date | None = None, known_sources: list[str] | None = None
) -> QueryFilters:
    """Dates and sources named in ``question``, relative to ``reference`` (default today)."""
    ref = reference or date.today()
    out = QueryFilters()
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
    if known_sources:
        out.sources = match_sources(question, known_sources)
    return out


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

"""Questions to ask next, from what an answer's passages say: two or three follow-ups a
reader of the answer would likely want, each naming what it asks about so that it stands
alone (and reads well as a follow-up too).

From the cited passages, not from a model: the other side of an exchange the question
asked about ("What does Kim want from Russia?" → "And what does Putin get in return?"),
people the passages quote ("What did Andrei Lankov say?"), and the other people, places
and organisations they name most.
"""

from __future__ import annotations

import re
from collections import Counter

from .followup import names
from .results import Answer

LIMIT = 3
_EXCHANGE = re.compile(r"\b(?:want|seek|get|ask|need)s?\b.*\bfrom\b", re.I)
_SAYS = r"(?:said|says|told|warned|added|wrote|argued)"
_ROLE = r"(?:president|minister|leader|professor|analyst|expert|spokes\w+|secretary|official)"


def _words(*lines: str) -> frozenset[str]:
    return frozenset(w for line in lines for w in line.split())


_TITLES = _words(
    "President Prime Minister Leader Chairman Comrade Mr Mrs Ms Dr Professor Secretary",
    "Senator General Governor Mayor Chancellor King Queen Prince Pope Judge",
)
_ORGS = _words(  # a name ending so is no person
    "Agency House Times Post News Ministry Forum Council Party Committee University",
    "Bank Office Department Army Navy Force Government Group Company Institute",
)
_NOT_NAMES = _words(  # capitalised at the start of a sentence, or not names at all
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March",
    "April May June July August September October November December",
    "He She It They We I You His Her Their Its This That These Those There Here But And",
    "If When While After Before Since As At By For From In Of On To With Yet The A An",
)


def follow_ups(answer: Answer, limit: int = LIMIT) -> list[str]:
    """Up to ``limit`` questions to ask next (none for a refused or uncited answer)."""
    if answer.refused or not answer.citations:
        return []
    asked = answer.standalone or answer.question
    asked_words = {w.lower() for n in names(asked) for w in n.split()}
    text = "\n".join(c.passage for c in answer.citations)
    counts = _names(text, asked_words)
    people = [n for n in counts if n.split()[-1] not in _ORGS and _person(n, text)]
    speakers = [n for n in people if _quoted(n, text)]
    found: list[str] = []
    if _EXCHANGE.search(asked) and people:
        # the other party: a leader ("President …") before anyone quoted about it
        other = max(people, key=lambda n: (_titled(n, text), counts[n]))
        found.append(f"And what does {other.split()[-1]} get in return?")
    found += [f"What did {n} say?" for n in sorted(speakers, key=lambda n: -counts[n])]
    found += [
        f"Who is {n}?"
        for n in sorted(people, key=lambda n: -counts[n])
        if " " in n and n not in speakers
    ]
    rest = [n for n in counts if n not in people and counts[n] >= 2]
    found += [f"What is the latest on {n}?" for n in sorted(rest, key=lambda n: -counts[n])]
    return list(dict.fromkeys(found))[:limit]


def _names(text: str, asked_words: set[str]) -> Counter[str]:
    """The names in ``text`` (titles taken off; "Putin" counted as "Vladimir Putin" when
    both occur) that the question did not name, with how often each occurs."""
    counts: Counter[str] = Counter()
    for found in names(text):
        words = found.split()
        ends = [i for i, w in enumerate(words[:-1]) if w.endswith(".") and len(w) > 3]
        words = words[ends[-1] + 1 :] if ends else words  # "Wednesday. White House"
        titled = [i for i, w in enumerate(words) if w in _TITLES]
        words = words[titled[-1] + 1 :] if titled else words  # "US President Joe Biden"
        if not words or words[0] in _NOT_NAMES or any(w.lower() in asked_words for w in words):
            continue
        counts[" ".join(words)] += len(re.findall(rf"\b{re.escape(' '.join(words))}\b", text))
    for short in list(counts):
        longer = [n for n in counts if n != short and n.endswith(" " + short)]
        if longer:
            counts[max(longer, key=len)] += counts.pop(short)
    return counts


def _titled(name: str, text: str) -> bool:
    """Whether a title stands before ``name`` in the passages ("President Vladimir Putin")."""
    titles = "|".join(_TITLES)
    return bool(re.search(rf"\b(?:{titles})\.?\s+(?:\w+\s+)?{re.escape(name.split()[-1])}\b", text))


def _person(name: str, text: str) -> bool:
    """Whether the passages treat ``name`` as a person: a title before it ("President
    Putin"), a role beside it ("Andrei Lankov, a professor"), or its surname alone."""
    full = re.escape(name)
    return bool(
        _titled(name, text)
        or re.search(rf"\b{full},\s+(?:a|an|the)\s+(?:\w+\s+){{0,3}}{_ROLE}", text, re.I)
        or re.search(rf"\b{_ROLE}\s+{full}\b", text, re.I)
    )


def _quoted(name: str, text: str) -> bool:
    """Whether the passages quote ``name`` ("…, Lankov said", "said Andrei Lankov")."""
    full, last = re.escape(name), re.escape(name.split()[-1])
    return bool(
        re.search(rf"\b{full}\b[^.\n]{{0,60}}?\b{_SAYS}\b", text)
        or re.search(rf"\b{_SAYS}\s+(?:\w+\s+){{0,3}}{full}\b", text)
        or re.search(rf"\b{last}\s+{_SAYS}\b", text)
    )

"""Follow-up questions: "And what does Putin want?" becomes a question that stands alone.

With a chat model configured, the model rewrites it (``prompts/condense_*.md``). Without
one, a rule-based rewrite: an elliptical question ("And Putin?", "What about Putin?")
takes the previous question with its subject replaced; the other side of an exchange ("And
what does Putin get in return?") takes it with its two parties swapped; a pronoun ("he",
"they", "it") is replaced by the previous question's subject; any other follow-up keeps the names of
the previous question as context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|of|the|de|al)(?=\s+[A-Z]|\b))*")
_QUESTION_WORDS = {
    "What",
    "Who",
    "Whom",
    "Whose",
    "When",
    "Where",
    "Why",
    "How",
    "Which",
    "Is",
    "Are",
    "Was",
    "Were",
    "Do",
    "Does",
    "Did",
    "Can",
    "Could",
    "Will",
    "Would",
    "Should",
    "And",
    "Also",
    "So",
    "But",
    "Then",
    "The",
    "A",
    "An",
    "In",
    "On",
    "About",
    "Has",
    "Have",
    "I",
}
_LEAD = re.compile(r"^\s*(?:and|also|so|but|then|ok(?:ay)?,?)\s+", re.IGNORECASE)
_ELLIPTICAL = re.compile(
    r"^\s*(?:(?:and|what|how)\s+about|and|what\s+of)\s+(?P<what>[^?]+?)\s*\??\s*$",
    re.IGNORECASE,
)
_IN_RETURN = re.compile(r"\bin\s+(?:return|exchange)\b", re.IGNORECASE)
_PERSON = re.compile(r"\b(he|she|they|him|her|them)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his|their|its)\b", re.IGNORECASE)
_VERBISH = re.compile(
    r"\b(is|are|was|were|do|does|did|has|have|had|will|would|can|could|say|said|want|"
    r"wants|get|got|go|goes|went|think|seek|seeks)\b",
    re.IGNORECASE,
)


def names(text: str) -> list[str]:
    """Capitalised names in ``text`` ("Kim Jong Un", "Russia"), question words left out."""
    found = []
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and words[0] in _QUESTION_WORDS:
            words.pop(0)
        if words:
            found.append(" ".join(words))
    return list(dict.fromkeys(found))


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on an earlier one?"""
    q = question.strip()
    if _LEAD.match(q) or _ELLIPTICAL.match(q):
        return True
    if _PERSON.search(q) or _POSSESSIVE.search(q):
        return not names(q)
    return len(q.split()) <= 3 and not names(q)


def rewrite(question: str, previous: Sequence[str]) -> str:
    """A standalone version of ``question`` given the earlier questions (latest last)."""
    q = question.strip()
    if not previous or not is_follow_up(q):
        return q
    last = previous[-1].strip()
    last_names = names(last)
    subject = last_names[0] if last_names else ""
    if (m := _ELLIPTICAL.match(q)) and not _VERBISH.search(m.group("what")) and subject:
        new = m.group("what").strip()
        return re.sub(re.escape(subject), new, last, count=1)
    body = _LEAD.sub("", q)
    body = body[:1].upper() + body[1:]
    new_names = names(body)
    if _IN_RETURN.search(body) and len(last_names) >= 2 and new_names:
        party = new_names[0]
        if party.lower() not in {subject.lower(), last_names[1].lower()}:
            # the other side of the exchange: the earlier question with its parties swapped
            sides = {subject: party, last_names[1]: subject}
            pattern = r"\b(" + "|".join(re.escape(n) for n in sides) + r")\b"
            return re.sub(pattern, lambda m: sides[m.group(1)], last)
    if subject and _PERSON.search(body) and not names(body):
        return _PERSON.sub(subject, body, count=1)
    if subject and _POSSESSIVE.search(body) and not names(body):
        return _POSSESSIVE.sub(f"{subject}'s", body, count=1)
    context = [n for n in last_names if n.lower() not in body.lower()]
    if not context:
        return body
    return f"{body.rstrip('?').rstrip()} ({', '.join(context)})?"


def focus(standalone: str) -> str:
    """What a rewritten question asks, without the context names added for the search:
    "What does Putin want (Kim, Russia)?" → "What does Putin want?"."""
    return re.sub(r"\s*\([^()]*\)\?$", "?", standalone)

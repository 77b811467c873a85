"""Text cleaning: photo credits glued into paragraphs, stray markup, whitespace."""

from __future__ import annotations

import re
import unicodedata

# A photo credit such as "© REUTERS", "© Yuri KADOBNOV / AFP", "© AP Photo/Ahn Young-joon"
# or "© Getty Images": the © sign, up to three name words, and an agency written in
# capitals (optionally after a slash), or a well-known "... Images" / "... Photo" agency.
_NAME = r"[A-Z][\w'’.-]*"
_AGENCY = r"(?:[A-Z][A-Z0-9&'’.-]+|[A-Z][\w'’.-]*\s+(?:Images|Photos?|Pictures))"
_CREDIT = re.compile(
    rf"\s*©\s*(?:{_NAME}\s+){{0,3}}?"
    rf"(?:{_NAME}(?:\s+{_NAME})?\s*/\s*)?{_AGENCY}(?:\s*/\s*{_AGENCY})?"
    rf"(?:\s+Photo(?:\s*/\s*{_NAME}(?:\s+{_NAME})?)?)?"
)
# Credits written out in words: "(Photo by Jane Doe/Getty Images)", "Photo: John Smith/AP".
_PHOTO_BY = re.compile(
    r"\s*\(?(?:Photo|Image|Picture)s?\s*(?:by|:|credit:?)\s*"
    r"[^()\n.]{1,80}?/\s*[\w .-]{1,40}\)?(?=\s|$)",
    re.IGNORECASE,
)
# C0 and C1 controls (tabs and newlines aside), zero-width characters and the bidi
# overrides/isolates that can make text read other than it is stored
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\ufeff\u202a-\u202e\u2066-\u2069]"
)
TITLE_CHARS = 300  # longest title kept (a longer one is cut at a word, with "…")
SOURCE_CHARS = 120  # longest source name kept
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANKS = re.compile(r"\n\s*\n+")


def strip_credits(paragraph: str) -> str:
    """Remove photo credits; what stood before a credit (a caption) becomes its own line."""
    paragraph = _CREDIT.sub("\n", paragraph)
    paragraph = _PHOTO_BY.sub(" ", paragraph)
    return paragraph


def normalize_whitespace(text: str) -> str:
    """Fold runs of spaces, trim lines, keep at most one blank line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANKS.sub("\n\n", text).strip()


def clean_text(text: str) -> str:
    """Clean an article body: Unicode NFC, no control characters, no photo credits."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    paragraphs = normalize_whitespace(text).split("\n\n")
    cleaned = []
    for paragraph in paragraphs:
        lines = [line.strip() for line in strip_credits(paragraph).split("\n")]
        cleaned.append("\n".join(line for line in lines if line))
    return normalize_whitespace("\n\n".join(p for p in cleaned if p))


def clean_field(value: str, limit: int) -> str:
    """One line of metadata (a title, a source) as inert data: NFC, no control, invisible
    or bidi-override characters, single spaces, at most ``limit`` characters."""
    value = "".join(
        ch
        for ch in unicodedata.normalize("NFC", value)
        if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\n"
    )
    value = " ".join(value.split())
    if len(value) > limit:
        value = value[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
    return value


def clean_title(title: str) -> str:
    """A one-line title without credits, control characters or extra spaces, capped."""
    return clean_field(strip_credits(unicodedata.normalize("NFC", title)), TITLE_CHARS)

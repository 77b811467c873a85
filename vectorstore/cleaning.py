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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\ufeff]")
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


def clean_title(title: str) -> str:
    """A one-line title without credits or extra spaces."""
    return " ".join(strip_credits(unicodedata.normalize("NFC", title)).split())

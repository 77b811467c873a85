"""Sentence boundaries with character spans (BlingFire, a fast finite-state segmenter)."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+")
_MAX_MERGED = 600  # characters: an unclosed quote must not swallow a whole paragraph


def _quotes_open(sentence: str) -> bool:
    """True when a sentence opens a quotation it does not close (the splitter cut inside it)."""
    straight = sentence.count('"') % 2 == 1
    curly = sentence.count("“") > sentence.count("”")
    return straight or curly


def _segment_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    import blingfire

    line = text[start:end]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in blingfire.text_to_sentences(line).split("\n"):
        words = sentence.split()
        if not words:
            continue
        first = line.find(words[0], cursor)
        if first < 0:  # the segmenter changed the text: keep the rest of the line whole
            break
        pos = first
        for word in words:
            found = line.find(word, pos)
            if found < 0:
                break
            pos = found + len(word)
        spans.append((first, pos))
        cursor = pos
    if cursor < len(line) and line[cursor:].strip():
        rest = len(line) - len(line[cursor:].lstrip())
        spans.append((rest, len(line.rstrip())))
    # Re-join pieces cut inside a quotation ("... of ... Putin," the agency said).
    merged: list[tuple[int, int]] = []
    for span in spans:
        if (
            merged
            and span[1] - merged[-1][0] <= _MAX_MERGED
            and _quotes_open(line[merged[-1][0] : merged[-1][1]])
        ):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return [(start + s, start + e) for s, e in merged]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence in ``text``; a line break always ends a sentence."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        if line.group().strip():
            spans.extend(_segment_line(text, line.start(), line.end()))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[s:e] for s, e in sentence_spans(text)]


CLAUSE_MIN_PIECE = 5
CLAUSE_MIN_WORDS = 12  # sentences longer than this also divide into clauses
# Where a long sentence divides into clauses that can stand alone: contrast and cause
# conjunctions, semicolons, dashes, and the "that" after a reporting verb ("told AFP that").
_CLAUSE = re.compile(
    r",?\s+(?:while|whereas|but|although|because|since)\s+|;\s+|\s+[-–—]\s+|\s+that\s+"
)
# Finer still: also at commas and "as well as" (phrases that need the sentence's subject).
_PHRASE = re.compile(_CLAUSE.pattern + r"|,\s+(?:as well as\s+|and\s+)?")


def clause_spans(
    text: str, start: int, end: int, fine: bool = False, min_words: int = CLAUSE_MIN_PIECE
) -> list[tuple[int, int]]:
    """The clauses of the long sentence ``text[start:end]`` (none for a short one).

    ``fine`` also cuts at commas, giving phrases rather than clauses.
    """
    sentence = text[start:end]
    if len(sentence.split()) <= CLAUSE_MIN_WORDS:
        return []
    spans, cursor = [], 0
    for match in (_PHRASE if fine else _CLAUSE).finditer(sentence):
        spans.append((cursor, match.start()))
        cursor = match.end()
    if not spans:
        return []
    spans.append((cursor, len(sentence)))
    return [(start + s, start + e) for s, e in spans if len(sentence[s:e].split()) >= min_words]

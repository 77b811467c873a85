"""Words as search terms: lower-cased, stop words removed, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_POSSESSIVE = ("'s", "’s")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # a PyStemmer Stemmer (the package has no types)
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, possessive ’s dropped."""
    return [_possessive(w.lower()) for w in _WORD.findall(text)]


def _possessive(word: str) -> str:
    """``word`` without a final ’s (plain string operations: a regular expression a word
    was most of the time of indexing a million chunks)."""
    return word[:-2] if word[-2:] in _POSSESSIVE else word


def is_stopword(word: str) -> bool:
    """True for function words such as "the", "what", "did"."""
    return word in _stopwords()


def terms(text: str) -> list[str]:
    """Stemmed content words of ``text``, in order (repeats kept)."""
    content = [w for w in words(text) if w not in _stopwords()]
    return _stemmer().stemWords(content) if content else []

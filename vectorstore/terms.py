"""Words as search terms: lower-cased, stop words removed, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


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
    return [re.sub(r"['’]s$", "", w.lower()) for w in _WORD.findall(text)]


def is_stopword(word: str) -> bool:
    """True for function words such as "the", "what", "did"."""
    return word in _stopwords()


def terms(text: str) -> list[str]:
    """Stemmed content words of ``text``, in order (repeats kept)."""
    content = [w for w in words(text) if w not in _stopwords()]
    return _stemmer().stemWords(content) if content else []

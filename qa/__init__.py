"""article-qa: cited answers to questions about news articles.

>>> from qa import answer
>>> print(answer("What does Kim want from Russia?"))
"""

from vectorstore import (
    SUPPORTED_SUFFIXES,
    ArticleInfo,
    Feed,
    IngestReport,
    InputError,
    ReadOnlyError,
    StoreError,
    SyncReport,
    http_url,
)

from .assistant import Assistant, EmptyStoreError, answer, stream
from .query import Filters, QuestionError
from .reader import ReaderError
from .results import Answer, Citation, ShortAnswer
from .settings import Settings

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Answer",
    "ArticleInfo",
    "Assistant",
    "Citation",
    "EmptyStoreError",
    "Feed",
    "Filters",
    "IngestReport",
    "InputError",
    "QuestionError",
    "ReadOnlyError",
    "ReaderError",
    "Settings",
    "ShortAnswer",
    "StoreError",
    "SyncReport",
    "answer",
    "http_url",
    "stream",
]

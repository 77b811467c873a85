"""article-qa: cited answers to questions about news articles.

>>> from qa import answer
>>> print(answer("What does Kim want from Russia?"))
"""

from models import ModelError, ReaderError
from sources import SUPPORTED_SUFFIXES, Feed, FeedListError, InputError, http_url
from vectorstore import ArticleInfo, IngestReport, ReadOnlyError, StoreError, SyncReport

from .assistant import Assistant, EmptyStoreError, answer, stream
from .llm import LLMError
from .query import Filters, QuestionError, parse_day
from .results import Answer, Citation, ShortAnswer
from .settings import Settings
from .stories import Story
from .suggestions import follow_ups

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Answer",
    "ArticleInfo",
    "Assistant",
    "Citation",
    "EmptyStoreError",
    "Feed",
    "FeedListError",
    "Filters",
    "IngestReport",
    "InputError",
    "LLMError",
    "ModelError",
    "QuestionError",
    "ReadOnlyError",
    "ReaderError",
    "Settings",
    "ShortAnswer",
    "StoreError",
    "Story",
    "SyncReport",
    "answer",
    "follow_ups",
    "http_url",
    "parse_day",
    "stream",
]

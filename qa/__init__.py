"""article-qa: cited answers to questions about news articles.

>>> from qa import answer
>>> print(answer("What does Kim want from Russia?"))
"""

from .assistant import Assistant, EmptyStoreError, QuestionError, answer, stream
from .reader import ReaderError
from .results import Answer, Citation, ShortAnswer
from .settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "EmptyStoreError",
    "QuestionError",
    "ReaderError",
    "Settings",
    "ShortAnswer",
    "answer",
    "stream",
]

"""article-qa: cited answers to questions about news articles.

>>> from qa import answer
>>> print(answer("What does Kim want from Russia?"))
"""

from .assistant import Assistant, EmptyStoreError, QuestionError, answer, stream
from .results import Answer, Citation
from .settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "EmptyStoreError",
    "QuestionError",
    "Settings",
    "answer",
    "stream",
]

"""Retrieval: a question becomes the ranked passages that may answer it."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from vectorstore.documents import Passage
from vectorstore.store import ArticleStore


def retrieve(
    store: ArticleStore, question: str, k: int = 6, min_score: float = 0.25
) -> list[Passage]:
    """The ``k`` best passages for ``question``, best first, without those below ``min_score``."""
    return [p for p in store.search(question, k) if p.score >= min_score]


class ArticleRetriever(BaseRetriever):
    """The same retrieval as a LangChain retriever, for use in LCEL chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ArticleStore
    k: int = 6
    min_score: float = 0.25

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return [
            Document(
                page_content=p.text,
                id=p.id,
                metadata={
                    "article_id": p.article_id,
                    "title": p.title,
                    "date": p.date,
                    "source": p.source,
                    "url": p.url,
                    "start": p.start,
                    "end": p.end,
                    "score": p.score,
                },
            )
            for p in retrieve(self.store, query, self.k, self.min_score)
        ]

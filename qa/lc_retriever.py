"""The retrieval as a LangChain retriever, for use in LCEL chains (imported on demand:
LangChain's retriever machinery costs half a second to import, and answering needs none)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .retrieval import Mode, Retriever, Search
from .settings import Settings


class ArticleRetriever(BaseRetriever):
    """The same retrieval as a LangChain retriever, for use in LCEL chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = Settings.model_fields["top_k"].default
    min_score: float = Settings.model_fields["min_score"].default
    mode: Mode = "hybrid"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        found = self.retriever.search(Search(query, self.k, self.mode), self.min_score)
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
            for p in found
        ]

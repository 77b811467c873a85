"""The article store: chunking articles and keeping them, embedded, in Chroma, and the one ingest
pipeline that writes what ``sources`` read.

What other packages may use is exported here; the modules behind it are internals.
Importing it sets the offline environment (``models.environment``) first.
"""

import models  # noqa: F401 (first: importing it sets the offline environment)

from .chunk_index import ChunkIndex, where_clause
from .chunking import CHUNK_TOKENS, OVERLAP_TOKENS
from .documents import ArticleInfo, Passage, indexed_text
from .errors import ReadOnlyError, StoreError
from .ingest import ingest, remove_promoting_copy
from .ingest import sync as sync_feeds
from .keyword_index import Scope
from .reindex import reindex
from .reports import FeedResult, IngestReport, SyncReport
from .sentences import clause_spans, sentence_spans
from .store import ArticleStore
from .terms import terms

__all__ = [
    "CHUNK_TOKENS",
    "OVERLAP_TOKENS",
    "ArticleInfo",
    "ArticleStore",
    "ChunkIndex",
    "FeedResult",
    "IngestReport",
    "Passage",
    "ReadOnlyError",
    "Scope",
    "StoreError",
    "SyncReport",
    "clause_spans",
    "indexed_text",
    "ingest",
    "reindex",
    "remove_promoting_copy",
    "sentence_spans",
    "sync_feeds",
    "terms",
    "where_clause",
]

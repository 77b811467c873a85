"""The models article-qa runs, in one place: the sentence embedder and the reader, how
they are loaded (torch or an int8 ONNX build made once per machine), and the hash checks
of their weights. Nothing here knows of the store or of answers.

What other packages may use is exported here; the modules behind it are internals.
Importing it sets the offline environment (``environment``) before anything loads a model.
"""

from .environment import OFFLINE_ENVIRONMENT, offline_environment

offline_environment()

# ruff: noqa: E402 (the environment is set first)
from .embeddings import (
    MAX_WORDPIECES,
    Embedder,
    EmbeddingModel,
    SentenceEmbeddings,
    embed_many,
    load_embeddings,
    packaged_model_path,
    wordpiece_fits,
)
from .encoders import BACKENDS, DEFAULT_BACKEND, Backend
from .errors import ModelError, ReaderError
from .reader import Reader, Reading
from .weights import MANIFEST, WEIGHTS, check_weights, file_sha256

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "MANIFEST",
    "MAX_WORDPIECES",
    "OFFLINE_ENVIRONMENT",
    "WEIGHTS",
    "Backend",
    "Embedder",
    "EmbeddingModel",
    "ModelError",
    "Reader",
    "ReaderError",
    "Reading",
    "SentenceEmbeddings",
    "check_weights",
    "embed_many",
    "file_sha256",
    "load_embeddings",
    "offline_environment",
    "packaged_model_path",
    "wordpiece_fits",
]

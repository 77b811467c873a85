"""One typed settings object: defaults in code, overridden by ``ARTICLE_QA_*`` variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models import DEFAULT_BACKEND, Backend
from sources import FETCH_DEADLINE_S, HOST_DELAY_S, MB
from vectorstore import CHUNK_TOKENS, OVERLAP_TOKENS


def default_store_dir() -> Path:
    """Per-user data folder: ``$XDG_DATA_HOME/article-qa/store`` (``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "article-qa" / "store"


class Settings(BaseSettings):
    """Everything a user can configure. ``ARTICLE_QA_TOP_K=8`` sets ``top_k``, and so on."""

    model_config = SettingsConfigDict(
        env_prefix="ARTICLE_QA_", env_file=".env", extra="ignore", validate_assignment=True
    )

    # -- the store ---------------------------------------------------------------------
    store_dir: Path = Field(default_factory=default_store_dir, description="Chroma folder")
    chroma_url: str | None = Field(None, description="Chroma server, e.g. http://localhost:8000")
    collection: str = Field("articles", min_length=3, max_length=63)
    embedding_model: str = Field("", description="sentence-transformers folder; '' = packaged")
    backend: Backend = Field(
        DEFAULT_BACKEND,
        description="how the models run: onnx (int8, ONNX Runtime, no torch) or torch (fp32)",
    )

    # -- chunking ----------------------------------------------------------------------
    chunk_tokens: int = Field(CHUNK_TOKENS, ge=32, le=230, description="tiktoken tokens per chunk")
    chunk_overlap: int = Field(
        OVERLAP_TOKENS, ge=0, le=120, description="tokens shared by neighbours"
    )
    ingest_batch: int = Field(256, ge=1, le=5000, description="chunks embedded and written at once")

    # -- retrieval ---------------------------------------------------------------------
    top_k: int = Field(6, ge=1, le=50, description="passages retrieved per question")
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = Field(
        "hybrid", description="dense (embeddings), bm25 (keywords) or hybrid (both, fused)"
    )
    news_filters: bool = Field(
        True, description="read dates and sources from questions; favour recent articles"
    )
    rerank: bool = Field(
        False,
        description="reorder retrieved passages by the trained reader (models/reader.py); off: "
        "on RealTime QA it ranked worse than the hybrid fusion alone",
    )
    rerank_pool: int = Field(
        16, ge=1, le=100, description="passages retrieved for the reader to rerank down to top_k"
    )
    min_score: float = Field(
        0.25, ge=-1.0, le=1.0, description="relevance floor: passages below it are no evidence"
    )

    # -- answering ---------------------------------------------------------------------
    answerer: Literal["quotes", "reader", "llm"] | None = Field(
        None,
        description="who answers: quotes (the best sentences, cited), reader (the trained "
        "reader's short answer and its sentence) or llm (ARTICLE_QA_LLM); unset: llm when "
        "ARTICLE_QA_LLM is set, else quotes (reader with ARTICLE_QA_OFFLINE_READER)",
    )
    offline_reader: bool = Field(
        False,
        description="offline answers by the trained reader (short answer + quote); off: the "
        "quote bundles, which held the answer more often on RealTime QA (see README)",
    )
    reader_dir: Path | None = Field(
        None, description="folder of a trained reader (training/train_reader.py); None = shipped"
    )
    max_sentences: int = Field(
        5, ge=1, le=10, description="most quotes (sentences, headlines) in an offline answer"
    )
    min_support: float | None = Field(
        None,
        ge=0.0,
        le=3.0,
        description="quote bundles: least sentence support that counts as an answer "
        "(None: the floor fitted with qa/ranker.json)",
    )
    llm: str | None = Field(
        None, description="LangChain chat model, 'provider:model' (openai:gpt-4o-mini, ...)"
    )
    llm_base_url: str | None = Field(None, description="OpenAI-compatible server URL")
    llm_api_key: SecretStr | None = None
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_timeout: float = Field(60.0, gt=0)

    # -- writes from outside (the page's own settings are web.settings.PageSettings) -----
    upload_dir: Path | None = Field(
        None, description="where page uploads go; default: beside store"
    )
    max_upload_mb: int = Field(20, ge=1, le=1024, description="largest file the page accepts")
    fetch_allow_private: bool = Field(
        False,
        description="fetch pages and feeds from private, loopback and link-local addresses too "
        "(your own intranet); off: only public addresses",
    )
    fetch_delay: float = Field(
        HOST_DELAY_S, ge=0.0, le=60.0, description="seconds between two requests to one host"
    )
    fetch_deadline: float = Field(
        FETCH_DEADLINE_S,
        gt=0.0,
        le=3600.0,
        description="the most seconds one page or feed may take to arrive, redirects included",
    )
    read_only: bool = Field(
        False,
        description="a public demo: questions only; no uploads, web adds or feed changes "
        "(the page hides them and its endpoints refuse them)",
    )

    @field_validator(
        "llm",
        "answerer",
        "chroma_url",
        "llm_base_url",
        "reader_dir",
        "upload_dir",
        "min_support",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError("chunk_overlap must be smaller than chunk_tokens")
        if self.answerer == "llm" and not self.llm:
            raise ValueError(
                "ARTICLE_QA_ANSWERER=llm needs a model: set ARTICLE_QA_LLM too "
                "(e.g. openai:gpt-4o-mini)"
            )
        if self.llm_base_url and not self.llm:
            raise ValueError(
                "ARTICLE_QA_LLM_BASE_URL is set but ARTICLE_QA_LLM is not: "
                "name the model too, e.g. ARTICLE_QA_LLM=openai:my-model"
            )
        return self

    @property
    def upload_bytes(self) -> int:
        """``max_upload_mb`` in bytes (a megabyte here is 1024² bytes, as on the page)."""
        return self.max_upload_mb * MB

    def uploads(self) -> Path:
        """The upload folder: ``upload_dir``, else ``uploads/`` beside the store folder."""
        return self.upload_dir or self.store_dir.parent / "uploads"

    @property
    def offline_answerer(self) -> str:
        """The answerer without a model: ``reader`` or ``quotes`` (the LLM's fallback too)."""
        return "reader" if self.answerer == "reader" or self.offline_reader else "quotes"

    @property
    def answerer_name(self) -> str:
        """The answerer in ``qa.answerers.ANSWERERS`` that answers."""
        if self.answerer:
            return self.answerer
        return "llm" if self.llm else self.offline_answerer

    @property
    def answerer_label(self) -> str:
        """What answers say answered them: ``offline`` or ``llm:<model>``."""
        return f"llm:{self.llm}" if self.answerer_name == "llm" else "offline"

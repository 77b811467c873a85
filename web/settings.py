"""The page's own settings: who may open it, how many questions it answers at once, what
its visitors may add, and what it ingests when it starts on an empty store. The library's
settings (``qa.Settings``) stay the library's; both read ``ARTICLE_QA_*`` variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa import Settings


class PageSettings(BaseSettings):
    """Everything about the page a deployer can set. ``ARTICLE_QA_AUTH=u:pw`` sets ``auth``."""

    model_config = SettingsConfigDict(
        env_prefix="ARTICLE_QA_", env_file=".env", extra="ignore", validate_assignment=True
    )

    auth: SecretStr | None = Field(
        None, description="password-protect the page: 'user:pass' (several: comma-separated)"
    )
    concurrency: int = Field(8, ge=1, le=64, description="questions answered at once")
    queue_size: int = Field(200, ge=1, description="requests that may wait in the page's queue")
    allow_uploads: bool = Field(True, description="the page accepts uploaded files")
    allow_web_add: bool = Field(
        True, description="the page adds web pages and follows feeds by address"
    )
    seed_dir: Path | None = Field(
        Path("data/articles"), description="ingested when the page starts on an empty store"
    )
    llm_choices: str = Field(
        "", description="more chat models the page offers, comma-separated ('' = just llm)"
    )

    @field_validator("seed_dir", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check(self) -> PageSettings:
        self.auth_pairs()  # fail early on a malformed value
        return self

    def auth_pairs(self) -> list[tuple[str, str]]:
        """``auth`` as (user, password) pairs; [] when the page is open."""
        if self.auth is None or not self.auth.get_secret_value().strip():
            return []
        pairs = []
        for item in self.auth.get_secret_value().split(","):
            user, sep, password = item.strip().partition(":")
            if not sep or not user or not password:
                raise ValueError("ARTICLE_QA_AUTH must be 'user:password' (several: 'a:pw1,b:pw2')")
            pairs.append((user, password))
        return pairs

    def llm_options(self, settings: Settings) -> list[str]:
        """The chat models the page can switch between (the configured one first)."""
        names = [settings.llm or ""] + [x.strip() for x in self.llm_choices.split(",")]
        return [n for n in dict.fromkeys(names) if n]

    def uploads_allowed(self, settings: Settings) -> bool:
        """Whether the page takes uploads (``allow_uploads``, and the store is writable)."""
        return self.allow_uploads and not settings.read_only

    def web_add_allowed(self, settings: Settings) -> bool:
        """Whether the page adds pages and feeds (``allow_web_add``, the store writable)."""
        return self.allow_web_add and not settings.read_only

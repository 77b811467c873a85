"""The environment article-qa runs in: offline, nothing reported home. Set once, here,
when the library is imported (only where the user has not set a variable themselves)."""

from __future__ import annotations

import os

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",  # the embedding model is packaged: never download one
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma's telemetry
}


def offline_environment(force: bool = False) -> None:
    """Set ``OFFLINE_ENVIRONMENT`` where unset (everywhere with ``force``, as the tests do).
    Hugging Face reads some of these when it is imported: call this before."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        if force:
            os.environ[name] = value
        else:
            os.environ.setdefault(name, value)

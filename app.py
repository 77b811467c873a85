"""The Gradio chat page: layout and event wiring only; every answer comes from ``qa``.

``gradio app.py`` reloads it, a Hugging Face Space runs it as is, ``python app.py`` and
``article-qa serve`` serve it. (The full page, with the sources panel and uploads, comes
with the UI issue; this is the first, minimal page.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr

from qa import Answer, Assistant, EmptyStoreError, QuestionError

EXAMPLES = ["What does Kim want from Russia?", "How is Kim traveling to Russia?"]
_bot = Assistant()


def respond(message: str, history: list[dict[str, Any]]) -> Iterator[str]:
    """Stream the answer to ``message``, then show it with its numbered sources."""
    try:
        for item in _bot.stream(message):
            if isinstance(item, Answer):
                yield str(item)
            else:
                yield item
    except (EmptyStoreError, QuestionError) as exc:
        yield f"⚠️ {exc}"


demo = gr.ChatInterface(
    respond,
    title="article-qa",
    description=(
        f"Answers from your news articles, with citations. Answerer: {_bot.settings.answerer}."
    ),
    examples=EXAMPLES,
)


def main(args: Any = None) -> int:
    """Serve the page (``article-qa serve`` passes its parsed options)."""
    host = getattr(args, "host", "127.0.0.1")
    port = getattr(args, "port", 7860)
    share = getattr(args, "share", False)
    auth = getattr(args, "auth", None)
    credentials = tuple(auth.split(":", 1)) if auth and ":" in auth else None
    try:
        demo.queue(default_concurrency_limit=4).launch(
            server_name=host, server_port=port, share=share, auth=credentials
        )
    except Exception as exc:  # e.g. share=True offline: keep serving locally
        if not share:
            raise
        print(f"Could not create a share link ({exc}); serving locally only.", file=sys.stderr)
        demo.launch(server_name=host, server_port=port, auth=credentials)
    return 0


if __name__ == "__main__":
    sys.exit(main())

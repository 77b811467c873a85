"""The chat page's entry: ``python app.py``, ``gradio app.py`` and a Hugging Face Space
serve the module-level ``demo`` (the page itself lives in ``web/``)."""

from __future__ import annotations

import os

from qa import Assistant  # first: importing the library sets the offline environment
from web import PageSettings, create_demo, serve

bot = Assistant()
page = PageSettings()
demo = create_demo(bot, page)

if __name__ == "__main__":
    serve(  # a Hugging Face Space sets GRADIO_SERVER_NAME=0.0.0.0
        bot,
        host=os.environ.get("ARTICLE_QA_HOST") or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        port=int(os.environ.get("ARTICLE_QA_PORT", "7860")),
        share=os.environ.get("ARTICLE_QA_SHARE", "").lower() in {"1", "true", "yes"},
        page=demo,
        settings=page,
    )

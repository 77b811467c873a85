"""The answerers behind one interface, chosen by one setting (``ARTICLE_QA_ANSWERER``), on
the sample store with the real models; the LLM is the in-process scripted chat model."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from qa import Assistant, Settings
from qa.answerers import ANSWERERS, ChatModel, Quotes, Reader


def test_one_setting_picks_the_answerer(sample_store_dir: Path) -> None:
    quotes = Assistant(Settings(store_dir=sample_store_dir, answerer="quotes"))
    reader = Assistant(Settings(store_dir=sample_store_dir, answerer="reader"))
    assert isinstance(quotes.answerer, Quotes) and isinstance(reader.answerer, Reader)
    assert set(ANSWERERS) == {"quotes", "reader", "llm"}
    by_reader = reader.ask("When did the Kremlin confirm the visit?", remember=False)
    assert by_reader.short is not None and by_reader.citations  # the reader's shape
    by_quotes = quotes.ask("Where will Kim meet Putin?", remember=False)
    assert by_quotes.short is None and by_quotes.citations  # quote bundles have none
    legacy = Settings(store_dir=sample_store_dir, offline_reader=True)
    assert legacy.answerer_name == "reader"  # the old switch still says the same


def test_an_llm_answerer_needs_a_model_and_falls_back_to_the_chosen_offline_one(
    sample_store_dir: Path, chat
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="ARTICLE_QA_ANSWERER=llm needs a model"):
        Settings(store_dir=sample_store_dir, answerer="llm")
    bot = Assistant(Settings(store_dir=sample_store_dir, offline_reader=True), model=chat)
    assert isinstance(bot.answerer, ChatModel) and isinstance(bot.answerer.fallback, Reader)
    offline = bot.with_llm(None)
    assert isinstance(offline.answerer, Reader)  # the page's "offline" choice

"""The Python API: answer(), stream(), Assistant, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Answer, Assistant, EmptyStoreError, QuestionError, Settings, answer, stream


def test_answer_function_reads_settings_from_the_environment(
    sample_store_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import qa.assistant

    monkeypatch.setenv("ARTICLE_QA_STORE_DIR", str(sample_store_dir))
    monkeypatch.setattr(qa.assistant, "_default", None)
    result = answer("What does Kim want from Russia?")
    assert isinstance(result, Answer) and "satellites" in result.text
    assert str(result).startswith(result.text) and "Sources:" in str(result)
    items = list(stream("How is Kim traveling to Russia?"))
    assert all(isinstance(i, str) for i in items[:-1]) and isinstance(items[-1], Answer)
    assert "armored train" in items[-1].text
    assert qa.assistant.default_assistant().history == []  # the plain functions keep no history


def test_overrides_per_call(sample_store_dir: Path) -> None:
    result = answer("Who is Andrei Lankov?", store_dir=sample_store_dir, top_k=2)
    assert "Kookmin" in result.text
    with pytest.raises(ValueError, match="top_k"):
        answer("x", store_dir=sample_store_dir, top_k=0)


def test_assistant_keeps_history(sample_store_dir: Path) -> None:
    bot = Assistant(store_dir=sample_store_dir)
    bot.ask("What does Kim want from Russia?")
    bot.ask("Who is Andrei Lankov?")
    assert [a.question for a in bot.history] == [
        "What does Kim want from Russia?",
        "Who is Andrei Lankov?",
    ]
    bot.reset()
    assert bot.history == []


def test_empty_store_says_how_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(EmptyStoreError, match="article-qa ingest"):
        Assistant(Settings(store_dir=tmp_path / "nothing")).ask("Anything?")


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        (" \n\t ", "empty"),
        ("\x00\x07", "empty"),
        ("x" * 5000, "characters long"),
        (None, "must be text"),
    ],
)
def test_bad_questions_get_clear_errors(sample_bot, question, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuestionError, match=message):
        sample_bot.ask(question)


def test_settings_validation() -> None:
    with pytest.raises(ValueError, match="chunk_overlap"):
        Settings(chunk_tokens=64, chunk_overlap=64)
    with pytest.raises(ValueError, match="ARTICLE_QA_LLM"):
        Settings(llm_base_url="http://127.0.0.1:1/v1")
    assert Settings(llm="").llm is None and Settings().answerer_label == "offline"

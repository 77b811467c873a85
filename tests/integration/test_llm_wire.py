"""The LLM answerer over the wire: real HTTP to a scripted OpenAI-compatible server on
127.0.0.1 — streaming, server errors, timeouts and garbage replies.

No capable chat model can run on this machine, so the server replays scripted replies; the
client side (LangChain's ChatOpenAI, streaming, the fallback) is all real. What the answerer
does with a reply is tested in-process (test_llm_answers.py).
"""

from __future__ import annotations

from qa import Answer, Assistant, Settings


def _bot(store, server, **extra):  # type: ignore[no-untyped-def]
    return Assistant(
        Settings(store_dir=store, llm="openai:scripted", llm_base_url=server.base_url, **extra)
    )


def _prompt(request: dict) -> tuple[str, str]:
    messages = request["messages"]
    return messages[0]["content"], messages[-1]["content"]


def test_streamed_reply_arrives_in_pieces_then_the_checked_answer(
    sample_store, scripted_llm
) -> None:  # type: ignore[no-untyped-def]
    scripted_llm.script(
        "The White House warned that Pyongyang would pay a price if it supplies Moscow with weapons [1]."
    )
    items = list(_bot(sample_store, scripted_llm).stream("What did the White House warn?"))
    pieces = [i for i in items if isinstance(i, str)]
    final = items[-1]
    assert scripted_llm.requests[0]["stream"] is True
    assert len(pieces) > 3  # streamed word by word, not in one piece
    assert isinstance(final, Answer) and "pay a price" in final.text
    assert final.citations and "pay a price" in final.citations[0].passage


def test_failing_model_falls_back_to_offline_and_says_so(sample_store, scripted_llm) -> None:  # type: ignore[no-untyped-def]
    scripted_llm.replies.append({"status": 500, "text": "boom"})
    scripted_llm.replies.append({"status": 500, "text": "boom"})
    result = _bot(sample_store, scripted_llm).ask("How is Kim traveling to Russia?")
    assert "armored train" in result.text and result.citations
    assert result.answerer == "offline"
    assert "Answered offline instead" in result.notice


def test_model_that_times_out_falls_back(sample_store, scripted_llm) -> None:  # type: ignore[no-untyped-def]
    scripted_llm.replies.extend([{"delay": 4, "text": "too late [1]."}] * 2)
    result = _bot(sample_store, scripted_llm, llm_timeout=1).ask("Who is Andrei Lankov?")
    assert result.answerer == "offline" and "Kookmin" in result.text
    assert "Answered offline instead" in result.notice
    assert "Timeout" in result.notice  # it gave up on the slow model: it did not wait


def test_garbage_reply_falls_back(sample_store, scripted_llm) -> None:  # type: ignore[no-untyped-def]
    scripted_llm.replies.extend([{"raw": "<html>not json"}] * 2)
    result = _bot(sample_store, scripted_llm).ask("Who is Andrei Lankov?")
    assert result.answerer == "offline" and "Kookmin" in result.text and result.notice

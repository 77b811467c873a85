"""The feedback file (qa/feedback.py): one JSON line per vote, bounded, damaged lines
skipped."""

from __future__ import annotations

from pathlib import Path

from qa import Answer
from qa.feedback import FeedbackLog


def _answer(text: str = "Poland [1].") -> Answer:
    return Answer(question="Which country bought tanks?", text=text, answerer="offline")


def test_votes_are_lines_and_a_full_file_keeps_no_more(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "state" / "feedback.jsonl", max_bytes=900)
    assert log.record(_answer(), "like") and log.record(_answer(), "dislike")
    assert [v["vote"] for v in log.lines()] == ["like", "dislike"]
    first = next(iter(log.lines()))
    assert first["question"] == "Which country bought tanks?" and first["answer"] == "Poland [1]."
    assert not log.record(_answer("x" * 1000), "like")  # over the bound: not kept
    assert len(list(log.lines())) == 2
    with log.path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    assert len(list(log.lines())) == 2


def test_a_folder_that_cannot_be_written_loses_the_vote_not_the_answer(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    log = FeedbackLog(blocker / "feedback.jsonl")  # its folder is a file: no write possible
    assert log.record(_answer(), "like") is False
    assert list(log.lines()) == []


def test_a_hand_made_vote_keeps_nothing_and_raises_nothing(tmp_path: Path) -> None:
    """The like event from a hostile client: an index that is no chat message, a vote
    that is neither like nor dislike, an answer that failed — nothing is kept."""
    import gradio as gr

    from qa import Assistant, Settings
    from web.events import Events
    from web.settings import PageSettings

    bot = Assistant(Settings(store_dir=tmp_path / "store"))
    events = Events(bot, PageSettings())
    answers: list[Answer | None] = [_answer(), None]
    for index, liked in [("x", True), (-2, True), (99, True), (0, "Love it"), (2, True)]:
        events.vote(answers, gr.LikeData(None, {"index": index, "value": "", "liked": liked}))
    assert "store" not in vars(bot)  # nothing opened, nothing written
    assert not (tmp_path / "store").exists()

"""A short answer's text and place: the LLM's bold opening read apart from its sentences,
and the sentence of a passage that says an answer."""

from __future__ import annotations

import pytest

from qa.answerers import split_short
from qa.passage_reading import supporting


@pytest.mark.parametrize(
    "reply",
    [
        "**Vladivostok.** Kim will go there [1].",
        "**Vladivostok**. Kim will go there [1].",
        "**Vladivostok** [1]. Kim will go there [1].",
        "  **Vladivostok:** Kim will go there [1].",
    ],
)
def test_the_bold_opening_is_the_short_answer_and_the_rest_its_sentences(reply: str) -> None:
    assert split_short(reply) == ("Vladivostok", "Kim will go there [1].")


@pytest.mark.parametrize("reply", ["**Vladivostok.**", "Kim will go there [1].", "**a*b** c"])
def test_no_bold_opening_or_nothing_after_it_is_no_short_answer(reply: str) -> None:
    assert split_short(reply) == ("", reply)


def test_the_supporting_sentence_holds_the_answer_and_a_long_one_is_cut_to_its_clause() -> None:
    text = "Kim went by train. He will meet Putin in Vladivostok on Wednesday. More later."
    at = text.index("Vladivostok")
    s, e = supporting(text, at, at + len("Vladivostok"))
    assert text[s:e] == "He will meet Putin in Vladivostok on Wednesday."
    across = supporting(text, text.index("train"), text.index("He will") + 2)
    assert (
        text[slice(*across)] == "Kim went by train. He will meet Putin in Vladivostok on Wednesday."
    )
    long = "Officials said, after days of talks and many rumours about the summit, " * 2
    long += "that the leaders would meet in Vladivostok, a port city far from Moscow."
    at = long.index("Vladivostok")
    s, e = supporting(long, at, at + len("Vladivostok"))
    assert "Vladivostok" in long[s:e] and e - s < len(long)

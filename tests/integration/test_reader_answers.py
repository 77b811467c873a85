"""Offline answers by the trained reader (``ARTICLE_QA_OFFLINE_READER=true``) on the sample
article: real store, real models.

The short answer comes first and must name the thing asked; the sentence that supports it
follows with its citation. Each question comes in several phrasings: the reader must find
what answers the question, not match one string.
"""

from __future__ import annotations

import re

import pytest

from qa import Answer

CASES = {
    "kim_wants": (
        [
            "What does Kim want from Russia?",
            "What would Kim like to obtain from Moscow?",
        ],
        r"satellite|submarine|food aid",
    ),
    "putin_wants": (
        [
            "What is Putin seeking from North Korea?",
            "What does Putin want from Kim?",
        ],
        r"artillery shells|antitank missiles",
    ),
    "travel": (
        [
            "How is Kim traveling to Russia?",
            "By what means is Kim going to Russia?",
            "How will the North Korean leader get to Russia?",
        ],
        r"armou?red train",
    ),
    "white_house": (
        ["What did the White House warn?"],
        r"pay a price",
    ),
    "lankov": (
        ["Who is Andrei Lankov?", "What is Andrei Lankov's job?"],
        r"North Korea expert|Kookmin University",
    ),
}
# Known limits of the shipped reader, measured (see the README's "Training the reader"):
# the reader rates a sentence naming "Seoul" above the one with "Vladivostok", and its span
# confidence on this article stays below the threshold calibrated on RealTime QA train, so
# no short answer is given. Strict: a better reader turns these into failures to promote.
# The expectations are what the fp32 weights do: the int8 ONNX reader (the default) agrees
# with them on all of these but one, where it is right and fp32 is not ("obtain from
# Moscow"); round 1's torch int8 path differed on six (bench/backends.py compares the
# three). "Hoping to get from Moscow": the lead is the clause about what *Putin* seeks;
# "Washington warn": the lead is Biden's warning against arming Russia, not the price.
KNOWN_WRONG = pytest.mark.xfail(strict=True, reason="the reader's known limit on the sample")
WRONG = [
    ("Where is Kim expected to meet Putin?", r"Vladivostok"),
    ("In which city could the summit happen?", r"Vladivostok"),
    ("What is Kim Jong Un hoping to get from Moscow?", r"satellite|submarine|food aid"),
    ("What did Washington warn Pyongyang about?", r"pay a price"),
]


def _assert_shape(result: Answer) -> None:
    """(Short answer [n].) Supporting sentence [n] (one more quote [m]): every number cited,
    every quote inside its passage, the short answer's span inside the supporting quote."""
    assert not result.refused, result.text
    assert result.citations, result.text
    cited = {c.number: c for c in result.citations}
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", result.text)]
    assert set(numbers) == set(cited) and len(numbers) <= 3
    for c in result.citations:
        assert c.quote == "" or c.passage[c.quote_start : c.quote_end] == c.quote
    if result.short is not None:
        short = result.short
        assert result.text.startswith(short.text[0].upper() + short.text[1:])
        assert 0 < short.confidence <= 1 and short.citation in cited
        c = cited[short.citation]
        if c.answer_start >= 0:  # the span, inside the highlighted sentence of its passage
            assert c.quote_start <= c.answer_start < c.answer_end <= c.quote_end
            assert c.passage[c.answer_start : c.answer_end] == short.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [(q, pattern) for questions, pattern in CASES.values() for q in questions]
    + [pytest.param(q, pattern, marks=KNOWN_WRONG) for q, pattern in WRONG],
)
def test_the_supporting_quote_answers(reader_bot, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = reader_bot.ask(question, remember=False)
    _assert_shape(result)
    assert re.search(expected, result.text, re.I), (question, result.text)
    assert len(result.text.split()) <= 45  # one long sentence may stand alone


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is Putin seeking from North Korea?", r"artillery shells"),
        pytest.param("How is Kim traveling to Russia?", r"armou?red train", marks=KNOWN_WRONG),
        pytest.param("Where is Kim expected to meet Putin?", r"Vladivostok", marks=KNOWN_WRONG),
    ],
)
def test_the_short_answer_names_the_thing_asked(reader_bot, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = reader_bot.ask(question, remember=False)
    assert result.short and re.search(expected, result.short.text, re.I), result.text


@pytest.fixture(scope="module")
def eager_bot(sample_store_dir):  # type: ignore[no-untyped-def]
    """An assistant whose reader gives a short answer at any confidence."""
    from models.reader import Reader
    from qa import Assistant, Settings

    bot = Assistant(Settings(store_dir=sample_store_dir, offline_reader=True))
    reader = Reader(Reader.shared().folder)
    reader.min_short = 0.0
    bot.__dict__["reader"] = reader  # the cached property, set before first use
    return bot


@pytest.mark.parametrize(
    "question", ["What is Putin seeking from North Korea?", "Who is Andrei Lankov?"]
)
def test_a_short_answer_leads_and_its_span_is_marked(eager_bot, question: str) -> None:  # type: ignore[no-untyped-def]
    result = eager_bot.ask(question, remember=False)
    _assert_shape(result)
    assert result.short is not None
    c = result.citations[result.short.citation - 1]
    assert result.text.split(" [")[0].lower() == result.short.text.lower()
    assert 0 <= c.answer_start < c.answer_end or c.headline


@pytest.mark.xfail(
    strict=True,
    reason="the reader's known limit: the follow-up's lead is again what Kim wants (fp32 too)",
)
def test_a_follow_up_is_answered_from_the_chat(sample_store_dir) -> None:  # type: ignore[no-untyped-def]
    from qa import Assistant, Settings

    bot = Assistant(Settings(store_dir=sample_store_dir, offline_reader=True))
    bot.ask("What does Kim want from Russia?")
    result = bot.ask("And what does Putin get in return?")
    assert not result.refused, result.text
    assert re.search(r"artillery shells|antitank missiles", result.text), result.text


@pytest.mark.parametrize(
    "question",
    [
        "What did Kim eat for breakfast?",
        "Who won the 2022 World Cup?",
        "What is the price of bitcoin today?",
    ],
)
def test_refuses_what_the_article_does_not_say(reader_bot, question: str) -> None:  # type: ignore[no-untyped-def]
    result = reader_bot.ask(question, remember=False)
    assert result.refused and result.short is None and result.citations == [], result.text


def test_json_carries_the_short_answer(eager_bot) -> None:  # type: ignore[no-untyped-def]
    data = eager_bot.ask("What is Putin seeking from North Korea?", remember=False).model_dump()
    assert set(data["short"]) == {"text", "citation", "confidence"}
    assert {"answer_start", "answer_end"} <= set(data["citations"][0])


def test_the_quote_answerer_is_the_default(sample_bot) -> None:  # type: ignore[no-untyped-def]
    result = sample_bot.ask("What does Kim want from Russia?", remember=False)
    assert result.short is None and "satellites" in result.text

"""Answers gathered across passages (qa/spans.py): the same answer read in several passages
adds up, a span that only repeats the question is no answer."""

from __future__ import annotations

from models import Reading
from qa.spans import answer_key, gather

TEXTS = [
    "Kim will travel to Vladivostok by armored train.",
    "The summit is expected in Vladivostok, officials said.",
    "Kim may also visit Moscow later this year.",
]


def _reading(text: str, relevance: float, *spans: tuple[str, float]) -> Reading:
    found = tuple((text.index(w), text.index(w) + len(w), p) for w, p in spans)
    return Reading(relevance, found[0][0], found[0][1], found[0][2], found)


def test_an_answer_read_in_several_passages_beats_one_read_once_with_more_confidence() -> None:
    readings = [
        _reading(TEXTS[0], 0.6, ("Vladivostok", 0.5)),
        _reading(TEXTS[1], 0.5, ("Vladivostok,", 0.1), ("Vladivostok", 0.6)),
        _reading(TEXTS[2], 0.9, ("Moscow", 0.5)),
    ]
    found = gather("Where will Kim meet Putin?", TEXTS, readings)
    assert [f.text for f in found] == ["Vladivostok", "Moscow"]
    best = found[0]
    assert best.passages == 2
    assert abs(best.score - (1 - (1 - 0.3) * (1 - 0.3))) < 1e-9  # noisy-or of 0.6·0.5, 0.5·0.6
    assert abs(found[1].score - 0.45) < 1e-9
    assert (best.passage, TEXTS[best.passage][best.start : best.end]) == (0, "Vladivostok")


def test_a_span_repeating_the_question_is_no_answer_and_case_and_articles_fold() -> None:
    texts = ["The Kremlin said Kim arrives Tuesday.", "the kremlin confirmed it."]
    readings = [
        _reading(texts[0], 0.9, ("Kim", 0.9), ("The Kremlin", 0.05)),
        _reading(texts[1], 0.9, ("kremlin", 0.05)),
    ]
    found = gather("When does Kim arrive?", texts, readings)
    assert [f.text for f in found] == ["The Kremlin"]
    assert found[0].passages == 2
    assert answer_key("The  Kremlin,") == answer_key("kremlin") == "kremlin"


def test_nothing_read_is_no_answer() -> None:
    assert gather("Who?", ["A text."], [Reading(0.1)]) == []


def test_one_article_naming_an_answer_in_every_passage_is_one_witness() -> None:
    texts = ["Kim will visit Russia soon.", "Russia confirmed it.", "The summit is in Vladivostok."]
    readings = [
        _reading(texts[0], 0.5, ("Russia", 0.5)),
        _reading(texts[1], 0.5, ("Russia", 0.5)),
        _reading(texts[2], 0.5, ("Vladivostok", 0.5)),
    ]
    found = gather("Where is the summit?", texts, readings, ["a", "a", "b"])
    assert {f.text: round(f.score, 4) for f in found} == {"Russia": 0.25, "Vladivostok": 0.25}
    across = gather("Where is the summit?", texts, readings, ["a", "b", "c"])
    assert across[0].text == "Russia" and round(across[0].score, 4) == 0.4375

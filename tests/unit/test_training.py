"""The reader's training pairs (training/pairs.py): how answers are found in sentences and
how cloze questions are made. Pure functions; the train split itself is not read here."""

from __future__ import annotations

import random

import pytest

from training.pairs import answer_span, cloze, normalize


@pytest.mark.parametrize(
    ("text", "golds", "found"),
    [
        ("Kim took the armored train to Vladivostok.", ["armored train"], "armored train"),
        ("It was the Squid Game's second season.", ["“Squid Game”"], "Squid Game"),
        ("Officials at the Pentagon said so.", ["The Pentagon"], "Pentagon"),
        ("A bill of $1,200 was paid.", ["1,200"], "1,200"),
        ("Trainers were sold out.", ["train"], None),  # whole words only
        ("Nothing here.", ["Florida"], None),
    ],
)
def test_answer_span_finds_whole_words(text: str, golds: list[str], found: str | None) -> None:
    span = answer_span(text, golds)
    assert (text[span[0] : span[1]] if span else None) == found


def test_normalize_is_the_evaluators() -> None:
    assert normalize("The “Squid Game”!") == "squid game"


def test_cloze_replaces_a_phrase_with_its_question_word() -> None:
    sentence = "The company hired 1,200 workers in Ohio last year."
    made = [cloze(sentence, random.Random(seed)) for seed in range(8)]
    assert any(m and m[0].startswith("The company hired how many") for m in made)
    for m in made:
        if m:
            question, s, e = m
            assert question.endswith("?") and sentence[s:e] not in question

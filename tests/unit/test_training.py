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


def test_passage_pools_rank_positives_and_hard_negatives_and_recall_counts_them() -> None:
    from training.passages import Pool, ranked, triplets
    from training.runs import recall

    pool = Pool(
        "q1",
        "Where did Kim meet Putin?",
        ["Vostochny", "weather", "Kim and Putin met at Vostochny", "Seoul"],
        gold=[True, False, True, False],
        wrong=[False, False, False, True],  # "Seoul" was a wrong choice of the quiz
        scores=[0.2, 0.1, 0.9, 0.3],
    )
    assert ranked(pool) == ([2, 0], [3, 1])  # best positive first; the wrong choice first
    rows = triplets(pool, random.Random(1))
    assert [r[1] for r in rows] == ["Kim and Putin met at Vostochny", "Vostochny"]
    assert {r[2] for r in rows} <= {"Seoul", "weather"}
    unanswerable = Pool("q2", "?", ["x"], [False], [False], [0.0])
    found = recall([pool, unanswerable], lambda p: [1, 3, 0, 2])
    assert found == {"R@1": 0.0, "R@3": 1.0, "R@5": 1.0, "R@10": 1.0}  # only q1 judged

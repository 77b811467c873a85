"""Filters: the one checked request type behind Python, the CLI and the page."""

from __future__ import annotations

from datetime import date

import pytest

from qa import Filters, QuestionError
from vectorstore.story_links import day_of
from vectorstore.writes import day_number


def test_filters_are_one_checked_type_for_every_way_in() -> None:
    """Python, the CLI and the page build the same Filters; bad input says what to type."""
    typed = Filters.from_text("2023-09-01", "2023-09-30", " cnn.com, ,bbc ")
    assert (typed.date_from, typed.sources) == (date(2023, 9, 1), ("cnn.com", "bbc"))
    assert Filters.of(typed, sources=["usatoday.com"]).sources == ("usatoday.com",)
    assert Filters.from_text("  ").date_from is None  # an empty page field is no filter
    assert Filters.from_text(None, None, None) == Filters()  # nor is one Gradio sends as None
    assert Filters.of(None, date_from="2023-09-01").date_from == date(2023, 9, 1)  # answer(...)
    with pytest.raises(QuestionError, match="wrong way round"):
        Filters(date_from=date(2023, 9, 30), date_to=date(2023, 9, 1))
    with pytest.raises(QuestionError, match="date_to: '31/12/2023' is not a date like"):
        Filters.from_text(date_to="31/12/2023")
    with pytest.raises(QuestionError, match="unknown filter since; use date_from"):
        Filters.of(None, since=date(2023, 1, 1))


@pytest.mark.parametrize("story", ["x" * 65, 42, ["52cfb77acb4cbd1a"], {"$ne": ""}])
def test_a_story_filter_is_a_short_id_or_a_clear_error(story: object) -> None:
    """What a hand-made page event or an API caller may send as the story to search in."""
    with pytest.raises(QuestionError, match="story must be a story id"):
        Filters(story=story)  # type: ignore[arg-type]
    assert Filters(story="  52cfb77acb4cbd1a ").story == "52cfb77acb4cbd1a"
    assert Filters.from_text(story=None).story == ""


def test_a_day_that_is_no_real_date_counts_as_undated() -> None:
    assert day_number("2023-09-11") == 20230911 and day_number("20230911") == 20230911
    assert day_number("2023-02-30") == 0 == day_of("2023-02-30")
    assert day_number("") == 0 and day_number("2023-9-1") == 0

"""Citations: parsing markers, dropping invented numbers, checking support, renumbering."""

from __future__ import annotations

from qa.citations import Verifier, finalize, parse_claims
from vectorstore.documents import Passage


def _p(i: int, text: str) -> Passage:
    return Passage(
        id=f"c{i}",
        text=text,
        article_id=f"a{i}",
        title=f"Article {i}",
        date="2024-01-01",
        source="Wire",
        url=f"https://news.example/{i}",
        chunk_index=0,
        start=10 * i,
        end=10 * i + len(text),
        score=0.5,
    )


PASSAGES = [
    _p(1, "The mayor opened a new bridge over the river on Monday. It cost 40 million dollars."),
    _p(2, "Heavy rain flooded the old town. Schools were closed for two days."),
    _p(3, "The football team won the cup after a penalty shoot-out."),
]


def test_parse_claims_collects_markers_and_drops_invented_numbers() -> None:
    claims = parse_claims("The bridge opened Monday [1][7]. Rain closed schools [2, 3]. [1]", 3)
    assert [c.text for c in claims] == ["The bridge opened Monday.", "Rain closed schools."]
    assert claims[0].cites == [0]
    assert claims[1].cites == [1, 2, 0]


def test_finalize_numbers_in_reading_order() -> None:
    claims = parse_claims("Schools closed for two days [3]. A bridge opened [1].", 3)
    claims[0].cites, claims[1].cites = [1], [0]
    checked = finalize(claims, PASSAGES)
    assert checked.text == "Schools closed for two days [1]. A bridge opened [2]."
    assert [(c.number, c.title) for c in checked.citations] == [(1, "Article 2"), (2, "Article 1")]


def test_verifier_moves_misplaced_and_drops_unsupported_citations(embeddings) -> None:  # type: ignore[no-untyped-def]
    reply = (
        "A new bridge over the river was opened by the mayor on Monday [3]. "
        "Heavy rain flooded the old town [2]. "
        "The mayor also banned cars from the city centre [1]."
    )
    claims = Verifier(embeddings).check(parse_claims(reply, 3), PASSAGES)
    checked = finalize(claims, PASSAGES)
    assert checked.text == (
        "A new bridge over the river was opened by the mayor on Monday [1]. "
        "Heavy rain flooded the old town [2]. "
        "The mayor also banned cars from the city centre."
    )
    assert checked.unsupported == ["The mayor also banned cars from the city centre."]
    first = checked.citations[0]
    assert first.title == "Article 1"
    assert first.quote == "The mayor opened a new bridge over the river on Monday."
    assert first.passage[first.quote_start : first.quote_end] == first.quote


def test_list_formatting_survives(embeddings) -> None:  # type: ignore[no-untyped-def]
    reply = "Two things happened:\n- Heavy rain flooded the old town [2].\n- Schools were closed for two days [2]."
    claims = Verifier(embeddings).check(parse_claims(reply, 3), PASSAGES)
    text = finalize(claims, PASSAGES).text
    assert text.endswith(
        "\n- Heavy rain flooded the old town [1].\n- Schools were closed for two days [1]."
    )

"""The offline answerer's ranker: headlines as candidates, the fitted model that ships with
the package, and how an answer is put together from the lead sentence and the likeliest
other quotes. Real model, real store; no LLM."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from qa.features import candidates, headline_text
from qa.offline import FEATURES, OfflineAnswerer, Ranker
from vectorstore.documents import Passage


def _passage(title: str, text: str = "Some body text of the article goes here.", **kw) -> Passage:  # type: ignore[no-untyped-def]
    fields = {
        "id": "a-x-0",
        "text": text,
        "article_id": "a",
        "title": title,
        "date": "2022-07-01",
        "source": "cnn.com",
        "url": "https://www.cnn.com/2022/07/01/x.html",
        "chunk_index": 0,
        "start": 0,
        "end": len(text),
    } | kw
    return Passage(**fields)


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        (
            "Boris Johnson resigns as UK prime minister - CNN",
            "cnn.com",
            "Boris Johnson resigns as UK prime minister",
        ),
        ("Fed raises rates again | CNN Business", "cnn.com", "Fed raises rates again"),
        (
            "Heatwave grips Britain again - The Week UK",
            "theweek.co.uk",
            "Heatwave grips Britain again",
        ),
        ("Heatwave grips Britain again - The Week", "The Week", "Heatwave grips Britain again"),
        (
            "Fed raises rates again - Reuters",
            "",
            "Fed raises rates again - Reuters",
        ),  # url: cnn.com
        # a dash that does not name the site is part of the headline
        ("Kim heads to Russia - report says", "cnn.com", "Kim heads to Russia - report says"),
        ("Markets", "cnn.com", ""),  # a label, not a statement
    ],
)
def test_headline_text(title: str, source: str, expected: str) -> None:
    assert headline_text(_passage(title, source=source)) == expected


def test_each_article_headline_is_one_candidate() -> None:
    body = "Southwest Airlines pilots picketed at Dallas Love Field on Tuesday over their contract."
    passages = [
        _passage("Southwest pilots picket over stalled contract talks - CNN", body),
        _passage(
            "Southwest pilots picket over stalled contract talks - CNN",
            body,
            id="a-x-1",
            chunk_index=1,
        ),
        _passage(
            "Airlines cut flights", "Airlines cut flights this summer.", article_id="b", id="b-0"
        ),
    ]
    heads = [c for c in candidates(passages) if c.headline]
    assert [h.text for h in heads] == ["Southwest pilots picket over stalled contract talks"]
    assert heads[0].passage == 0 and heads[0].start == -1


def test_shipped_ranker_covers_every_feature() -> None:
    ranker = Ranker.load()
    assert set(ranker.weights) == set(FEATURES)
    assert 0 < ranker.keep < 1 and ranker.max_words > 0 and ranker.per_word >= 0
    low = ranker.probability(dict.fromkeys(FEATURES, 0.0))
    high = ranker.probability(dict.fromkeys(FEATURES, 0.0) | {"relation": 1.0, "coverage": 1.0})
    assert 0 < low < high < 1  # what answers the question is likelier


def test_ranker_file_names_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"bias": 0.0, "weights": {}}))
    with pytest.raises(
        ValueError, match=r"lacks keep.*weights\.semantic.*tune_offline\.py --write"
    ):
        Ranker.load(path)


def test_lead_sentence_first_then_a_headline_citing_its_article(quotes_bot) -> None:  # type: ignore[no-untyped-def]
    """With a ranker that rates headlines high, the answer still leads with the sentence that
    answers best, and the headline follows, citing the passage already cited for its
    article, with no quoted span."""
    shipped = Ranker.load()
    weights = dict.fromkeys(FEATURES, 0.0) | {"headline": 5.0}
    ranker = replace(shipped, weights=weights, bias=-3.0, keep=0.1, max_words=120)
    answerer = OfflineAnswerer(quotes_bot.embeddings, 5, quotes_bot.settings.min_support, ranker)
    question = "What does Kim want from Russia?"
    passages = quotes_bot.passages(question)
    claims = answerer.claims(question, passages)
    assert "satellites" in claims[0].text and claims[0].quotes
    headline = [c for c in claims if c.text.startswith("North Korea said Kim Jong Un would visit")]
    assert len(headline) == 1 and headline[0].quotes == {}
    assert passages[headline[0].cites[0]].title.startswith("North Korea said Kim Jong Un")
    assert headline[0].cites == claims[0].cites  # one article, one citation number


def test_a_low_ranker_never_turns_an_answer_into_a_refusal(quotes_bot) -> None:  # type: ignore[no-untyped-def]
    """Whether the articles answer is decided by support, not by the ranker's chances."""
    ranker = replace(Ranker.load(), bias=-30.0)
    answerer = OfflineAnswerer(quotes_bot.embeddings, 5, quotes_bot.settings.min_support, ranker)
    question = "How is Kim traveling to Russia?"
    claims = answerer.claims(question, quotes_bot.passages(question))
    assert claims and "armored train" in " ".join(c.text for c in claims)

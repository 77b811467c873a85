"""What's new: the newest stories as a digest, each its date, headline and lead sentence,
cited like any answer (``Assistant.latest``, ``article-qa latest``, the page's Latest)."""

from __future__ import annotations

from datetime import date, timedelta

from vectorstore import ArticleStore, sentence_spans

from .citations import Claim, finalize
from .results import Answer


def digest(
    store: ArticleStore, days: float = 2.0, today: date | None = None, limit: int = 30
) -> Answer:
    """The stories of ``store`` dated in the last ``days`` (to ``today``), newest first, at
    most ``limit``, each led by its first sentence."""
    since = ((today or date.today()) - timedelta(days=days)).isoformat()
    recent = [a for a in store.list_articles() if a.date and a.date >= since][:limit]
    leads = store.leads([a.id for a in recent])
    passages = [leads[a.id] for a in recent if a.id in leads]
    claims = []
    for i, p in enumerate(passages):
        spans = sentence_spans(p.text)
        start, end = spans[0] if spans else (0, len(p.text))
        lead = p.text[start:end].strip()
        headline = p.title.rstrip(" .")
        claims.append(Claim(f"{p.date} {headline}: {lead}", [i], {i: (start, end)}, "\n"))
    if not claims:
        return Answer(
            question=f"What's new since {since}?",
            text=f"No stored story is dated since {since}.",
            answerer="latest",
            refused=True,
        )
    checked = finalize(claims, passages)
    return Answer(
        question=f"What's new since {since}?",
        text=checked.text,
        citations=checked.citations,
        answerer="latest",
    )

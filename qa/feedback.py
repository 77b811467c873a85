"""Votes on answers (a chat's like and dislike), kept as JSON lines in one file beside the
store: the question, the answer, its citations, the vote and when — what a maintainer needs
to see which answers failed and why. Appends are locked (several page processes may share
the file) and the file is bounded: past ``MAX_BYTES`` further votes are not kept (a page
open to anyone must not fill the disk), and the log says so once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from filelock import FileLock

from .results import Answer

FEEDBACK_FILE = "feedback.jsonl"
MAX_BYTES = 20 * 1024 * 1024
Vote = Literal["like", "dislike"]
log = logging.getLogger(__name__)


class FeedbackLog:
    """The votes in ``path`` (JSON lines)."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._full_said = False

    def record(self, answer: Answer, vote: Vote) -> bool:
        """Append one vote on ``answer``; False when the file is full and it was not kept."""
        line = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "vote": vote,
            "question": answer.question,
            "standalone": answer.standalone,
            "answer": answer.text,
            "short": answer.short.text if answer.short else None,
            "answerer": answer.answerer,
            "refused": answer.refused,
            "citations": [
                {
                    "number": c.number,
                    "article_id": c.article_id,
                    "title": c.title,
                    "url": c.url,
                    "date": c.date,
                    "quote": c.quote,
                }
                for c in answer.citations
            ],
        }
        data = json.dumps(line, ensure_ascii=False) + "\n"
        try:
            return self._append(data)
        except OSError as exc:  # a read-only folder: the answer stands, the vote is not kept
            log.warning("article-qa: could not keep a vote in %s: %s", self.path, exc)
            return False

    def _append(self, data: str) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            size = self.path.stat().st_size if self.path.exists() else 0
            if size + len(data.encode("utf-8")) > self.max_bytes:
                if not self._full_said:
                    log.warning(
                        "article-qa: %s is full (%d bytes): votes not kept", self.path, size
                    )
                    self._full_said = True
                return False
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(data)
        return True

    def lines(self) -> Iterator[dict]:
        """Every vote kept, oldest first (a damaged line is skipped)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for raw in fh:
                try:
                    yield json.loads(raw)
                except json.JSONDecodeError:
                    continue

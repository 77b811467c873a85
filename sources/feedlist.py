"""The followed feeds of one store and what is known of each, kept in ``feeds.json``.

Every edit (``add``, ``remove``, a sync saving a feed's state with ``update``) reads the
file, changes one entry and writes it back under a lock file, so a feed added or removed
while a sync runs stays added or removed. The file is validated when read: a wrongly typed
entry is named in the error with what to do.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from filelock import FileLock, Timeout
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import FeedListError
from .urls import http_url

STATE_FILE = "feeds.json"
LOCK_WAIT_S = 30.0


@dataclass
class Feed:
    """A followed feed and what is known of it."""

    url: str
    name: str = ""
    last_fetch: str = ""  # ISO time of the last sync
    etag: str = ""
    last_modified: str = ""
    seen: dict[str, str] = field(default_factory=dict)  # item id → its update stamp
    last_error: str = ""

    @property
    def label(self) -> str:
        return self.name or urlparse(self.url).hostname or self.url


class _FeedFile(BaseModel):
    """The shape of ``feeds.json``."""

    model_config = ConfigDict(extra="ignore")
    feeds: list[Feed]


class FeedList:
    """The followed feeds of one store, kept in ``STATE_FILE``; ``read_only``: they can be
    listed, not changed."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only

    def all(self) -> list[Feed]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FeedListError(
                f"the feed list {self.path} cannot be read ({exc}); fix or remove the file"
            ) from exc
        try:
            feeds = _FeedFile.model_validate(data).feeds
        except ValidationError as exc:
            problem = _problem(exc)
            raise FeedListError(f"the feed list {self.path} is not valid: {problem}") from None
        for n, feed in enumerate(feeds, start=1):
            if not http_url(feed.url):
                raise FeedListError(
                    f"the feed list {self.path} is not valid: feed {n}'s url {feed.url!r} is "
                    "not an http(s) URL; fix or remove that entry"
                )
        return feeds

    def follows(self, url: str) -> bool:
        """Whether the feed with this URL is followed now."""
        return any(f.url == url for f in self.all())

    @contextmanager
    def _editing(self) -> Iterator[list[Feed]]:
        """The current list under the lock; saved when the block ends without an error."""
        if self.read_only:
            raise FeedListError(
                f"the feed list {self.path} belongs to a read-only store: feeds can be listed, "
                "not changed; follow feeds in a writable store (ARTICLE_QA_STORE_DIR)"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(self.path.with_name(self.path.name + ".lock"), timeout=LOCK_WAIT_S):
                feeds = self.all()
                yield feeds
                self._save(feeds)
        except Timeout:
            raise FeedListError(f"the feed list {self.path} is locked; try again") from None

    def _save(self, feeds: list[Feed]) -> None:
        """Write the list atomically: a reader never sees half a file."""
        fd, tmp = tempfile.mkstemp(prefix=".feeds-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"feeds": [asdict(f) for f in feeds]}, fh, indent=1)
        os.replace(tmp, self.path)

    def add(self, url: str, name: str = "") -> Feed:
        url = url.strip()
        if not http_url(url):
            raise FeedListError(f"'{url[:200]}' is not an http(s) URL: give the feed's address")
        with self._editing() as feeds:
            if any(f.url == url for f in feeds):
                raise FeedListError(f"{url} is already followed (see `article-qa feeds list`)")
            feed = Feed(url, name.strip())
            feeds.append(feed)
        return feed

    def remove(self, ref: str) -> Feed:
        """Stop following the feed with this URL or name (its articles stay stored)."""
        with self._editing() as feeds:
            match = [f for f in feeds if ref in (f.url, f.name)]
            if not match:
                raise FeedListError(f"no followed feed is '{ref}' (see `article-qa feeds list`)")
            feeds.remove(match[0])
        return match[0]

    def update(self, feed: Feed) -> bool:
        """Save what a sync learned of ``feed``, if it is still followed (False: it was
        removed meanwhile, and stays removed)."""
        with self._editing() as feeds:
            for i, stored in enumerate(feeds):
                if stored.url == feed.url:  # what another sync saw meanwhile stays seen
                    feed.seen = {**stored.seen, **feed.seen}
                    feeds[i] = feed
                    return True
        return False


def _problem(exc: ValidationError) -> str:
    """A validation error as 'feed N's FIELD: what is wrong; fix or remove that entry'."""
    first = exc.errors()[0]
    loc = [str(x) for x in first["loc"]]
    if len(loc) >= 2 and loc[0] == "feeds" and loc[1].isdigit():
        where = f"feed {int(loc[1]) + 1}" + (f"'s {'.'.join(loc[2:])}" if loc[2:] else "")
        return f"{where}: {first['msg']}; fix or remove that entry"
    return f'{".".join(loc) or "the file"}: {first["msg"]}; it must be {{"feeds": [...]}}'

"""What an ingest or a feed sync did: counts per outcome, failures with their reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

from sources import LoadError

from .writes import Status


@dataclass(slots=True)
class IngestItem:
    """What happened to one article."""

    title: str
    path: str
    status: Status
    chunks: int


@dataclass(slots=True)
class IngestReport:
    """The outcome of one ingest run."""

    items: list[IngestItem] = field(default_factory=list)
    failed: list[LoadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # metadata dropped from stored articles
    seconds: float = 0.0

    def _n(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def added(self) -> int:
        return self._n("added")

    @property
    def updated(self) -> int:
        return self._n("updated")

    @property
    def unchanged(self) -> int:
        return self._n("unchanged")

    @property
    def folded(self) -> int:
        """Syndicated copies of stored articles: recorded on them, not stored again."""
        return self._n("folded")

    @property
    def chunks_written(self) -> int:
        """Chunks embedded and written in this run (unchanged articles write none)."""
        return sum(item.chunks for item in self.items if item.status in ("added", "updated"))

    def summary(self) -> str:
        """One line for people: counts, chunks and time."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.chunks_written} chunks written "
            f"in {self.seconds:.1f} s"
            + (f"; {self.folded} copies of stored stories folded" if self.folded else "")
            + (f"; {len(self.warnings)} warnings" if self.warnings else "")
        )


@dataclass
class FeedResult:
    """What one sync did with one feed."""

    feed: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0  # items seen before, or the whole feed unchanged (HTTP 304)
    folded: int = 0  # copies of stored stories, recorded on them (copies.py)
    failed: list[str] = field(default_factory=list)  # "URL: reason" per item
    notes: list[str] = field(default_factory=list)  # stored, with something dropped
    error: str = ""  # the feed itself could not be read

    @classmethod
    def of(cls, feed: str, written: IngestReport, unchanged: int, notes: list[str]) -> FeedResult:
        """A feed's result from what the pipeline wrote of its items."""
        return cls(
            feed,
            written.added,
            written.updated,
            written.unchanged + unchanged,
            written.folded,
            [f"{e.path}: {e.reason}" for e in written.failed],
            [*written.warnings, *notes],
        )

    def summary(self) -> str:
        if self.error:
            return f"{self.feed}: failed: {self.error}"
        return (
            f"{self.feed}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
            + (f", {self.folded} copies of stored stories folded" if self.folded else "")
        )


@dataclass
class SyncReport:
    feeds: list[FeedResult] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        total = FeedResult(
            "all feeds",
            sum(f.new for f in self.feeds),
            sum(f.updated for f in self.feeds),
            sum(f.unchanged for f in self.feeds),
            sum(f.folded for f in self.feeds),
            [x for f in self.feeds for x in f.failed],
        )
        broken = sum(1 for f in self.feeds if f.error)
        return (
            f"{len(self.feeds)} feeds ({broken} unreadable): {total.new} new, "
            f"{total.updated} updated, {total.unchanged} unchanged, {len(total.failed)} failed"
            + (f", {total.folded} copies folded" if total.folded else "")
            + f" in {self.seconds:.1f} s"
        )

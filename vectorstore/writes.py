"""Writing articles: the part of ``ArticleStore`` that stores, replaces and removes them.

Chroma doubles as the record manager: every chunk carries its article's id and content
hash, so a re-ingest can tell an unchanged article (nothing written) from a changed one
(new chunks written first, then the old ones removed, so the article is never missing).
A new article that is a syndicated copy of a stored one is folded into it (``copies``).
Each write run is numbered (``changes``): what it stores carries its number, what it
removes is logged with it, and its end is recorded once, however many batches it wrote.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from models import EmbeddingModel, wordpiece_fits
from sources import Article

from .changes import CHUNKS, REVISION, SEQ, StoreState, log_removals, state_of
from .chroma import store_errors
from .chunking import chunk_text
from .copies import (
    COPY_DAYS,
    COPY_OF,
    Copies,
    Known,
    also_at,
    encode,
    new_runs,
    signature,
    with_copies,
)
from .documents import Chunk, indexed_text
from .run_chunks import RunChunks
from .sentences import sentence_spans
from .story_ledger import Lead, StoryLedger, lead_of, ledger_name
from .story_links import day_groups, day_of, days_around

Status = Literal["added", "unchanged", "updated", "folded"]  # folded: a copy (copies.py)


def _meta(article: Article, chunk: Chunk, n_chunks: int, seq: int) -> dict[str, str | int]:
    return {
        **article.metadata(),
        "chunk_index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "n_chunks": n_chunks,
        "day": day_number(article.date),
        SEQ: seq,
    }


def _copy_record(article: Article) -> dict[str, str]:
    return {
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "date": article.date,
        "path": article.path,
    }


def day_number(day: str) -> int:
    """``2023-09-11`` → 20230911 (Chroma filters compare numbers, not strings); 0 if none
    or no real day (``2023-02-30``: undated, as ``story_links.day_of`` counts it)."""
    digits = day.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        return 0
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return 0
    return int(digits)


class Writes:
    """Storing and removing, for ``ArticleStore`` (which sets these attributes)."""

    location: str
    name: str
    embeddings: EmbeddingModel
    _client: Any
    _col: Any
    _max_batch: int
    _meta: dict[str, Any]
    _copies_cache: Copies | None
    _run_seq: int = 0  # the number of the write run under way (``changes``)
    _run_changed: bool = False
    _run_stale: list[str]  # chunks of updated articles, removed when the run is recorded
    _run_chunks: RunChunks = RunChunks(0, complete=False)  # what the run stored, in hand
    _ledger: tuple[Any, StoryLedger] | None = None  # (the client it was opened with, it)
    grouping_seconds: float = 0.0  # spent putting articles in stories (leads embedded too)

    if TYPE_CHECKING:  # ArticleStore's (and OneWriter's) own

        def writing(self) -> AbstractContextManager[None]: ...
        def check_embedder(self) -> None: ...
        def embedder_record(self) -> dict[str, str | int]: ...
        def _current(self) -> Any: ...
        def after_write(self) -> None: ...
        def note_current(self) -> None: ...
        def pages(
            self, include: Sequence[str], size: int = 5000, where: dict[str, Any] | None = None
        ) -> Iterator[dict[str, Any]]: ...

    def put(self, article: Article, chunks: Sequence[Chunk]) -> Status:
        """Store one article's chunks; see ``put_many``."""
        return self.put_many([(article, chunks)])[0]

    @store_errors
    def put_many(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[Status]:
        """Store several articles at once (one embedding batch); unchanged ones are skipped."""
        with self.writing():
            return self._put_many(items)

    def _put_many(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[Status]:
        self.check_embedder()
        ids = list({article.id for article, _ in items})
        existing = self._col.get(where={"article_id": {"$in": ids}}, include=["metadatas"])
        stored: dict[str, list[tuple[str, dict]]] = {}
        going = set(self._run_stale)  # replaced earlier in this run: not the article any more
        for cid, meta in zip(existing["ids"], existing["metadatas"] or [], strict=True):
            if cid not in going:
                stored.setdefault(str(meta["article_id"]), []).append((cid, meta))

        statuses: list[Status] = []
        new_ids: list[str] = []
        texts: list[str] = []
        indexed: list[str] = []  # what is embedded: the headline with the chunk
        metas: list[dict[str, str | int]] = []
        leads: list[tuple[Lead, str]] = []  # what joins a story now (and which one's)
        keep: set[str] = set()
        copies: Copies | None = None
        folded: dict[str, list[dict[str, str]]] = {}  # original's id → copies found now
        batch_texts: dict[str, str] = {}  # articles stored by this batch: their texts

        def add(article: Article, chunks: Sequence[Chunk], extra: dict[str, str | int]) -> None:
            tag = "a" if COPY_OF in extra else ""  # a copy's additions: ids of their own
            ids = [f"{article.id}-{article.content_hash[:12]}-{tag}{c.index}" for c in chunks]
            keep.update(ids)
            new_ids.extend(ids)
            texts.extend(c.text for c in chunks)
            indexed.extend(indexed_text(article.title, c.text) for c in chunks)
            metas.extend(_meta(article, c, len(chunks), self._run_seq) for c in chunks)
            metas[len(metas) - len(chunks)].update(extra)  # on its first chunk
            first = lead_of(metas[len(metas) - len(chunks)], chunks[0].text)
            leads.append((first, str(extra.get(COPY_OF, ""))))

        for article, chunks in items:
            old = stored.get(article.id, [])
            prefix = f"{article.id}-{article.content_hash[:12]}-"
            wanted = [f"{prefix}{c.index}" for c in chunks]
            if sorted(cid for cid, _ in old) == sorted(wanted) or self._same_copy(old, prefix):
                statuses.append("unchanged")
                keep.update(cid for cid, _ in old)
                continue
            mh = signature(article.text)
            was_copy = any(meta.get(COPY_OF) for _, meta in old)  # stored: only its additions
            if not old or was_copy:  # new (or a copy): a syndicated copy?
                copies = copies or self._copies([day_of(a.date) for a, _ in items])
                original = copies.original_of(article.id, mh, day_of(article.date))
                if original is not None:
                    statuses.append("folded")
                    folded.setdefault(original, []).append(_copy_record(article))
                    adds = self._additions(article, original, batch_texts)
                    if adds:
                        add(article, adds, {COPY_OF: original})
                    elif was_copy:  # it adds nothing now: no article of its own any more
                        self.story_ledger().remove([article.id])
                    continue
                copies.add(article.id, mh, day_of(article.date))
            statuses.append("updated" if old and not was_copy else "added")
            batch_texts[article.id] = article.text
            add(article, chunks, {"minhash": encode(mh)})

        if texts:
            vectors = self.embeddings.embed_documents(indexed)
            for i in range(0, len(new_ids), self._max_batch):
                j = i + self._max_batch
                self._col.upsert(
                    ids=new_ids[i:j],
                    documents=texts[i:j],
                    metadatas=metas[i:j],
                    embeddings=vectors[i:j],
                )
                self._run_chunks.stored(new_ids[i:j], texts[i:j], metas[i:j], vectors[i:j])
        # an updated article's old chunks go when the run is recorded, not now: until the
        # chunk index holds the new ones, readers answer from the old ones (and chunks
        # stored again by this batch — an article changed back — are not stale any more)
        self._run_stale = [cid for cid in self._run_stale if cid not in keep]
        self._run_stale.extend(
            cid for group in stored.values() for cid, _ in group if cid not in keep
        )
        if texts:
            self._group(leads, len(new_ids))
        for original, records in folded.items():
            self.record_copies(original, records)
        if texts or self._run_stale or folded:
            self._run_changed = True
        return statuses

    def _group(self, leads: Sequence[tuple[Lead, str]], written: int) -> None:
        """Each article just stored joins its story (``story_ledger``); a copy's additions
        join its original's."""
        started = time.perf_counter()
        ledger = self.story_ledger()
        if not ledger.complete:
            if self._col.count() > written:  # articles from before stories: all grouped once
                self.regroup()
                return
            ledger.mark_complete()  # a new store
        self._add_leads(ledger, leads)
        self.grouping_seconds += time.perf_counter() - started

    def _add_leads(self, ledger: StoryLedger, leads: Sequence[tuple[Lead, str]]) -> None:
        """Embed these leads and put their articles in stories (each with the original it
        copies, or "")."""
        vectors = self.embeddings.embed_documents([lead.text for lead, _ in leads])
        ledger.add([(lead, v, orig) for (lead, orig), v in zip(leads, vectors, strict=True)])

    def _same_copy(self, old: Sequence[tuple[str, dict]], prefix: str) -> bool:
        """``old`` are a copy's additions (``copies.new_runs``) from this very text, and its
        original is still stored (else the copy is ingested whole: it is promoted)."""
        if not old or not all(cid.startswith(prefix) for cid, _ in old):
            return False
        original = next((str(m[COPY_OF]) for _, m in old if m.get(COPY_OF)), "")
        return bool(original) and bool(
            self._col.get(where={"article_id": original}, limit=1, include=[])["ids"]
        )

    def _additions(self, copy: Article, original: str, batch: dict[str, str]) -> list[Chunk]:
        """The chunks of what ``copy`` says that ``original`` does not (none: nothing new)."""
        if original in batch:
            known_texts = [batch[original]]
        else:
            found = self._col.get(where={"article_id": original}, include=["documents"])
            known_texts = [str(d or "") for d in found["documents"] or []]
        known = Known(known_texts)
        chunks: list[Chunk] = []
        for start, end in new_runs(copy.text, sentence_spans(copy.text), known):
            for c in chunk_text(copy.text[start:end], fits=wordpiece_fits(self.embeddings)):
                chunks.append(Chunk(c.text, len(chunks), start + c.start, start + c.end))
        return chunks

    def story_ledger(self) -> StoryLedger:
        """This store's stories (kept beside its chunks)."""
        if self._ledger is None or self._ledger[0] is not self._client:
            self._ledger = (self._client, StoryLedger(self._client, self.name, self.location))
        return self._ledger[1]

    def regroup(self, batch: int = 64) -> int:
        """Group every stored article anew, oldest first (a store from before stories, or
        after a reindex with another embedder); returns how many were grouped."""
        with self.writing():
            self.story_ledger()  # there, to be dropped
            self._client.delete_collection(ledger_name(self.name))
            self._ledger = None
            ledger = self.story_ledger()
            # originals first, oldest first; then copies' additions, each to its original's
            leads = sorted(self._leads(), key=lambda x: (bool(x[1]), x[0].date, x[0].article_id))
            for i in range(0, len(leads), batch):
                self._add_leads(ledger, leads[i : i + batch])
            ledger.mark_complete()  # only now: a regrouping killed before is done again
            return len(leads)

    def _leads(self) -> list[tuple[Lead, str]]:
        """Every stored article's lead, with the original it copies ("" if none); of an
        article updated by the run under way (its old chunks not removed yet), the new."""
        newest: dict[str, tuple[int, Lead, str]] = {}
        for found in self.pages(["documents", "metadatas"], where={"chunk_index": 0}):
            for doc, meta in zip(found["documents"] or [], found["metadatas"] or [], strict=True):
                meta = dict(meta or {})
                lead, run = lead_of(meta, str(doc or "")), int(meta.get(SEQ) or 0)
                if lead.article_id not in newest or run >= newest[lead.article_id][0]:
                    newest[lead.article_id] = (run, lead, str(meta.get(COPY_OF) or ""))
        return [(lead, original) for _, lead, original in newest.values()]

    def _copies(self, days: Sequence[int]) -> Copies:
        """The signatures of the stored articles a new article dated on one of ``days``
        may copy — those within ``COPY_DAYS`` of it, and the undated (an undated new one:
        all) — for copy detection. Kept while no other writer writes (a local store's, for
        the writer process; on a server, for a batch): each day is read once."""
        copies = self._copies_cache = self._copies_cache or Copies()
        if copies.everything:
            return copies
        if any(not d for d in days):
            copies.read(self._signatures({"chunk_index": 0}))
            copies.everything = True
            return copies
        wanted = days_around(days, COPY_DAYS)
        for group in day_groups(wanted - copies.days):
            numbers = [day_number(date.fromordinal(d).isoformat()) if d else 0 for d in group]
            copies.read(self._signatures({"$and": [{"chunk_index": 0}, {"day": {"$in": numbers}}]}))
        copies.days |= wanted
        return copies

    def _signatures(self, where: dict[str, Any]) -> dict[str, tuple[str, int]]:
        """The MinHash and day of every stored article ``where`` keeps (a first chunk's),
        by article id, read page by page (one ``get`` of more than ~32,000 articles is
        more than SQLite takes)."""
        return {
            str(m["article_id"]): (str(m["minhash"]), day_of(str(m.get("date") or "")))
            for found in self.pages(["metadatas"], where=where)
            for m in found["metadatas"] or []
            if m and m.get("minhash")
        }

    @store_errors
    def copies_of(self, article_id: str) -> list[dict[str, str]]:
        """The syndicated copies recorded on a stored article."""
        found = self._col.get(
            where={"$and": [{"article_id": article_id}, {"chunk_index": 0}]}, include=["metadatas"]
        )
        return also_at(dict((found["metadatas"] or [{}])[0] or {}))

    def record_copies(self, article_id: str, records: Sequence[dict[str, str]]) -> None:
        """Add copies to an article's ``also_at`` (each copy once; at most
        ``MAX_RECORDED`` in full, the rest counted)."""
        found = self._col.get(where={"article_id": article_id}, include=["metadatas"])
        if not found["ids"]:
            return
        metas = [dict(m or {}) for m in found["metadatas"] or []]
        first = next((m for m in metas if m.get("chunk_index") == 0), metas[0])
        fields = with_copies(first, list(records))
        keys = fields.pop("copy_keys")
        metadatas = [{**m, **fields, **({"copy_keys": keys} if m is first else {})} for m in metas]
        self._col.update(ids=found["ids"], metadatas=metadatas)

    @store_errors
    def remove(self, article_id: str) -> int:
        """Remove an article's chunks; returns how many were removed."""
        with self.writing():
            self._copies_cache = None  # a removed article is no original any more
            found = self._col.get(where={"article_id": article_id}, include=[])
            self._delete(found["ids"])
            self.story_ledger().remove([article_id])
            if found["ids"]:
                self._run_changed = True
            return len(found["ids"])

    @store_errors
    def state(self) -> StoreState:
        """The store as of its last finished write run (``changes``), read now."""
        fresh = self._current()
        self._meta = dict(fresh.metadata or {})
        return state_of(fresh)

    def start_run(self) -> None:
        """A write run begins (``OneWriter.writing``): it takes the next number. A run
        killed before it finished had the same one; what it stored is caught up with this."""
        self._run_seq = self.state().seq + 1
        self._run_changed = False
        self._run_stale = []
        self._run_chunks = RunChunks(self._run_seq)  # its chunks, kept for the chunk index
        self._ledger = None  # stories read afresh: another writer may have written since

    def finish_run(self) -> None:
        """A write run ends: if it changed anything (or a killed run with its number did),
        record it — a new revision, its number, the chunks now — once, then bring the chunk
        index up to it (readers would catch up by themselves; the writer saves them that).
        An updated article's old chunks are removed here, just before."""
        try:
            self._finish_run()
        finally:
            self._run_chunks = RunChunks(0, complete=False)  # let go of what it held

    def fail_run(self) -> None:
        """The run under way failed: what it stored is read back, not handed over (Chroma
        may hold a batch whose write raised)."""
        self._run_chunks.complete = False

    def _finish_run(self) -> None:
        stale, self._run_stale = self._run_stale, []
        self._delete(stale)
        if (
            not self._run_changed
            and not self._col.get(where={SEQ: self._run_seq}, limit=1, include=[])["ids"]
        ):
            return
        # Chroma replaces a collection's metadata whole: the rest is read first
        fresh = self._current()
        recorded = int((fresh.metadata or {}).get(SEQ, 0) or 0)
        self._meta = {
            **(fresh.metadata or {}),
            REVISION: uuid.uuid4().hex,
            SEQ: max(self._run_seq, recorded),  # never back (two writers through a server)
            CHUNKS: int(fresh.count()),
            **self.embedder_record(),
        }
        self._col.modify(metadata=self._meta)
        self._run_chunks.recorded(state_of(self._col).token)  # modify updated it in place
        self._run_changed = False
        self.note_current()  # its own run: this client holds it
        self.after_write()

    def _delete(self, ids: Sequence[str]) -> None:
        log_removals(self._client, self.name, str(self._col.id), ids, self._run_seq)
        self._run_chunks.removed(ids)
        for i in range(0, len(ids), self._max_batch):
            self._col.delete(ids=list(ids[i : i + self._max_batch]))

"""What changed in a store since a reader last looked: write runs numbered in order.

Every write run (an ingest, a feed batch, a removal) gets the next number, ``seq``: each
chunk it stores carries it in its metadata, each chunk it removes is logged with it in a
small second collection (``<name>.removed``), and when the run finishes the collection's
metadata records it with a new revision and the number of chunks. A reader that last saw
run S asks for runs S+1..now — the chunks they stored and the ids they removed — and
nothing else: the chunk index catches up with a write in what the write cost, on this
machine or on any other machine serving the same Chroma server.

Chunks written before stores numbered their runs carry no ``seq``: they are read by a
full build, never by a catch-up. A run killed before it finished leaves chunks numbered
with a run the metadata never recorded; the next run takes the same number, so they are
caught up with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .chroma import paged

SEQ = "seq"  # chunk metadata: the run that stored it; collection metadata: the last finished run
CHUNKS = "chunks"  # collection metadata: how many chunks the last finished run left
REVISION = "revision"  # collection metadata: a new token for every finished run that changed it
LOG_SUFFIX = ".removed"  # the collection logging removed chunk ids
# the log's run number: a key of its own, for Chroma's metadata index holds every
# collection's keys together and a range on "seq" would scan every chunk's too
LOGGED = "removed_in"
PAGE = 5000  # removals read at once


@dataclass(frozen=True, slots=True)
class StoreState:
    """A store as of its last finished write run, read in one go."""

    collection: str  # the collection's id (a reindex swaps in a new one)
    revision: str  # changes with every finished run that changed something
    seq: int  # the last finished run's number (0: none numbered yet)
    chunks: int | None  # the chunks it left (None: a store from before runs were numbered)

    @property
    def token(self) -> str:
        """What readers compare: another collection or another revision is a write."""
        return f"{self.collection}:{self.revision}"


def state_of(collection: Any) -> StoreState:
    """The ``StoreState`` of a Chroma collection (as just fetched)."""
    meta = dict(collection.metadata or {})
    chunks = meta.get(CHUNKS)
    return StoreState(
        collection=str(collection.id),
        revision=str(meta.get(REVISION, "")),
        seq=int(meta.get(SEQ, 0) or 0),
        chunks=int(chunks) if chunks is not None else None,
    )


def stored_after(after: int) -> dict[str, Any]:
    """Chroma's ``where`` for the chunks stored by runs after ``after`` (and by a run under
    way: ``finished`` drops those). One clause: a range of two (``$gt`` and ``$lte``) is
    evaluated clause by clause, and ``$lte`` the last run matches every stored chunk (1 s a
    read at a million chunks, against 0.1 s)."""
    return {SEQ: {"$gt": after}}


def finished(found: dict[str, Any], seq: int) -> dict[str, Any]:
    """A page of chunks without those of a run still under way (numbered after ``seq``)."""
    keep = [i for i, m in enumerate(found["metadatas"]) if int(m.get(SEQ, 0) or 0) <= seq]
    if len(keep) == len(found["ids"]):
        return found
    return {
        key: [found[key][i] for i in keep] if found.get(key) is not None else None
        for key in ("ids", "documents", "metadatas", "embeddings")
    }


def log_name(name: str) -> str:
    return name + LOG_SUFFIX


def log_removals(client: Any, name: str, collection_id: str, ids: Sequence[str], seq: int) -> None:
    """Log that run ``seq`` removed these chunks of the collection ``collection_id``."""
    if not ids:
        return
    log = client.get_or_create_collection(log_name(name), embedding_function=None)
    batch = max(1, int(client.get_max_batch_size()))
    for i in range(0, len(ids), batch):
        part = list(ids[i : i + batch])
        log.upsert(
            ids=[f"{seq}:{cid}" for cid in part],
            documents=part,
            metadatas=[{LOGGED: seq, "collection": collection_id} for _ in part],
            embeddings=[[1.0] for _ in part],  # the log is only read by its metadata
        )


def removed_between(client: Any, name: str, collection_id: str, after: int, upto: int) -> set[str]:
    """The chunk ids runs ``after+1 .. upto`` of the collection removed."""
    try:
        log = client.get_collection(log_name(name), embedding_function=None)
    except Exception:  # no run has removed anything yet (Chroma: NotFoundError)
        return set()
    where = {
        "$and": [
            {LOGGED: {"$gt": after}},
            {LOGGED: {"$lte": upto}},
            {"collection": collection_id},
        ]
    }
    pages = paged(
        lambda limit, offset: log.get(
            where=where, include=["documents"], limit=limit, offset=offset
        ),
        PAGE,
    )
    return {str(d) for found in pages for d in found["documents"] or []}

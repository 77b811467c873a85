"""Re-embedding a store with another model, without ever leaving it half-done.

The chunks are copied, with vectors from this process's model, into a second collection
(``<name>.reindex``); the original is untouched until every chunk is there. Then the two
are swapped by renaming (the original becomes ``<name>.old`` for the moment it takes and
is deleted). A reindex that is killed resumes where it stopped: chunks already copied are
skipped. A swap that is killed is finished by the next process that opens the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from .chroma import OLD, REINDEXING, store_errors
from .documents import indexed_text
from .store import ArticleStore

PAGE = 256  # chunks read, embedded and written at once


def reindex(
    store: ArticleStore,
    on_progress: Callable[[int, int], None] | None = None,
    progress: bool = False,
    page: int = PAGE,
) -> int:
    """Re-embed every chunk of ``store`` with its embedder, then group its articles into
    stories anew; returns the chunks embedded now (those a killed run had done are not
    embedded again). ``progress``: a bar."""
    from tqdm.auto import tqdm

    bar = tqdm(total=store.count(), unit="chunk", disable=not progress, dynamic_ncols=True)
    store.story_ledger().mark_complete(False)  # killed before the regroup: done at a write
    try:
        done = _reindex(store, on_progress, bar, page)
    finally:
        bar.close()
    store.regroup()  # the stories' leads, with the embedder the chunks have now
    return done


@store_errors  # Chroma's failures as a StoreError naming the store
def _reindex(
    store: ArticleStore, on_progress: Callable[[int, int], None] | None, bar: Any, page: int
) -> int:
    client, name, function = store.client, store.name, store.function()
    with store.writing():
        target = client.get_or_create_collection(
            name=name + REINDEXING,
            embedding_function=function,
            configuration={"hnsw": {"space": "cosine"}},
        )
        source = client.get_collection(name, embedding_function=function)
        total, done, embedded = source.count(), 0, 0
        seen: set[str] = set()
        for found in store.pages(["documents", "metadatas"], page):
            ids = list(found["ids"])
            seen.update(ids)
            copied = set(target.get(ids=ids, include=[])["ids"])
            todo = [i for i, cid in enumerate(ids) if cid not in copied]
            if todo:
                texts = [(found["documents"] or [])[i] or "" for i in todo]
                metas = [(found["metadatas"] or [])[i] or {} for i in todo]
                indexed = [
                    indexed_text(str(m.get("title", "")), t)
                    for m, t in zip(metas, texts, strict=True)
                ]
                target.upsert(
                    ids=[ids[i] for i in todo],
                    documents=texts,
                    metadatas=[(found["metadatas"] or [])[i] for i in todo],
                    embeddings=store.embeddings.embed_documents(indexed),
                )
                embedded += len(todo)
            done += len(ids)
            bar.update(len(ids))
            if on_progress:
                on_progress(done, total)
        stale = [cid for cid in _all_ids(target, page) if cid not in seen]
        if stale:  # chunks a killed run copied that have gone from the store since
            target.delete(ids=stale)
        meta = {k: v for k, v in (source.metadata or {}).items() if not k.startswith("embedder")}
        target.modify(metadata={**meta, **store.embedder_record(), "revision": uuid.uuid4().hex})
        _swap(client, name)
        store.reopen_collection()
    return embedded


def _all_ids(collection: Any, page: int) -> list[str]:
    """Every id of ``collection``, page by page (SQLite takes no more at once)."""
    ids: list[str] = []
    while found := collection.get(include=[], limit=page, offset=len(ids))["ids"]:
        ids.extend(found)
    return ids


def _swap(client: Any, name: str) -> None:
    """``<name>.reindex`` becomes ``<name>``; the original is renamed away, then deleted."""
    client.get_collection(name).modify(name=name + OLD)
    client.get_collection(name + REINDEXING).modify(name=name)
    client.delete_collection(name + OLD)

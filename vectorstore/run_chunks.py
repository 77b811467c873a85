"""What a write run stored, kept by the writer for its own chunk index update.

When a run finishes, the writer brings the chunk index up to it (``chunk_index``): that
needs the chunks the run stored — texts, metadata and vectors — which the writer has
just had in hand. Reading them back from Chroma costs what embedding them cost and more
at a million chunks (paged, filtered reads of the run's number), so the writer keeps
them and hands them over instead — only when they are exactly the run's: the run this
process recorded (its revision), that did not fail, of no more than ``AT_MOST`` chunks
(a bulk ingest reads its chunks back page by page, holding none), and whose ids are the
ids the store holds under the run's number (a killed run's chunks share it, and through
a Chroma server another writer's may). Chunks the run removed again are left out; a chunk
stored twice is handed over once, as last stored. The metadata is as stored: what a later
step of the run changed in it (the copies recorded on an original) is not the index's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

AT_MOST = 50_000  # chunks a run keeps in hand (~80 MB of vectors and texts); more: read back


class RunChunks:
    """The chunks one write run stored (and still stores), in the pages Chroma's ``get``
    gives: ids, documents, metadatas, embeddings."""

    def __init__(self, seq: int, complete: bool = True) -> None:
        self.seq = seq
        self.complete = complete  # False: too many, or the run failed
        self.token = ""  # the store's token once this process recorded the run
        self._pages: list[dict[str, Any]] = []
        self._removed: set[str] = set()
        self._count = 0

    def stored(
        self,
        ids: Sequence[str],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        embeddings: Any,
    ) -> None:
        """The run upserted these chunks."""
        self._removed.difference_update(ids)  # stored again after a removal
        if not self.complete:
            return
        self._count += len(ids)
        if self._count > AT_MOST:
            self.complete, self._pages = False, []
            return
        self._pages.append(
            {
                "ids": list(ids),
                "documents": list(documents),
                "metadatas": [dict(m) for m in metadatas],
                "embeddings": np.asarray(embeddings, dtype=np.float32),
            }
        )

    def removed(self, ids: Sequence[str]) -> None:
        """The run removed these chunks (stored by it or before)."""
        if self.complete:  # else nothing is handed over: nothing to leave out
            self._removed.update(ids)

    def recorded(self, token: str) -> None:
        """The run is recorded: the store's token now."""
        self.token = token

    def pages(self, after: int, upto: int, token: str) -> list[dict[str, Any]] | None:
        """What runs ``after+1 .. upto`` stored and still store, as of the store's ``token``,
        if that is this run, recorded by this process; None when it must be read back. The
        caller checks the ids against the store's (``ids``)."""
        if not self.complete or not self.token or token != self.token:
            return None
        if (after, upto) != (self.seq - 1, self.seq):
            return None
        return self._kept()

    def ids(self, pages: Iterable[dict[str, Any]]) -> set[str]:
        return {cid for page in pages for cid in page["ids"]}

    def _kept(self) -> list[dict[str, Any]]:
        """Each chunk stored and not removed since, once: where it was last stored."""
        last: dict[str, tuple[int, int]] = {}
        for p, page in enumerate(self._pages):
            for i, cid in enumerate(page["ids"]):
                last[cid] = (p, i)
        out = []
        for p, page in enumerate(self._pages):
            keep = [
                i
                for i, cid in enumerate(page["ids"])
                if cid not in self._removed and last[cid] == (p, i)
            ]
            if len(keep) == len(page["ids"]):
                out.append(page)
            elif keep:
                out.append(
                    {
                        "ids": [page["ids"][i] for i in keep],
                        "documents": [page["documents"][i] for i in keep],
                        "metadatas": [page["metadatas"][i] for i in keep],
                        "embeddings": page["embeddings"][keep],
                    }
                )
        return out

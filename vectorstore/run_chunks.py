"""What a write run stored, kept by the writer for its own chunk index update.

When a run finishes, the writer brings the chunk index up to it (``chunk_index``): that
needs the chunks the run stored — texts, metadata and vectors — which the writer has
just had in hand. Reading them back from Chroma costs what embedding them cost and more
at a million chunks (paged, filtered reads of the run's number), so the writer keeps
them here and hands them over instead. Only when they are exactly the run's: no chunk of
a killed run with the same number waiting in the store (``complete`` False), and no more
than ``AT_MOST`` of them (a bulk ingest reads its chunks back page by page, holding
none). Chunks the run removed again (an updated article's old ones) are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

AT_MOST = 50_000  # chunks a run keeps in hand (~80 MB of vectors and texts); more: read back


class RunChunks:
    """The chunks one write run stored (and still stores), in the pages Chroma's ``get``
    gives: ids, documents, metadatas, embeddings."""

    def __init__(self, seq: int, complete: bool = True) -> None:
        self.seq = seq
        self.complete = complete  # False: a killed run's chunks share the number, or too many
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
        self._removed.update(ids)

    def pages(self, after: int, upto: int) -> list[dict[str, Any]] | None:
        """What runs ``after+1 .. upto`` stored and still store, if that is exactly this
        run's chunks in hand; None when they must be read from the store."""
        if not self.complete or (after, upto) != (self.seq - 1, self.seq):
            return None
        return list(self._kept())

    def _kept(self) -> Iterator[dict[str, Any]]:
        for page in self._pages:
            keep = [i for i, cid in enumerate(page["ids"]) if cid not in self._removed]
            if len(keep) == len(page["ids"]):
                yield page
            elif keep:
                yield {
                    "ids": [page["ids"][i] for i in keep],
                    "documents": [page["documents"][i] for i in keep],
                    "metadatas": [page["metadatas"][i] for i in keep],
                    "embeddings": page["embeddings"][keep],
                }

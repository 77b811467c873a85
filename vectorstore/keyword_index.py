"""The keyword side of the chunk index: BM25 over the chunks' terms, in tantivy.

tantivy (the Rust search engine's official bindings) keeps the index in segments on
disk: a write adds a segment and marks the chunks it replaces deleted, a commit is atomic
(a process killed before it leaves the last commit as it was), readers reload to the
newest commit without reading the rest again, and it merges segments by itself in
bounded steps. A chunk is indexed as the same terms the product searches with
(``terms.terms``: stemmed, stop words out), split on spaces only, so tantivy analyses no
word its own way; its day and source are fields that filter the search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .terms import terms

WRITER_HEAP = 64_000_000  # bytes the writer buffers before it flushes a segment


@dataclass(frozen=True, slots=True)
class Scope:
    """Which chunks a search may return: published in ``day_from``..``day_to`` (day
    numbers, ``writes.day_number``; either may be open) by one of ``sources`` (any if
    empty); on the rows side, also only those stored after run ``seq_after``."""

    day_from: int | None = None
    day_to: int | None = None
    sources: tuple[str, ...] = ()
    seq_after: int | None = None  # only chunks stored by write runs after this one (rows only)
    articles: frozenset[str] = frozenset()  # only these articles' chunks (a story's)
    chunk_ids: frozenset[str] = frozenset()  # ... their ids, for the keyword side


@dataclass(frozen=True, slots=True)
class Entry:
    """One chunk as the keyword side indexes it."""

    id: str
    text: str  # what is indexed: ``documents.indexed_text`` (headline and chunk)
    day: int
    source: str


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic")
    return builder.build()


class KeywordIndex:
    """The chunks' BM25 index in ``folder`` (created there if it is not)."""

    def __init__(self, folder: Path) -> None:
        import tantivy

        self.folder = folder
        self._schema = _schema()
        folder.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self._schema, path=str(folder), reuse=True)

    def reload(self) -> None:
        """See the newest commit (by this process or another)."""
        self._index.reload()

    def __len__(self) -> int:
        return int(self._index.searcher().num_docs)

    def search(self, query: str, k: int, scope: Scope | None = None) -> list[tuple[str, float]]:
        """The ``k`` chunks with the best BM25 score for ``query`` within ``scope``, as
        (id, score), best first."""
        import tantivy

        wanted = list(dict.fromkeys(terms(query)))
        if not wanted or k <= 0:
            return []
        should = tantivy.Occur.Should
        words = tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(self._schema, "text", t)) for t in wanted]
        )
        musts = [words, *self._filters(scope)]
        query_ = (
            words
            if len(musts) == 1
            else tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in musts])
        )
        searcher = self._index.searcher()
        hits = searcher.search(query_, k, count=False).hits
        return [(str(searcher.doc(address)["id"][0]), float(score)) for score, address in hits]

    def _filters(self, scope: Scope | None) -> list[Any]:
        import tantivy

        if scope is None:
            return []
        found: list[Any] = []
        if scope.day_from is not None or scope.day_to is not None:
            found.append(
                tantivy.Query.range_query(
                    self._schema,
                    "day",
                    tantivy.FieldType.Integer,
                    scope.day_from if scope.day_from is not None else 0,
                    scope.day_to if scope.day_to is not None else 99_991_231,
                )
            )
        if scope.sources:
            found.append(tantivy.Query.term_set_query(self._schema, "source", list(scope.sources)))
        if scope.articles:
            found.append(tantivy.Query.term_set_query(self._schema, "id", sorted(scope.chunk_ids)))
        return found

    @contextmanager
    def writing(self) -> Iterator[KeywordWriter]:
        """One commit: what the block removes and adds is seen all together when it ends,
        or — if it fails, or the process dies first — none of it. The caller holds the
        chunk index's lock (one writer at a time)."""
        writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        try:
            yield KeywordWriter(writer)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # merges finish here, and the writer lock is freed
        self._index.reload()


class KeywordWriter:
    """Removing and adding chunks within one ``KeywordIndex.writing`` block."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def remove_all(self) -> None:
        self._writer.delete_all_documents()

    def remove(self, ids: Iterable[str]) -> None:
        for cid in ids:
            self._writer.delete_documents_by_term("id", cid)

    def add(self, entries: Iterable[Entry]) -> None:
        """Add chunks (remove any stored under the same ids first)."""
        import tantivy

        for e in entries:
            self._writer.add_document(
                tantivy.Document(id=e.id, text=" ".join(terms(e.text)), day=e.day, source=e.source)
            )

"""One writer, any number of readers, every one current: the part of ``ArticleStore`` that
keeps processes and threads consistent.

``writing()`` holds a lock file in a local store's folder for a write run (and a lock for
the threads of this process). A local Chroma client keeps its vector index in memory, as
it was when the client was opened: it still reads every chunk's text and metadata (and
misses removed ones), but it neither finds nor returns vectors written since. A writer
must be current, and reopens (``current()``); a reader does not — ``refresh()`` only
notes the new revision, and the retriever finds what the client lacks, the chunks stored
after ``client_seq``, in the chunk index (``qa.retrieval``), reopening only when that grows
large. A reindex that swapped in a new collection, or a store folder replaced, reopens any
client; a folder deleted under a running process is said.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from .chroma import DATABASE, WRITE_HOLDER, WRITE_WAIT_S, log, store_errors
from .errors import ReadOnlyError, StoreError

if TYPE_CHECKING:
    from .copies import Copies


class OneWriter:
    """Locking and catching up, for ``ArticleStore`` (which sets these attributes)."""

    location: str
    read_only: bool
    _path: Path | None
    _lock: FileLock | None
    _threads: threading.RLock
    _reopen_lock: threading.Lock
    _seen: str  # the revision this object last noticed
    _opened: str  # the revision its Chroma client was opened at (current with)
    _database: tuple[int, int] | None
    _copies_cache: Copies | None
    _col: Any
    _depth: int = 0  # how many ``writing()`` blocks this thread is in

    if TYPE_CHECKING:  # ArticleStore's own (and Writes')

        def _open(self) -> None: ...
        def revision(self) -> str: ...
        def reopen_collection(self) -> None: ...
        def _current(self) -> Any: ...
        def note_current(self) -> None: ...
        def start_run(self) -> None: ...
        def finish_run(self) -> None: ...
        def fail_run(self) -> None: ...

    @store_errors
    def refresh(self) -> bool:
        """Notice writes by other processes, as a reader: True when the store changed since
        this object last looked. The client is reopened only for a reindex in another
        process (a new collection) or a store created again in the folder; otherwise it
        stays as it is (see the module's docstring). A store folder deleted under a running
        process is a ``StoreError`` saying so."""
        if not self._threads.acquire(blocking=False):
            return False  # another thread is writing through this client: it is current
        try:
            if self._lock is not None and self._lock.is_locked:
                return False  # this thread is writing, and its client is current
            with self._reopen_lock:
                moved = self._check_folder()
                try:
                    fresh = self._current()
                except Exception:
                    fresh = None  # "Missing metadata segment": a store created again
                if not (moved or fresh is None or fresh.id != self._col.id):
                    now = self.revision()
                    changed, self._seen = now != self._seen, now
                    if self._path is None:  # a server's client is always current
                        self.note_current()
                    return changed
            return self._catch_up()
        finally:
            self._threads.release()

    @store_errors
    def current(self) -> bool:
        """Make this store's client current with every finished write (reopen it if any
        came since it was opened); True when it was reopened."""
        with self._threads:
            return self._catch_up()

    def _catch_up(self) -> bool:
        with self._reopen_lock:
            moved = self._check_folder()
            if self._path is None:  # a server is always current, but a reindex swaps
                if not moved and self._col.id == self._current().id:
                    return False
                self.reopen_collection()
                return True
            try:
                now = self.revision()
            except StoreError:
                # a client opened over a store created again in the same folder can lose
                # sight of its segments (Chroma: "Missing metadata segment"): open it anew
                self._open()
                now = self.revision()
            if now == self._opened and not moved:
                return False
            # a new client (see _open); searches already running finish on the old one,
            # which stays valid
            self._open()
            self.note_current()
            self._copies_cache = None  # others may have written
            return True

    def _database_file(self) -> tuple[int, int] | None:
        """Which file Chroma's database is (device, inode); None for a server or none."""
        if self._path is None:
            return None
        try:
            found = (self._path / DATABASE).stat()
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def _check_folder(self) -> bool:
        """Raise if the store's folder was deleted under this process; True if a new store
        stands in its place (it must be opened again)."""
        if self._path is None or self._database is None:
            return False
        now = self._database_file()
        if now is None:
            raise StoreError(
                f"the article store at {self.location} was deleted or moved while article-qa "
                "was running; add articles again (`article-qa ingest PATH`) and this process "
                "opens the new store by itself"
            )
        return now != self._database

    def check_writable(self) -> None:
        """A ``StoreError`` if this store can only be read."""
        if self.read_only:
            raise ReadOnlyError(
                f"the store at {self.location} is read-only: it can be searched, not written; "
                "ingest into a writable folder (ARTICLE_QA_STORE_DIR)"
            )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive write access to a local store for one run (an ingest, a removal): a
        lock file in the store folder, with its holder named beside it. A second writer
        waits (and says for whom) up to ``WRITE_WAIT_S``, then gives up with a StoreError.
        Re-entrant within one ``ArticleStore``: the outermost block is one write run
        (``Writes.start_run``), recorded once when it ends, so that readers catch up once
        per finished write, not once per batch of a long ingest."""
        self.check_writable()
        if not self._threads.acquire(timeout=WRITE_WAIT_S):
            raise StoreError(f"the store at {self.location} is busy writing; try again later")
        try:
            with self._file_lock():
                self._depth += 1
                try:
                    if self._depth == 1:
                        self.start_run()
                    yield
                except BaseException:
                    if self._depth == 1:  # what it wrote before failing is recorded
                        self.fail_run()
                        self._finish_quietly()
                    raise
                else:
                    if self._depth == 1:
                        self.finish_run()
                finally:
                    self._depth -= 1
        finally:
            self._threads.release()

    def _finish_quietly(self) -> None:
        """Record a failed run's writes; a failure to do so (the store itself failing) is
        logged, and the run's own error is the one raised."""
        try:
            self.finish_run()
        except Exception as exc:
            log.warning("article-qa: could not record the writes of a failed run (%s)", exc)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """The write lock file of a local store, for ``writing``."""
        if self._lock is None or self._path is None:  # a server: no lock file, others write
            self._catch_up()
            self._copies_cache = None
            yield
            return
        self._check_folder()  # before the lock file would create the folder again
        holder = self._path / WRITE_HOLDER
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            who = holder.read_text(encoding="utf-8") if holder.exists() else "another process"
            log.warning("article-qa: waiting for %s to finish writing %s", who, self.location)
            try:
                self._lock.acquire(timeout=WRITE_WAIT_S)
            except Timeout:
                raise StoreError(
                    f"the store at {self.location} is being written by {who}; try again when "
                    "it has finished"
                ) from None
        try:
            if self._lock.lock_counter == 1:
                holder.write_text(
                    f"pid {os.getpid()} ({' '.join(sys.argv)[:200]})", encoding="utf-8"
                )
                self._catch_up()  # another process may have written (or reindexed) since
            yield
        finally:
            if self._lock.lock_counter == 1:
                self.note_current()  # its own writes: this client is current
                holder.unlink(missing_ok=True)
            self._lock.release()

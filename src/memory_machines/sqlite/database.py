"""One SQLite file, one writer thread with group commit, a small pool of readers.

Durability: WAL with ``synchronous=FULL`` fsyncs the log on every commit. To make that affordable,
every write is a function submitted to a single writer thread, which runs all the writes waiting at
that moment in one transaction (each under its own savepoint, so one failing write does not sink
the others), commits once, and only then resolves each caller's future. Under load, one fsync
covers hundreds of requests; an idle system still commits each write at once.

Several processes may share the file (API and worker apart): SQLite's locking and a busy timeout
serialize their writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from memory_machines.errors import TransientError
from memory_machines.sqlite import schema

T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], Any]
log = logging.getLogger(__name__)

_MAX_BATCH = 2048
_BUSY_TIMEOUT_MS = 30_000
# Pages of 16 KiB (InnoDB's size) rather than SQLite's 4 KiB: a queued row is a few hundred
# bytes, so a commit of thousands of them writes a quarter as many WAL frames and checkpoint
# copies, and the trees are shallower. Measured (docs/benchmarks.md): NDJSON ingest +10-15%,
# the worker +7% with ordered log_ids and +17% with random ones; single-record ingest the same.
PAGE_SIZE = 16384


class DatabaseUnavailable(TransientError):
    """The SQLite file could not be written or read."""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    # Before anything creates the file; a database that already exists keeps its page size.
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class _Pending:
    __slots__ = ("error", "fn", "future", "loop", "one_statement", "result")

    def __init__(
        self,
        fn: WriteFn,
        future: asyncio.Future[Any],
        loop: asyncio.AbstractEventLoop,
        one_statement: Callable[[sqlite3.Connection], bool] | None = None,
    ):
        self.fn = fn
        self.future = future
        self.loop = loop
        self.one_statement = one_statement
        self.result: Any = None
        self.error: BaseException | None = None


class SqliteDatabase:
    """Shared by the SQLite queue and store of one process; ``open`` is idempotent."""

    def __init__(self, path: Path, *, readers: int = 2) -> None:
        self.path = Path(path)
        self._readers = readers
        self._writes: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._reader_pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._users = 0
        self.commits = 0
        self.committed_writes = 0
        # Wall time the writer spent on transactions, waits for the interpreter lock included:
        # its rate is how close the single writer is to being the bottleneck.
        self.busy_seconds = 0.0

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        with self._lock:
            self._users += 1
            if self._writer is not None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(self.path)
            schema.prepare(conn)
            self._writer = threading.Thread(
                target=self._write_loop, args=(conn,), name="sqlite-writer", daemon=True
            )
            self._writer.start()
            self._reader_pool = ThreadPoolExecutor(
                self._readers, thread_name_prefix="sqlite-reader"
            )

    def close(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0 or self._writer is None:
                return
            self._writes.put(None)
            self._writer.join(timeout=30)
            self._writer = None
            if self._reader_pool is not None:
                self._reader_pool.shutdown(wait=True)
                self._reader_pool = None
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    # -- writes ----------------------------------------------------------------------------
    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in the next group commit; return its result once durably committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.submit(fn, future)
        return await future

    def submit(
        self,
        fn: Callable[[sqlite3.Connection], T],
        future: asyncio.Future[T],
        *,
        one_statement: Callable[[sqlite3.Connection], bool] | None = None,
    ) -> None:
        """Queue ``fn`` for the next group commit; ``future`` gets its result once committed.

        For a write shared by many waiters, which each wait on a future of their own.
        ``one_statement``, asked by the writer just before it runs ``fn``, says whether ``fn``
        will run a single statement and nothing that can fail after it: such a write, when it
        is alone, is committed by SQLite on its own, without BEGIN and COMMIT (see
        ``_commit``)."""
        if self._writer is None:
            future.set_exception(DatabaseUnavailable("database is closed"))
            return
        self._writes.put(_Pending(fn, future, future.get_loop(), one_statement))

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        stopping = False
        while not stopping:
            first = self._writes.get()
            if first is None:
                break
            started = time.perf_counter()
            batch = [first]
            while len(batch) < _MAX_BATCH:
                try:
                    item = self._writes.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(conn, batch)
            self.busy_seconds += time.perf_counter() - started
        conn.close()

    def _commit(self, conn: sqlite3.Connection, batch: list[_Pending]) -> None:
        # A write alone (the usual case: concurrent callers share one write) needs no savepoint;
        # if it fails, the transaction is rolled back whole. A single statement alone needs no
        # transaction either: SQLite makes each statement atomic and, in autocommit, commits
        # (and with synchronous=FULL fsyncs) it as it ends. Under load each statement costs
        # the writer a wait for the GIL, so the fewer, the sooner the callers are answered.
        alone = len(batch) == 1
        try:
            first = batch[0]
            if alone and first.one_statement is not None and first.one_statement(conn):
                self._run_alone(conn, first)
            else:
                self._run_in_transaction(conn, batch, alone)
            self.committed_writes += len(batch)
        except sqlite3.Error as exc:
            log.error("sqlite commit failed", extra={"error": str(exc)})
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            failure = DatabaseUnavailable(f"database write failed: {exc}")
            for pending in batch:
                pending.error = failure
        # Resolve futures per event loop, in one hop per loop rather than one per write.
        by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
        for pending in batch:
            by_loop.setdefault(pending.loop, []).append(pending)
        for loop, items in by_loop.items():
            # RuntimeError: the loop is closed, so nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, items)

    def _run_alone(self, conn: sqlite3.Connection, pending: _Pending) -> None:
        """One statement in autocommit: it is committed when it returns, or undone when it fails.

        A failure of the statement is a failure of its commit too, so it goes to ``_commit``'s
        handler as a failed COMMIT does."""
        try:
            pending.result = pending.fn(conn)
        except sqlite3.Error:
            raise
        except Exception as exc:
            pending.error = exc
        else:
            self.commits += 1

    def _run_in_transaction(
        self, conn: sqlite3.Connection, batch: list[_Pending], alone: bool
    ) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for pending in batch:
            if not alone:
                conn.execute("SAVEPOINT w")
            try:
                pending.result = pending.fn(conn)
            except Exception as exc:
                conn.execute("ROLLBACK" if alone else "ROLLBACK TO w")
                pending.error = exc
            if not alone:
                conn.execute("RELEASE w")
        if conn.in_transaction:
            conn.execute("COMMIT")
            self.commits += 1

    # -- reads -----------------------------------------------------------------------------
    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on a reader connection in a thread; WAL lets reads run beside the writer."""
        if self._reader_pool is None:
            raise DatabaseUnavailable("database is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._reader_pool, self._read, fn)
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"database read failed: {exc}") from exc

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._reader_conns.append(conn)
        return fn(conn)


def _resolve(items: list[_Pending]) -> None:
    for pending in items:
        if pending.future.done():
            continue
        if pending.error is not None:
            pending.future.set_exception(pending.error)
        else:
            pending.future.set_result(pending.result)

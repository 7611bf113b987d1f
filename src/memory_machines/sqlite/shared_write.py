"""One write for many concurrent callers: what arrives while the writer is busy goes in together.

The group commit already shares one fsync between writes; this shares the write itself. Calls
that arrive before the writer thread takes the open batch join it, so under load one savepoint
and one pass over the rows carry every request (or completion) of the previous commit's
duration, instead of one savepoint, one future and one callback each.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from memory_machines.errors import MemoryMachinesError
from memory_machines.sqlite.database import DatabaseUnavailable, SqliteDatabase

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
# Writes the items of one batch; returns one result per item, in order.
BatchWrite = Callable[[sqlite3.Connection, list[ItemT]], list[ResultT]]


class SharedWrite(Generic[ItemT, ResultT]):
    """``await shared(item)`` returns ``write``'s result for that item once it is committed."""

    def __init__(
        self,
        db: SqliteDatabase,
        write: BatchWrite[ItemT, ResultT],
        unavailable: Callable[[str], MemoryMachinesError],
    ) -> None:
        self._db = db
        self._write = write
        self._unavailable = unavailable  # the caller's port error for a failed database
        self._open: _Batch[ItemT, ResultT] | None = None

    async def __call__(self, item: ItemT) -> ResultT:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[ResultT] = loop.create_future()
        batch = self._open
        if batch is None or not batch.add(item, waiter):
            batch = self._open = _Batch(self._write, item, waiter)
            # Handed to the writer on the next turn of the loop, so that the calls made in this
            # turn join it rather than each waiting for a commit of its own.
            loop.call_soon(self._submit, batch, loop)
        return await waiter

    def _submit(self, batch: _Batch[ItemT, ResultT], loop: asyncio.AbstractEventLoop) -> None:
        written: asyncio.Future[list[ResultT]] = loop.create_future()
        written.add_done_callback(lambda future: batch.settle(future, self._unavailable))
        self._db.submit(batch.run, written)


class _Batch(Generic[ItemT, ResultT]):
    """The items of concurrent calls and each call's own future (cancelling one call must not
    cancel the others' wait). Closed by the writer thread when it runs, so no item can join a
    write that already ran."""

    def __init__(
        self, write: BatchWrite[ItemT, ResultT], item: ItemT, waiter: asyncio.Future[ResultT]
    ) -> None:
        self.write = write
        self.items = [item]
        self.waiters = [waiter]
        self.closed = False
        self.lock = threading.Lock()

    def add(self, item: ItemT, waiter: asyncio.Future[ResultT]) -> bool:
        with self.lock:
            if self.closed:
                return False
            self.items.append(item)
            self.waiters.append(waiter)
            return True

    def run(self, conn: sqlite3.Connection) -> list[ResultT]:
        with self.lock:
            self.closed = True
        return self.write(conn, self.items)

    def settle(
        self,
        written: asyncio.Future[list[ResultT]],
        unavailable: Callable[[str], MemoryMachinesError],
    ) -> None:
        """Once the shared write is committed (or failed), answer every call of the batch."""
        error = written.exception()
        results = written.result() if error is None else []
        for index, waiter in enumerate(self.waiters):
            if waiter.done():  # that call was cancelled
                continue
            if error is None:
                waiter.set_result(results[index])
            elif isinstance(error, DatabaseUnavailable):
                waiter.set_exception(unavailable(error.message))
            else:
                waiter.set_exception(error)

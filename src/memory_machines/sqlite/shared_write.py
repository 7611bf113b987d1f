"""One write for many concurrent callers: what arrives while the writer is busy goes in together.

The group commit already shares one fsync between writes; this shares the write itself. Calls
that arrive before the writer thread takes the open batch join it, so under load one statement
and one pass over the rows carry every request (or completion) of the previous commit's
duration, instead of one savepoint, one future and one callback each.

A batch that holds half of the calls recently in flight is handed to the writer at once rather
than at the end of the loop's turn. Clients that each wait for their answer before sending again
(a fixed pool of connections) otherwise move in lockstep: the loop parses all their requests,
then idles while a single commit runs, then answers them all. Split in two, one half commits
while the loop parses the other.

A write may also say how much of it one batch should hold at most (for the queue's insert: the
messages of one statement). A call that would take the open batch past that hands the batch to
the writer and starts the next one.
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
# Whether the write of these items runs a single statement (see SqliteDatabase.submit).
OneStatement = Callable[[sqlite3.Connection, list[ItemT]], bool]
# How much of a batch's capacity an item takes (see SharedWrite's ``most``).
Weigh = Callable[[ItemT], int]

_NO_LIMIT = 1 << 62


class SharedWrite(Generic[ItemT, ResultT]):
    """``await shared(item)`` returns ``write``'s result for that item once it is committed."""

    def __init__(
        self,
        db: SqliteDatabase,
        write: BatchWrite[ItemT, ResultT],
        unavailable: Callable[[str], MemoryMachinesError],
        *,
        one_statement: OneStatement[ItemT] | None = None,
        weigh: Weigh[ItemT] | None = None,
        most: int = _NO_LIMIT,
    ) -> None:
        self._db = db
        self._write = write
        self._unavailable = unavailable  # the caller's port error for a failed database
        self._one_statement = one_statement
        self._weigh = weigh
        self._most = most  # what a batch holds at most, by ``weigh``; one item may weigh more
        self._open: _Batch[ItemT, ResultT] | None = None
        self._in_flight = InFlight()

    async def __call__(self, item: ItemT) -> ResultT:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[ResultT] = loop.create_future()
        in_flight = self._in_flight
        in_flight.enter(loop.time())
        weight = 0 if self._weigh is None else self._weigh(item)
        try:
            batch = self._open
            if batch is not None and batch.weight + weight > self._most:
                self._open = None  # full: to the writer now, and this call starts the next
                self._submit(batch, loop)
                batch = None
            if batch is None or not batch.add(item, waiter, weight):
                half = in_flight.recent_peak() // 2
                full_at = half if half >= 2 else _NO_LIMIT  # a first burst has no history
                batch = self._open = _Batch(self._write, item, waiter, full_at, weight)
                # Handed to the writer on the next turn of the loop, so that the calls made in
                # this turn join it rather than each waiting for a commit of its own.
                loop.call_soon(self._submit, batch, loop)
            elif len(batch.items) >= batch.full_at:
                self._open = None
                self._submit(batch, loop)
            return await waiter
        finally:
            in_flight.count -= 1

    def _submit(self, batch: _Batch[ItemT, ResultT], loop: asyncio.AbstractEventLoop) -> None:
        if batch.submitted:  # handed over early, when it was full
            return
        batch.submitted = True
        written: asyncio.Future[list[ResultT]] = loop.create_future()
        written.add_done_callback(lambda future: batch.settle(future, self._unavailable))
        check = self._one_statement
        self._db.submit(
            batch.run,
            written,
            one_statement=None if check is None else lambda conn: check(conn, batch.close()),
        )


class InFlight:
    """How many calls wait for a write now, and the most that waited at once lately (this
    second or the one before): what a batch's size is measured against."""

    __slots__ = ("_peak", "_previous_peak", "_second", "count")

    def __init__(self) -> None:
        self.count = 0
        self._peak = 0
        self._previous_peak = 0
        self._second = 0

    def enter(self, now: float) -> None:
        self.count += 1
        second = int(now)
        if second != self._second:
            self._previous_peak = self._peak if second == self._second + 1 else 0
            self._peak = 0
            self._second = second
        if self.count > self._peak:
            self._peak = self.count

    def recent_peak(self) -> int:
        return max(self._peak, self._previous_peak)


class _Batch(Generic[ItemT, ResultT]):
    """The items of concurrent calls and each call's own future (cancelling one call must not
    cancel the others' wait). Closed by the writer thread when it runs, so no item can join a
    write that already ran."""

    def __init__(
        self,
        write: BatchWrite[ItemT, ResultT],
        item: ItemT,
        waiter: asyncio.Future[ResultT],
        full_at: int,
        weight: int,
    ) -> None:
        self.write = write
        self.items = [item]
        self.waiters = [waiter]
        self.full_at = full_at
        self.weight = weight
        self.closed = False
        self.submitted = False
        self.lock = threading.Lock()

    def add(self, item: ItemT, waiter: asyncio.Future[ResultT], weight: int) -> bool:
        with self.lock:
            if self.closed:
                return False
            self.items.append(item)
            self.waiters.append(waiter)
            self.weight += weight
            return True

    def close(self) -> list[ItemT]:
        with self.lock:
            self.closed = True
        return self.items

    def run(self, conn: sqlite3.Connection) -> list[ResultT]:
        return self.write(conn, self.close())

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

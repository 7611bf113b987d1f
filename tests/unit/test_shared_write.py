"""One write for many callers: each gets its own result, a cancelled one takes nobody down."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from memory_machines.errors import QueueUnavailable
from memory_machines.sqlite.database import SqliteDatabase
from memory_machines.sqlite.shared_write import InFlight, SharedWrite


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "mm.db")
    database.open()
    await database.write(lambda conn: conn.execute("CREATE TABLE t (v INTEGER)"))
    yield database
    database.close()


def _insert_and_echo(conn: sqlite3.Connection, items: list[int]) -> list[int]:
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(item,) for item in items])
    return [item * 10 for item in items]


async def _count(db: SqliteDatabase) -> int:
    return int((await db.read(lambda conn: conn.execute("SELECT count(*) FROM t").fetchone()))[0])


async def test_concurrent_calls_share_one_write_and_each_gets_its_own_result(
    db: SqliteDatabase,
) -> None:
    shared = SharedWrite(db, _insert_and_echo, QueueUnavailable)
    writes_before = db.committed_writes
    results = await asyncio.gather(*(shared(n) for n in range(200)))
    assert results == [n * 10 for n in range(200)]
    assert await _count(db) == 200
    assert db.committed_writes - writes_before < 200 / 10, "calls of one loop turn share a write"


async def test_a_batch_holding_half_the_calls_lately_in_flight_goes_to_the_writer_at_once(
    db: SqliteDatabase,
) -> None:
    """Callers that each wait for their answer (a pool of connections) arrive together; split in
    two writes, one commits while the loop serves the other half."""
    shared = SharedWrite(db, _insert_and_echo, QueueUnavailable)
    writes = db.committed_writes
    await asyncio.gather(*(shared(n) for n in range(200)))
    assert db.committed_writes - writes == 1, "a first burst has nothing to measure against"
    writes = db.committed_writes
    results = await asyncio.gather(*(shared(n) for n in range(200, 400)))
    assert results == [n * 10 for n in range(200, 400)]
    assert db.committed_writes - writes == 2
    assert await _count(db) == 400


def test_the_calls_lately_in_flight_are_the_most_at_once_this_second_or_the_last() -> None:
    in_flight = InFlight()
    for _ in range(5):
        in_flight.enter(100.2)
    in_flight.count = 0  # all answered
    in_flight.enter(101.5)
    assert in_flight.recent_peak() == 5  # the second before still counts
    in_flight.count = 0
    in_flight.enter(102.1)
    assert in_flight.recent_peak() == 1  # 100.x is forgotten
    in_flight.count = 0
    in_flight.enter(104.0)  # after a quiet second, nothing is remembered
    assert in_flight.recent_peak() == 1


async def test_a_cancelled_caller_neither_loses_its_item_nor_cancels_the_others(
    db: SqliteDatabase,
) -> None:
    shared = SharedWrite(db, _insert_and_echo, QueueUnavailable)
    calls = [asyncio.ensure_future(shared(n)) for n in range(5)]
    await asyncio.sleep(0)  # every call has joined the batch
    calls[2].cancel()
    done = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(done[2], asyncio.CancelledError)
    assert [r for i, r in enumerate(done) if i != 2] == [0, 10, 30, 40]
    assert await _count(db) == 5  # the write was shared: the cancelled item went in too


async def test_a_failed_write_gives_every_caller_the_error_and_commits_none_of_it(
    db: SqliteDatabase,
) -> None:
    def fail_half_way(conn: sqlite3.Connection, items: list[int]) -> list[int]:
        conn.executemany("INSERT INTO t (v) VALUES (?)", [(item,) for item in items])
        raise sqlite3.OperationalError("disk I/O error")

    shared = SharedWrite(db, fail_half_way, QueueUnavailable)
    done = await asyncio.gather(*(shared(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(error, sqlite3.OperationalError) for error in done)
    assert await _count(db) == 0  # the batch's savepoint was rolled back


async def test_a_closed_database_is_the_callers_port_error(db: SqliteDatabase) -> None:
    shared = SharedWrite(db, _insert_and_echo, QueueUnavailable)
    db.close()
    with pytest.raises(QueueUnavailable):
        await shared(1)
    db.open()  # for the fixture's close


async def test_a_call_that_would_take_the_batch_past_its_most_starts_the_next_one(
    db: SqliteDatabase,
) -> None:
    """The queue's insert: a batch holds at most one statement's messages, so requests of
    many lines each go in a statement of their own rather than several in one transaction."""
    batches: list[list[int]] = []

    def write(conn: sqlite3.Connection, items: list[list[int]]) -> list[int]:
        batches.append([len(item) for item in items])
        return [sum(item) for item in items]

    shared = SharedWrite(db, write, QueueUnavailable, weigh=len, most=10)
    calls = [[1] * 4, [1] * 4, [1] * 4, [1] * 12, [1] * 1]
    results = await asyncio.gather(*(shared(call) for call in calls))
    assert results == [4, 4, 4, 12, 1]
    assert batches == [[4, 4], [4], [12], [1]]

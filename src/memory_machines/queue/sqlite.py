"""SQLite table queue: durable, at-least-once, with leases, attempts and dead letters.

A row is visible when ``available_at <= now``. Claiming a row sets ``available_at`` to the lease
expiry and counts an attempt, so a worker that dies simply lets the lease run out and the row
becomes visible again. A failed attempt pushes ``available_at`` out by the backoff delay; the last
allowed failure moves the row to ``dead_letters`` in the same transaction. ``complete`` stores the
document and deletes the row in one transaction, so a message is never both acked and unstored.

Every write is committed with fsync (WAL, ``synchronous=FULL``) before its call returns.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from memory_machines.errors import QueueUnavailable
from memory_machines.message import Delivery, Message, utc_now_iso
from memory_machines.metrics import Stat
from memory_machines.queue.base import DeadLetter, Queue
from memory_machines.settings import Settings
from memory_machines.sqlite.database import DatabaseUnavailable, SqliteDatabase
from memory_machines.sqlite.schema import MESSAGE_COLUMNS
from memory_machines.sqlite.shared_write import SharedWrite
from memory_machines.store.sqlite import SqliteStore, put_document

if TYPE_CHECKING:
    from memory_machines.document import Document
    from memory_machines.store.base import PutResult, Store

T = TypeVar("T")
_EXPIRED_ERROR = "lease expired: the worker stopped while processing"
# A message tuple binds as it is, its fields in order, as one row of a VALUES table; the select
# puts them in place, received_at (column7) doubling as enqueued_at, and makes the row visible
# from now on (unix seconds computed by SQLite, not bound per row).
_VALUES_COLUMNS = [f"column{n}" for n in range(1, len(Message._fields) + 1)]
_INSERT_SELECT = (
    f"INSERT INTO queue_messages ({', '.join(Message._fields)}, enqueued_at, available_at) "
    f"SELECT {', '.join(_VALUES_COLUMNS)}, "
    f"{_VALUES_COLUMNS[Message._fields.index('received_at')]}, "
    "(julianday('now') - 2440587.5) * 86400.0 FROM (VALUES "
)
_ROW = "(" + ", ".join("?" * len(Message._fields)) + ")"
_NO_ROW = (None,) * len(Message._fields)  # a row that pads a statement; the WHERE drops it


@functools.cache  # the sizes _statement_sizes gives: under a hundred
def _insert_rows(slots: int) -> str:
    """An INSERT of up to ``slots`` messages in one statement, bound as the messages' fields in
    a row; the slots left over are bound as NULL rows, which it skips.

    Plain ``?`` parameters: reusing a numbered one (``?7`` for enqueued_at) made SQLite search
    its parameter list once per row, and preparing a 1,024-row statement took 130 ms instead of
    8 (the same instructions per row once prepared)."""
    return _INSERT_SELECT + ", ".join([_ROW] * slots) + f") WHERE {_VALUES_COLUMNS[0]} NOT NULL"


# One statement steps once for all its rows, where ``executemany`` steps (and releases and retakes
# the GIL) once per row: half the writer's time per row. Under load the loop thread holds the GIL,
# so every statement also costs the writer a wait of up to the switch interval to get it back:
# the fewer statements a batch takes, the faster the writer. 1,024 rows per statement instead of
# 256 cut its time per row by a tenth (the same instructions per row); 2,048 and 4,096 did no
# better. A batch of up to 1,024 goes in one statement, so under load it is also committed
# without BEGIN and COMMIT (SqliteDatabase.submit): padding it to a multiple of 64 rows keeps
# the statements to prepare (and cache) under a hundred.
_MOST_ROWS = 1024
_ROUNDING = 64


def _statement_sizes(count: int, most: int) -> Iterator[tuple[int, int]]:
    """(messages, slots) of each INSERT of a batch of ``count``: statements of up to 1,024 and
    ``most`` (the library's variable limit, 999 before SQLite 3.32), the rest in one more, its
    slots rounded up to a multiple of 64 (below 64, exactly the messages)."""
    size = max(1, min(_MOST_ROWS, most))
    full, rest = divmod(count, size)
    yield from itertools.repeat((size, size), full)
    if rest:
        yield rest, rest if rest < _ROUNDING else min(size, -(-rest // _ROUNDING) * _ROUNDING)


_DELETE = "DELETE FROM queue_messages WHERE id = ? AND attempts = ?"
# Leases that ran out on a message's last allowed delivery (now, max_attempts): read through the
# index of leased rows, so the sweep costs what is in flight, not what is queued.
_SPENT_LEASES = "available_at <= ? AND lease_owner IS NOT NULL AND attempts >= ?"
_DEAD_COLUMNS = (
    f"{MESSAGE_COLUMNS}, attempts, last_error, dead_lettered_at, first_enqueued_at, history"
)


def _message(row: Sequence[Any]) -> Message:
    return Message(
        tenant_id=row[0],
        log_id=row[1],
        source=row[2],
        content_hash=row[3],
        correlation_id=row[4],
        schema_version=row[5],
        received_at=row[6],
        text=row[7],
    )


class SqliteQueue(Queue):
    def __init__(self, db: SqliteDatabase, *, max_attempts: int = 5) -> None:
        self.db = db
        self.max_attempts = max_attempts
        # Concurrent calls share one write (see SharedWrite): under load, one insert per commit
        # instead of one per request (committed without BEGIN and COMMIT when it is one
        # statement), one pass over completed messages.
        self._insert = SharedWrite(
            db,
            _insert_all,
            QueueUnavailable,
            one_statement=_insert_is_one_statement,
            weigh=len,
            most=_MOST_ROWS,  # one statement's worth: a big request goes in one of its own
        )
        self._store_and_ack = SharedWrite(db, _store_and_ack_all, QueueUnavailable)
        self._next_sweep_at = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> SqliteQueue:
        """Share the store's database when it is the same file: one writer, one transaction."""
        if isinstance(store, SqliteStore) and store.db.path == settings.sqlite_path:
            db = store.db
        else:
            db = SqliteDatabase(settings.sqlite_path)
        return cls(db, max_attempts=settings.max_attempts)

    async def start(self) -> None:
        self.db.open()

    async def close(self) -> None:
        self.db.close()

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await self.db.write(fn)
        except DatabaseUnavailable as exc:
            raise QueueUnavailable(exc.message) from exc

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await self.db.read(fn)
        except DatabaseUnavailable as exc:
            raise QueueUnavailable(exc.message) from exc

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Returns once the messages are committed; concurrent calls share one insert."""
        await self._insert(messages)

    async def claim(self, max_messages: int, lease_s: float, owner: str) -> list[Delivery]:
        def claim_rows(conn: sqlite3.Connection) -> list[Delivery]:
            now = time.time()
            rows = conn.execute(
                f"""
                UPDATE queue_messages
                SET attempts = attempts + 1, lease_owner = ?, available_at = ?,
                    history = json_insert(history, '$[#]',
                        json_object('attempt', attempts + 1, 'at', ?, 'owner', ?))
                WHERE id IN (
                    SELECT id FROM queue_messages WHERE available_at <= ? AND attempts < ?
                    ORDER BY available_at LIMIT ?)
                RETURNING {MESSAGE_COLUMNS}, attempts, id
                """,
                (owner, now + lease_s, utc_now_iso(), owner, now, self.max_attempts, max_messages),
            ).fetchall()
            # Spent messages are never claimed (above); moving them to the dead letters scans
            # the backlog, so it runs when the queue has run dry or at most once a second.
            if len(rows) < max_messages or now >= self._next_sweep_at:
                self._next_sweep_at = now + 1.0
                self._dead_letter_expired(conn, now)
            return [Delivery(_message(row), row[8], str(row[9])) for row in rows]

        return await self._write(claim_rows)

    def _dead_letter_expired(self, conn: sqlite3.Connection, now: float) -> None:
        """A message whose last allowed delivery's lease ran out killed its worker each time."""
        args = (now, self.max_attempts)
        if conn.execute(
            f"SELECT 1 FROM queue_messages WHERE {_SPENT_LEASES} LIMIT 1", args
        ).fetchone():
            conn.execute(
                f"INSERT INTO dead_letters ({_DEAD_COLUMNS}) SELECT {MESSAGE_COLUMNS}, attempts, "
                f"?, ?, enqueued_at, history FROM queue_messages WHERE {_SPENT_LEASES}",
                (_EXPIRED_ERROR, utc_now_iso(), *args),
            )
            conn.execute(f"DELETE FROM queue_messages WHERE {_SPENT_LEASES}", args)

    async def extend(self, deliveries: Sequence[Delivery], lease_s: float) -> None:
        if not deliveries:
            return
        until = time.time() + lease_s
        rows = [(until, int(d.handle), d.attempt) for d in deliveries]

        def extend_rows(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE queue_messages SET available_at = ? WHERE id = ? AND attempts = ?", rows
            )

        await self._write(extend_rows)

    async def ack(self, delivery: Delivery) -> None:
        await self._write(lambda conn: _delete(conn, delivery))

    async def complete(self, delivery: Delivery, document: Document, store: Store) -> PutResult:
        if not (isinstance(store, SqliteStore) and store.db is self.db):
            return await super().complete(delivery, document, store)

        return await self._store_and_ack((delivery, document))

    async def fail(self, delivery: Delivery, error: str, retry_delay_s: float) -> bool:
        handle, attempt = int(delivery.handle), delivery.attempt

        def record_failure(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE queue_messages SET lease_owner = NULL, available_at = ?, "
                "history = json_set(history, '$[#-1].error', ?) WHERE id = ? AND attempts = ?",
                (time.time() + retry_delay_s, error, handle, attempt),
            )
            if cur.rowcount == 0 or attempt < self.max_attempts:
                return False
            conn.execute(
                f"INSERT INTO dead_letters ({_DEAD_COLUMNS}) SELECT {MESSAGE_COLUMNS}, attempts, "
                "?, ?, enqueued_at, history FROM queue_messages WHERE id = ?",
                (error, utc_now_iso(), handle),
            )
            conn.execute("DELETE FROM queue_messages WHERE id = ?", (handle,))
            return True

        return await self._write(record_failure)

    async def release(self, deliveries: Sequence[Delivery]) -> None:
        if not deliveries:
            return
        now = time.time()
        rows = [(now, int(d.handle), d.attempt) for d in deliveries]

        def release_rows(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE queue_messages SET attempts = attempts - 1, lease_owner = NULL, "
                "available_at = ?, history = json_set(history, '$[#-1].released', json('true')) "
                "WHERE id = ? AND attempts = ?",
                rows,
            )

        await self._write(release_rows)

    def stats(self) -> tuple[Stat, ...]:
        db = self.db
        return (
            Stat(
                "sqlite_commits_total",
                "counter",
                "Transactions the SQLite writer committed, each with one fsync.",
                db.commits,
            ),
            Stat(
                "sqlite_writer_busy_seconds_total",
                "counter",
                "Seconds the single SQLite writer spent on transactions: its rate is the "
                "writer's utilisation, and near 1 the writer is the bottleneck.",
                db.busy_seconds,
            ),
        )

    async def depth(self) -> int:
        def count(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM queue_messages").fetchone()[0])

        return await self._read(count)

    async def next_visible_in(self) -> float | None:
        """Seconds until the next message becomes visible (None when the queue is empty)."""

        def query(conn: sqlite3.Connection) -> float | None:
            row = conn.execute("SELECT min(available_at) FROM queue_messages").fetchone()
            return None if row[0] is None else max(0.0, float(row[0]) - time.time())

        return await self._read(query)

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        def query(conn: sqlite3.Connection) -> list[DeadLetter]:
            rows = conn.execute(
                f"SELECT {_DEAD_COLUMNS}, id FROM dead_letters ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
            return [
                DeadLetter(
                    id=str(row[13]),
                    message=_message(row),
                    attempts=row[8],
                    last_error=row[9],
                    dead_lettered_at=row[10],
                    first_enqueued_at=row[11],
                    history=orjson.loads(row[12]),
                )
                for row in rows
            ]

        return await self._read(query)

    async def replay(self, dead_letter_id: str) -> bool:
        try:
            row_id = int(dead_letter_id)
        except ValueError:
            return False

        def move_back(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                f"INSERT INTO queue_messages ({MESSAGE_COLUMNS}, available_at, enqueued_at) "
                f"SELECT {MESSAGE_COLUMNS}, ?, ? FROM dead_letters WHERE id = ?",
                (time.time(), utc_now_iso(), row_id),
            )
            if cur.rowcount == 0:
                return False
            conn.execute("DELETE FROM dead_letters WHERE id = ?", (row_id,))
            return True

        return await self._write(move_back)


def _insert_sizes(conn: sqlite3.Connection, count: int) -> list[tuple[int, int]]:
    most = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(Message._fields)
    return list(_statement_sizes(count, most))


def _insert_all(conn: sqlite3.Connection, calls: list[Sequence[Message]]) -> list[None]:
    messages = list(itertools.chain.from_iterable(calls))
    at = 0
    for size, slots in _insert_sizes(conn, len(messages)):
        params: list[str | None] = list(itertools.chain.from_iterable(messages[at : at + size]))
        if slots > size:
            params += _NO_ROW * (slots - size)
        conn.execute(_insert_rows(slots), params)
        at += size
    return [None] * len(calls)


def _insert_is_one_statement(conn: sqlite3.Connection, calls: list[Sequence[Message]]) -> bool:
    return len(_insert_sizes(conn, sum(map(len, calls)))) == 1


def _store_and_ack_all(
    conn: sqlite3.Connection, completions: list[tuple[Delivery, Document]]
) -> list[PutResult]:
    """Store each document and delete its queue row, in the one transaction of the write."""
    results = [put_document(conn, document) for _, document in completions]
    conn.executemany(_DELETE, [_row_key(delivery) for delivery, _ in completions])
    return results


def _row_key(delivery: Delivery) -> tuple[int, int]:
    """The row and the attempt a delivery holds: a stale delivery matches no row."""
    return int(delivery.handle), delivery.attempt


def _delete(conn: sqlite3.Connection, delivery: Delivery) -> None:
    conn.execute(_DELETE, _row_key(delivery))

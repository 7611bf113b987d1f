"""The embedded database: durable on return, group commit, one bad write sinks no other."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memory_machines.message import Message
from memory_machines.queue.sqlite import SqliteQueue
from memory_machines.sqlite.database import DatabaseUnavailable, SqliteDatabase
from memory_machines.sqlite.schema import DOCUMENT_COLUMNS
from memory_machines.store.base import PutResult
from memory_machines.store.sqlite import SqliteStore, put_document
from tests.factories import make_document, make_message


async def test_settings_make_every_commit_fsync_the_write_ahead_log(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "mm.db")
    db.open()
    try:
        mode, sync = await db.write(
            lambda c: (
                c.execute("PRAGMA journal_mode").fetchone()[0],
                c.execute("PRAGMA synchronous").fetchone()[0],
            )
        )
        assert (mode, sync) == ("wal", 2)  # 2 = FULL
    finally:
        db.close()


async def test_a_new_database_uses_16_kib_pages_and_an_existing_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    """Large pages are chosen when the file is created; a file made with SQLite's default
    4 KiB pages (an earlier release's) still opens, takes messages and keeps its page size."""
    new = SqliteQueue(SqliteDatabase(tmp_path / "new.db"))
    await new.start()
    try:
        await new.enqueue([make_message()])
        assert await new.db.write(lambda c: c.execute("PRAGMA page_size").fetchone()[0]) == 16384
    finally:
        await new.close()

    old_path = tmp_path / "old.db"
    with sqlite3.connect(old_path) as conn:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE earlier (x)")
    conn.close()
    old = SqliteQueue(SqliteDatabase(old_path))
    await old.start()
    try:
        await old.enqueue([make_message(text=f"m{i}") for i in range(50)])
        assert await old.depth() == 50
        assert await old.db.write(lambda c: c.execute("PRAGMA page_size").fetchone()[0]) == 4096
    finally:
        await old.close()


async def test_concurrent_writes_share_commits(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "mm.db")
    queue = SqliteQueue(db)
    await queue.start()
    try:
        await asyncio.gather(*(queue.enqueue([make_message()]) for _ in range(500)))
        assert await queue.depth() == 500
        assert db.commits < 500, "500 concurrent enqueues should need fewer than 500 commits"
        assert db.committed_writes < 500, "enqueues waiting together should share one insert"
    finally:
        await queue.close()


async def test_the_queue_reports_the_writers_commits_and_busy_time(tmp_path: Path) -> None:
    """/metrics shows how hard the single writer works: commits, and seconds spent on them."""
    db = SqliteDatabase(tmp_path / "mm.db")
    queue = SqliteQueue(db)
    await queue.start()
    try:
        before = {stat.name: stat.value for stat in queue.stats()}
        for _ in range(3):  # one after the other: three commits
            await queue.enqueue([make_message()])
        after = {stat.name: stat.value for stat in queue.stats()}
        assert after["sqlite_commits_total"] - before["sqlite_commits_total"] == 3
        busy = (
            after["sqlite_writer_busy_seconds_total"] - before["sqlite_writer_busy_seconds_total"]
        )
        assert busy > 0  # three commits with an fsync each took some time
        assert all(stat.kind == "counter" and stat.help for stat in queue.stats())
    finally:
        await queue.close()


async def test_a_failing_write_alone_leaves_nothing_behind(tmp_path: Path) -> None:
    """A write alone in its transaction runs without a savepoint: its failure undoes it whole."""
    db = SqliteDatabase(tmp_path / "mm.db")
    db.open()
    try:
        await db.write(lambda c: c.execute("CREATE TABLE t (v INTEGER)"))

        def half_then_fail(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO t VALUES (1)")
            raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            await db.write(half_then_fail)
        await db.write(lambda c: c.execute("INSERT INTO t VALUES (2)"))
        rows = await db.read(lambda c: c.execute("SELECT v FROM t").fetchall())
        assert rows == [(2,)]
    finally:
        db.close()


async def test_a_failing_write_does_not_sink_the_others_in_its_batch(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "mm.db")
    db.open()
    try:
        await db.write(lambda c: c.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)"))

        results = await asyncio.gather(
            db.write(lambda c: c.execute("INSERT INTO t VALUES (1)")),
            db.write(lambda c: c.execute("INSERT INTO t VALUES (1)")),  # duplicate key
            db.write(lambda c: c.execute("INSERT INTO t VALUES (2)")),
            return_exceptions=True,
        )
        assert sum(isinstance(r, sqlite3.IntegrityError) for r in results) == 1
        count = await db.read(lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0])
        assert count == 2
    finally:
        db.close()


async def test_a_single_statement_alone_is_committed_by_sqlite_without_a_transaction(
    tmp_path: Path,
) -> None:
    """Two statements fewer per commit; still durable on return, still all or nothing."""
    path = tmp_path / "mm.db"
    db = SqliteDatabase(path)
    db.open()
    loop = asyncio.get_running_loop()
    in_transaction: list[bool] = []

    async def insert(value: int) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            in_transaction.append(conn.in_transaction)
            conn.execute("INSERT INTO t VALUES (?)", (value,))

        future: asyncio.Future[None] = loop.create_future()
        db.submit(fn, future, one_statement=lambda conn: True)
        await future

    try:
        await db.write(lambda c: c.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        commits = db.commits
        await insert(1)
        assert in_transaction == [False]
        assert db.commits == commits + 1
        with pytest.raises(DatabaseUnavailable):  # the statement fails: nothing of it stays
            await insert(1)
    finally:
        db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]


async def test_committed_messages_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mm.db"
    first = SqliteQueue(SqliteDatabase(path))
    await first.start()
    await first.enqueue([make_message(text=f"m{i}") for i in range(10)])
    await first.close()

    second = SqliteQueue(SqliteDatabase(path))
    await second.start()
    try:
        assert await second.depth() == 10
    finally:
        await second.close()


async def test_a_closed_database_refuses_writes(tmp_path: Path) -> None:
    from memory_machines.errors import QueueUnavailable

    queue = SqliteQueue(SqliteDatabase(tmp_path / "mm.db"))
    await queue.start()
    await queue.close()
    with pytest.raises(QueueUnavailable):
        await queue.enqueue([make_message()])


def test_insert_columns_follow_the_message_fields() -> None:
    """A message binds as it is (its fields in order): the column list must match."""
    from memory_machines.queue.sqlite import _insert_rows

    columns = _insert_rows(1).split("(")[1].split(")")[0].replace(" ", "").split(",")
    assert columns == [*Message._fields, "enqueued_at", "available_at"]


async def test_a_queued_row_holds_the_message_as_it_was_enqueued(tmp_path: Path) -> None:
    """Each field lands in its column; enqueued_at is received_at; the row is visible now."""
    db = SqliteDatabase(tmp_path / "mm.db")
    queue = SqliteQueue(db)
    await queue.start()
    try:
        messages = [make_message() for _ in range(3)]
        await queue.enqueue(messages)
        fields = ", ".join(Message._fields)
        rows = await db.read(
            lambda conn: conn.execute(
                f"SELECT {fields}, enqueued_at, available_at, attempts FROM queue_messages "
                "ORDER BY id"
            ).fetchall()
        )
        for message, row in zip(messages, rows, strict=True):
            assert tuple(row[:8]) == tuple(message)
            assert row[8] == message.received_at
            assert abs(row[9] - time.time()) < 60 and row[10] == 0
    finally:
        await queue.close()


@given(count=st.integers(0, 20_000), most=st.integers(1, 5_000))
def test_a_batch_takes_few_statements_each_within_the_variable_limit(count: int, most: int) -> None:
    """Every message in exactly one statement, none over the limit, as few statements as the
    limit allows (each costs the writer a wait for the interpreter lock), and few distinct
    statement sizes to prepare."""
    from memory_machines.queue.sqlite import _statement_sizes

    sizes = list(_statement_sizes(count, most))
    largest = min(1024, most)
    assert sum(rows for rows, _ in sizes) == count
    assert all(0 < rows <= slots <= largest for rows, slots in sizes)
    assert len(sizes) == -(-count // largest)
    slots = {slots for _, slots in sizes}
    assert all(s < 64 or s % 64 == 0 or s == largest for s in slots)


async def test_a_statement_padded_with_empty_rows_inserts_only_the_messages(
    tmp_path: Path,
) -> None:
    """100 messages go in a statement of 128 rows: the 28 padding rows leave nothing behind."""
    queue = SqliteQueue(SqliteDatabase(tmp_path / "mm.db"))
    await queue.start()
    try:
        messages = [make_message(text=f"m{i}") for i in range(100)]
        await queue.enqueue(messages)
        assert await queue.depth() == 100
        stored = await queue.db.write(
            lambda c: c.execute("SELECT log_id FROM queue_messages ORDER BY id").fetchall()
        )
        assert [row[0] for row in stored] == [m.log_id for m in messages]
    finally:
        await queue.close()


def test_document_columns_follow_the_document_fields() -> None:
    """A document binds as its fields in order (redactions encoded): the columns must match."""
    from memory_machines.document import Document

    assert DOCUMENT_COLUMNS.replace(" ", "").split(",") == list(Document._fields)


@pytest.mark.parametrize("variable_limit", [999, 32766])
async def test_big_batches_go_in_whole_within_the_librarys_variable_limit(
    tmp_path: Path, variable_limit: int
) -> None:
    """SQLite before 3.32 allows 999 bound variables, later ones 32,766: a batch of every chunk
    size and a remainder must go in whole, each message once, under either."""
    db = SqliteDatabase(tmp_path / "mm.db")
    queue = SqliteQueue(db)
    await queue.start()
    try:
        await db.write(
            lambda conn: conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variable_limit)
        )
        messages = [make_message() for _ in range(1024 + 256 + 64 + 16 + 4 + 3)]
        await queue.enqueue(messages)
        assert await queue.depth() == len(messages)
        log_ids = await db.read(
            lambda conn: [row[0] for row in conn.execute("SELECT log_id FROM queue_messages")]
        )
        assert sorted(log_ids) == sorted(m.log_id for m in messages)
    finally:
        await queue.close()


# The documents table as an earlier release made it: in the key's order, without rowids.
_EARLIER_DOCUMENTS = """
CREATE TABLE processed_logs (
    tenant_id TEXT NOT NULL, log_id TEXT NOT NULL, source TEXT NOT NULL,
    original_text TEXT NOT NULL, modified_data TEXT NOT NULL, processed_at TEXT NOT NULL,
    content_hash TEXT NOT NULL, correlation_id TEXT NOT NULL, received_at TEXT NOT NULL,
    delivery_attempt INTEGER NOT NULL, processing_ms REAL NOT NULL, redactions TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    PRIMARY KEY (tenant_id, log_id)
) WITHOUT ROWID;
CREATE INDEX processed_logs_newest ON processed_logs (tenant_id, processed_at DESC, log_id DESC);
"""


def _documents_layout(path: Path) -> tuple[str, list[str]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        table = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'processed_logs'"
        ).fetchone()[0]
        indexes = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'processed_logs' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    return table, [name for (name,) in indexes]


async def test_a_new_file_keeps_documents_in_a_rowid_table_under_a_unique_tenant_key(
    tmp_path: Path,
) -> None:
    store = SqliteStore(SqliteDatabase(tmp_path / "mm.db"))
    await store.start()
    await store.close()
    table, indexes = _documents_layout(tmp_path / "mm.db")
    assert "WITHOUT ROWID" not in table.upper()
    assert indexes == ["processed_logs_key", "processed_logs_newest"]
    with contextlib.closing(sqlite3.connect(tmp_path / "mm.db")) as conn:
        key = conn.execute("PRAGMA index_info(processed_logs_key)").fetchall()
        unique = conn.execute("PRAGMA index_list(processed_logs)").fetchall()
    assert [column for _, _, column in key] == ["tenant_id", "log_id"]
    assert ("processed_logs_key", 1) in [(row[1], row[2]) for row in unique]


async def test_an_earlier_releases_documents_move_to_the_rowid_table_once_and_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every document, byte for byte and in the order stored; duplicates still detected."""
    path = tmp_path / "mm.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(_EARLIER_DOCUMENTS)
    documents = [
        make_document(tenant_id=f"t{n % 3}", log_id=f"log-{(n * 7919) % 50:03d}", text=f"x{n}")
        for n in range(50)
    ]
    with contextlib.closing(sqlite3.connect(path)) as conn:  # as the earlier release stored them
        for document in documents:
            put_document(conn, document)
        conn.commit()
        before = conn.execute(f"SELECT {DOCUMENT_COLUMNS} FROM processed_logs").fetchall()

    for opening in range(2):  # the second opening finds nothing to move
        caplog.clear()
        store = SqliteStore(SqliteDatabase(path))
        with caplog.at_level("WARNING", logger="memory_machines.sqlite.schema"):
            await store.start()
        moved = [r.getMessage() for r in caplog.records if "rowid table" in r.getMessage()]
        assert moved == (["moving 50 stored documents to the rowid table, once"], [])[opening]
        try:
            assert await store.put(documents[0]) is PutResult.DUPLICATE
            assert await store.get("t1", "log-033") is not None
        finally:
            await store.close()
        table, indexes = _documents_layout(path)
        assert "WITHOUT ROWID" not in table.upper()
        assert indexes == ["processed_logs_key", "processed_logs_newest"]
        with contextlib.closing(sqlite3.connect(path)) as conn:
            after = conn.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM processed_logs ORDER BY rowid"
            ).fetchall()
            assert conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE '%rowid%'"
            ).fetchone() == (0,)
        assert sorted(after) == sorted(before)
        assert [row[5] for row in after] == sorted(row[5] for row in before)  # processed_at


def _query_plan(sql: str, params: list[object]) -> list[str]:
    """The steps SQLite plans for `sql` on the schema as the service creates it."""
    from memory_machines.sqlite import schema

    with contextlib.closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        schema.prepare(conn)
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def test_the_duplicate_check_searches_the_key_index_per_key_and_never_reads_the_table() -> None:
    """It runs for every claimed batch: a scan would grow with the store."""
    from memory_machines.store.sqlite import _stored_hashes_query

    plan = _query_plan(_stored_hashes_query(3), ["t"] * 6)
    assert "SEARCH d USING INDEX processed_logs_key (tenant_id=? AND log_id=?)" in plan
    assert "SCAN d" not in plan


def test_the_expired_lease_sweep_reads_the_leased_rows_only() -> None:
    """It runs once a second under load: read through the backlog, it took 150 ms at 500,000."""
    from memory_machines.queue.sqlite import _SPENT_LEASES

    for statement in ("SELECT 1 FROM", "DELETE FROM"):
        plan = _query_plan(f"{statement} queue_messages WHERE {_SPENT_LEASES}", [0.0, 5])
        assert plan == ["SEARCH queue_messages USING INDEX queue_messages_leased (available_at<?)"]


def test_two_openers_of_an_earlier_releases_file_move_its_documents_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As an API and a worker process starting together: SQLite's write lock lets one move
    the documents; the other, waiting on it, then finds the new table and moves nothing."""
    import threading

    from memory_machines.sqlite import schema
    from memory_machines.sqlite.database import connect

    path = tmp_path / "mm.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(_EARLIER_DOCUMENTS)
        for n in range(2000):
            put_document(conn, make_document(log_id=f"log-{n:05d}", text=f"text {n}"))
        conn.commit()

    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def open_file() -> None:
        conn = connect(path)
        try:
            start.wait()
            schema.prepare(conn)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    with caplog.at_level("WARNING", logger="memory_machines.sqlite.schema"):
        openers = [threading.Thread(target=open_file) for _ in range(2)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(timeout=60)
    assert errors == []
    assert [r.getMessage() for r in caplog.records if "rowid table" in r.getMessage()] == [
        "moving 2000 stored documents to the rowid table, once"
    ]
    table, indexes = _documents_layout(path)
    assert "WITHOUT ROWID" not in table.upper()
    assert indexes == ["processed_logs_key", "processed_logs_newest"]
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM processed_logs").fetchone() == (2000,)

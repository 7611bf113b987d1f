"""The embedded schema: queue, dead letters and documents in one file.

Documents are keyed by tenant first (a unique index on ``(tenant_id, log_id)``) so every lookup
and listing is a range scan inside one tenant's partition of the index.

The documents themselves sit in a rowid table, in the order they were stored, and only the
narrow key index takes each log_id in its place. An earlier release kept them in the key's
order (``WITHOUT ROWID``): random log_ids (UUIDv4, as many clients send) then landed each
document, text and all, on its own page of the table, and every commit rewrote hundreds of
16 KiB pages; the worker stored 4,200-4,600 documents a second that way against 6,600-6,800
now, ordered log_ids 2-5% faster too. `prepare` moves such a file's documents over once.
"""

import logging
import sqlite3

log = logging.getLogger(__name__)

_QUEUE_TABLES = """
CREATE TABLE IF NOT EXISTS queue_messages (
    id             INTEGER PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    log_id         TEXT NOT NULL,
    source         TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    text           TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    available_at   REAL NOT NULL,          -- unix seconds; while leased, the lease expiry
    lease_owner    TEXT,
    enqueued_at    TEXT NOT NULL,
    history        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS queue_messages_available ON queue_messages (available_at);
-- The rows under a lease: the messages in flight, and those whose worker died. Finding the
-- expired ones reads only these, not the backlog (150 ms at 500,000 queued, once a second).
CREATE INDEX IF NOT EXISTS queue_messages_leased ON queue_messages (available_at)
    WHERE lease_owner IS NOT NULL;

CREATE TABLE IF NOT EXISTS dead_letters (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    log_id            TEXT NOT NULL,
    source            TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    correlation_id    TEXT NOT NULL,
    schema_version    TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    text              TEXT NOT NULL,
    attempts          INTEGER NOT NULL,
    last_error        TEXT NOT NULL,
    dead_lettered_at  TEXT NOT NULL,
    first_enqueued_at TEXT NOT NULL,
    history           TEXT NOT NULL DEFAULT '[]'
);
"""

DOCUMENT_COLUMNS = (
    "tenant_id, log_id, source, original_text, modified_data, processed_at, content_hash, "
    "correlation_id, received_at, delivery_attempt, processing_ms, redactions, schema_version"
)
_DOCUMENTS_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    tenant_id        TEXT NOT NULL,
    log_id           TEXT NOT NULL,
    source           TEXT NOT NULL,
    original_text    TEXT NOT NULL,
    modified_data    TEXT NOT NULL,
    processed_at     TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    correlation_id   TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    delivery_attempt INTEGER NOT NULL,
    processing_ms    REAL NOT NULL,
    redactions       TEXT NOT NULL,
    schema_version   TEXT NOT NULL
)"""
_DOCUMENTS_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS processed_logs_key ON processed_logs (tenant_id, log_id)",
    "CREATE INDEX IF NOT EXISTS processed_logs_newest "
    "ON processed_logs (tenant_id, processed_at DESC, log_id DESC)",
)
_MIGRATION = (
    _DOCUMENTS_TABLE.format(name="processed_logs_rowid"),
    f"INSERT INTO processed_logs_rowid ({DOCUMENT_COLUMNS}) "
    f"SELECT {DOCUMENT_COLUMNS} FROM processed_logs ORDER BY processed_at",
    "DROP TABLE processed_logs",  # and its indexes
    "ALTER TABLE processed_logs_rowid RENAME TO processed_logs",
    *_DOCUMENTS_INDEXES,
)
SCHEMA = ";\n".join(
    (
        _QUEUE_TABLES.strip().removesuffix(";"),
        _DOCUMENTS_TABLE.format(name="processed_logs"),
        *_DOCUMENTS_INDEXES,
    )
)

MESSAGE_COLUMNS = (
    "tenant_id, log_id, source, content_hash, correlation_id, schema_version, received_at, text"
)


def prepare(conn: sqlite3.Connection) -> None:
    """Create what is missing, first moving the documents of an earlier release's file into
    the rowid table: in one transaction, so no process ever sees the table without its key."""
    conn.execute("BEGIN IMMEDIATE")  # two processes opening an old file: one moves, once
    try:
        row = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'processed_logs'"
        ).fetchone()
        if row is not None and "WITHOUT ROWID" in row[0].upper():
            count = conn.execute("SELECT count(*) FROM processed_logs").fetchone()[0]
            log.warning("moving %d stored documents to the rowid table, once", count)
            for statement in _MIGRATION:
                conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.executescript(SCHEMA)

"""The embedded schema: queue, dead letters and documents in one file.

Documents are keyed by tenant first (``PRIMARY KEY (tenant_id, log_id)``) so every lookup and
listing is a range scan inside one tenant's partition of the index.
"""

SCHEMA = """
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

CREATE TABLE IF NOT EXISTS processed_logs (
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
    schema_version   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, log_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS processed_logs_newest
    ON processed_logs (tenant_id, processed_at DESC, log_id DESC);
"""

MESSAGE_COLUMNS = (
    "tenant_id, log_id, source, content_hash, correlation_id, schema_version, received_at, text"
)

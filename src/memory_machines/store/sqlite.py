"""SQLite store: documents in the embedded database, keyed by tenant first (see ``schema``).

Writes go through the database's group commit (durable on return); ``put`` is a single
``INSERT ... ON CONFLICT DO UPDATE ... WHERE content differs`` so a duplicate can never race a
replace.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, TypeVar

import orjson

from memory_machines.document import Document
from memory_machines.errors import StoreUnavailable
from memory_machines.settings import Settings
from memory_machines.sqlite.database import DatabaseUnavailable, SqliteDatabase
from memory_machines.sqlite.schema import DOCUMENT_COLUMNS
from memory_machines.store.base import PutResult, Store

T = TypeVar("T")

_UPSERT = f"""
INSERT INTO processed_logs ({DOCUMENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, log_id) DO UPDATE SET
    source = excluded.source, original_text = excluded.original_text,
    modified_data = excluded.modified_data, processed_at = excluded.processed_at,
    content_hash = excluded.content_hash, correlation_id = excluded.correlation_id,
    received_at = excluded.received_at, delivery_attempt = excluded.delivery_attempt,
    processing_ms = excluded.processing_ms, redactions = excluded.redactions,
    schema_version = excluded.schema_version
WHERE processed_logs.content_hash != excluded.content_hash
"""


@functools.cache  # one per batch size up to 500
def _stored_hashes_query(keys: int) -> str:
    """The stored hash of each of ``keys`` (tenant_id, log_id) pairs, bound in order.

    A join, so that each key is one search of the key index: SQLite does not use an index for
    ``(tenant_id, log_id) IN (VALUES ...)``, and that form read the whole table per batch."""
    values = ",".join(["(?,?)"] * keys)
    return (
        "SELECT d.tenant_id, d.log_id, d.content_hash "
        f"FROM (VALUES {values}) AS k JOIN processed_logs AS d "
        "ON d.tenant_id = k.column1 AND d.log_id = k.column2"
    )


def put_document(conn: sqlite3.Connection, doc: Document) -> PutResult:
    """The idempotent write, usable inside a larger transaction (ack + store)."""
    # The columns are the document's fields in order; only the redaction counts need encoding.
    cursor = conn.execute(_UPSERT, (*doc[:11], orjson.dumps(doc.redactions).decode(), doc[12]))
    return PutResult.STORED if cursor.rowcount > 0 else PutResult.DUPLICATE


def _row_to_document(row: tuple[Any, ...]) -> Document:
    return Document(
        tenant_id=row[0],
        log_id=row[1],
        source=row[2],
        original_text=row[3],
        modified_data=row[4],
        processed_at=row[5],
        content_hash=row[6],
        correlation_id=row[7],
        received_at=row[8],
        delivery_attempt=row[9],
        processing_ms=row[10],
        redactions=orjson.loads(row[11]),
        schema_version=row[12],
    )


class SqliteStore(Store):
    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteStore:
        return cls(SqliteDatabase(settings.sqlite_path))

    async def start(self) -> None:
        self.db.open()

    async def close(self) -> None:
        self.db.close()

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await self.db.read(fn)
        except DatabaseUnavailable as exc:
            raise StoreUnavailable(exc.message) from exc

    async def put(self, document: Document) -> PutResult:
        try:
            return await self.db.write(lambda conn: put_document(conn, document))
        except DatabaseUnavailable as exc:
            raise StoreUnavailable(exc.message) from exc

    async def get(self, tenant_id: str, log_id: str) -> Document | None:
        def query(conn: sqlite3.Connection) -> Document | None:
            row = conn.execute(
                f"SELECT {DOCUMENT_COLUMNS} FROM processed_logs WHERE tenant_id = ? AND log_id = ?",
                (tenant_id, log_id),
            ).fetchone()
            return _row_to_document(row) if row else None

        return await self._read(query)

    async def stored_hashes(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        if not keys:
            return {}

        def query(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
            found: dict[tuple[str, str], str] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = conn.execute(
                    _stored_hashes_query(len(chunk)), list(chain(*chunk))
                ).fetchall()
                found.update({(row[0], row[1]): row[2] for row in rows})
            return found

        return await self._read(query)

    async def _list(
        self, tenant_id: str, limit: int, after: tuple[str, str] | None
    ) -> list[Document]:
        def query(conn: sqlite3.Connection) -> list[Document]:
            if after is None:
                rows = conn.execute(
                    f"SELECT {DOCUMENT_COLUMNS} FROM processed_logs WHERE tenant_id = ? "
                    "ORDER BY processed_at DESC, log_id DESC LIMIT ?",
                    (tenant_id, limit),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {DOCUMENT_COLUMNS} FROM processed_logs WHERE tenant_id = ? "
                    "AND (processed_at, log_id) < (?, ?) "
                    "ORDER BY processed_at DESC, log_id DESC LIMIT ?",
                    (tenant_id, after[0], after[1], limit),
                ).fetchall()
            return [_row_to_document(row) for row in rows]

        return await self._read(query)

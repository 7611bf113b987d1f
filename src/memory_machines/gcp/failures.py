"""Why a Pub/Sub message failed: the error log behind the dead-letter listing.

Pub/Sub dead-letters a message by itself (after ``max_delivery_attempts`` nacks or lapsed leases)
and cannot carry the worker's error along: a nack has no payload, and the forwarded copy gets a new
message id. So each failed attempt is recorded here, keyed by what survives forwarding — the
message's ``(tenant_id, log_id, content_hash)`` attributes — and the dead-letter listing joins the
two. Like Fluent Bit's dead-letter area, an operator sees the payload *and* why it failed.

* ``FirestoreFailureLog`` keeps records at ``dead_letter_errors/{key}`` so that every API and worker
  process sees them; each record carries ``expire_at`` for a Firestore TTL policy.
* ``MemoryFailureLog`` is process-local: right for the embedded ``serve`` mode and for tests.

Recording is best-effort by design: losing a record loses the *reason*, never the message.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from memory_machines.errors import StoreUnavailable
from memory_machines.gcp import DEAD_LETTER_ERRORS_COLLECTION, missing_gcp
from memory_machines.message import utc_now_iso

try:
    from google.cloud import firestore

    from memory_machines.gcp._errors import vendor_errors
    from memory_machines.gcp.clients import close_firestore_client
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("The Pub/Sub dead-letter error log") from exc

# Longer than Pub/Sub's longest message retention (31 days), so a record outlives its message.
RECORD_TTL = timedelta(days=32)


def failure_key(attributes: Mapping[str, str]) -> str:
    """A stable id for "this content of this log", valid as a Firestore document id."""
    parts = (attributes.get(name, "") for name in ("tenant_id", "log_id", "content_hash"))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class FailureRecord:
    last_error: str
    attempts: int
    updated_at: str
    history: list[dict[str, Any]] = field(default_factory=list)


class FailureLog(Protocol):
    async def record(
        self, key: str, attempt: int, error: str, attributes: Mapping[str, str]
    ) -> None: ...

    async def lookup(self, keys: Sequence[str]) -> dict[str, FailureRecord]: ...

    async def forget(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryFailureLog:
    """Process-local failure records (embedded mode, tests)."""

    def __init__(self) -> None:
        self._records: dict[str, FailureRecord] = {}

    async def record(
        self, key: str, attempt: int, error: str, attributes: Mapping[str, str]
    ) -> None:
        now = utc_now_iso()
        previous = self._records.get(key)
        history = [*(previous.history if previous else []), _entry(attempt, error, now)]
        self._records[key] = FailureRecord(error, attempt, now, history)

    async def lookup(self, keys: Sequence[str]) -> dict[str, FailureRecord]:
        return {key: self._records[key] for key in keys if key in self._records}

    async def forget(self, key: str) -> None:
        self._records.pop(key, None)

    async def close(self) -> None:
        return None


class FirestoreFailureLog:
    """Failure records shared by every process, at ``dead_letter_errors/{key}``."""

    def __init__(self, client: Any, *, timeout_s: float = 10.0) -> None:
        self._client = client
        self._timeout_s = timeout_s

    def _ref(self, key: str) -> Any:
        return self._client.collection(DEAD_LETTER_ERRORS_COLLECTION).document(key)

    async def record(
        self, key: str, attempt: int, error: str, attributes: Mapping[str, str]
    ) -> None:
        now = utc_now_iso()
        data = {
            "tenant_id": attributes.get("tenant_id", ""),
            "log_id": attributes.get("log_id", ""),
            "content_hash": attributes.get("content_hash", ""),
            "last_error": error,
            "attempts": attempt,
            "updated_at": now,
            "expire_at": datetime.now(UTC) + RECORD_TTL,
            # ArrayUnion appends without a read; entries differ by timestamp, so none is merged.
            "history": firestore.ArrayUnion([_entry(attempt, error, now)]),
        }
        with vendor_errors(StoreUnavailable, "record dead-letter error"):
            async with asyncio.timeout(self._timeout_s):
                await self._ref(key).set(data, merge=True, timeout=self._timeout_s)

    async def lookup(self, keys: Sequence[str]) -> dict[str, FailureRecord]:
        if not keys:
            return {}
        refs = [self._ref(key) for key in dict.fromkeys(keys)]
        found: dict[str, FailureRecord] = {}
        with vendor_errors(StoreUnavailable, "read dead-letter errors"):
            async with asyncio.timeout(self._timeout_s):
                async for snapshot in self._client.get_all(refs, timeout=self._timeout_s):
                    if snapshot.exists:
                        found[snapshot.id] = _from_dict(snapshot.to_dict() or {})
        return found

    async def forget(self, key: str) -> None:
        with vendor_errors(StoreUnavailable, "delete dead-letter error"):
            async with asyncio.timeout(self._timeout_s):
                await self._ref(key).delete(timeout=self._timeout_s)

    async def close(self) -> None:
        await close_firestore_client(self._client)


def _entry(attempt: int, error: str, at: str) -> dict[str, Any]:
    return {"attempt": attempt, "error": error, "at": at}


def _from_dict(data: dict[str, Any]) -> FailureRecord:
    history = data.get("history")
    return FailureRecord(
        last_error=str(data.get("last_error", "")),
        attempts=int(data.get("attempts", 0)),
        updated_at=str(data.get("updated_at", "")),
        history=list(history) if isinstance(history, list) else [],
    )

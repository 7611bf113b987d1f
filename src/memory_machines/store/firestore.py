"""Firestore store: documents at ``tenants/{tenant_id}/processed_logs/{log_id}``.

Guarantees (see ``store/base.py``): every path starts with the tenant, so no query can cross
tenants; ``put`` is idempotent and race-free without a read-then-write window:

1. ``create()`` — insert-if-absent, one round trip on the hot path (a first delivery);
2. on ``AlreadyExists``, read the stored ``content_hash``: equal means a duplicate (the stored
   document, correlation id included, is kept);
3. otherwise replace it with ``update()`` under a last-update-time precondition, so a concurrent
   writer between the read and the write makes the precondition fail and the loop re-reads.

Listing orders by ``processed_at`` then the document id (= ``log_id``), both descending. Firestore
serves that from its automatic single-field index (the ``__name__`` tie-break is implicit), so no
composite index has to be deployed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from memory_machines.document import Document
from memory_machines.errors import StoreUnavailable
from memory_machines.gcp import LOGS_COLLECTION, TENANTS_COLLECTION, missing_gcp
from memory_machines.settings import Settings
from memory_machines.store.base import PutResult, Store

try:
    from google.api_core import exceptions as api_exceptions
    from google.cloud import firestore

    from memory_machines.gcp._errors import vendor_errors
    from memory_machines.gcp.clients import close_firestore_client, firestore_client
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("The Firestore store") from exc

# A replace loses its precondition only when another writer touched the same document in between;
# a handful of rounds settles any realistic redelivery race.
MAX_PUT_ROUNDS = 8
# Document ids Firestore accepts for the readiness probe (``__x__`` ids are reserved).
PING_DOCUMENT_ID = "_ping"


class FirestoreStore(Store):
    """Tenant-isolated, idempotent document store on Firestore (or its emulator)."""

    def __init__(self, client: Any, *, timeout_s: float = 10.0) -> None:
        self._client = client
        self._timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> FirestoreStore:
        return cls(firestore_client(settings), timeout_s=settings.firestore_timeout_seconds)

    async def close(self) -> None:
        await close_firestore_client(self._client)

    def _logs(self, tenant_id: str) -> Any:
        return (
            self._client.collection(TENANTS_COLLECTION)
            .document(tenant_id)
            .collection(LOGS_COLLECTION)
        )

    async def put(self, document: Document) -> PutResult:
        ref = self._logs(document.tenant_id).document(document.log_id)
        data = document.to_dict()
        with vendor_errors(StoreUnavailable, "firestore put"):
            async with asyncio.timeout(self._timeout_s):
                for _ in range(MAX_PUT_ROUNDS):
                    try:
                        await ref.create(data, timeout=self._timeout_s)
                        return PutResult.STORED
                    except api_exceptions.AlreadyExists:
                        pass
                    snapshot = await ref.get(["content_hash"], timeout=self._timeout_s)
                    if not snapshot.exists:
                        continue  # deleted in between: try the insert again
                    if _stored_hash(snapshot) == document.content_hash:
                        return PutResult.DUPLICATE
                    option = self._client.write_option(last_update_time=snapshot.update_time)
                    try:
                        await ref.update(data, option=option, timeout=self._timeout_s)
                        return PutResult.STORED
                    except api_exceptions.FailedPrecondition:
                        continue  # another writer won the race: look again
        raise StoreUnavailable(f"firestore put: {document.path} kept changing under contention")

    async def get(self, tenant_id: str, log_id: str) -> Document | None:
        with vendor_errors(StoreUnavailable, "firestore get"):
            async with asyncio.timeout(self._timeout_s):
                snapshot = await self._logs(tenant_id).document(log_id).get(timeout=self._timeout_s)
        if not snapshot.exists:
            return None
        return Document.from_dict(snapshot.to_dict())

    async def stored_hashes(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """One batched read of just the hashes (``get_all``), not one round trip per key."""
        if not keys:
            return {}
        refs = [self._logs(tenant_id).document(log_id) for tenant_id, log_id in keys]
        found: dict[tuple[str, str], str] = {}
        with vendor_errors(StoreUnavailable, "firestore read"):
            async with asyncio.timeout(self._timeout_s):
                async for snapshot in self._client.get_all(
                    refs, field_paths=["content_hash"], timeout=self._timeout_s
                ):
                    stored = _stored_hash(snapshot)
                    if stored is not None:
                        tenant_id = snapshot.reference.parent.parent.id
                        found[(tenant_id, snapshot.id)] = stored
        return found

    async def _list(
        self, tenant_id: str, limit: int, after: tuple[str, str] | None
    ) -> list[Document]:
        descending = firestore.Query.DESCENDING
        query = (
            self._logs(tenant_id)
            .order_by("processed_at", direction=descending)
            .order_by("__name__", direction=descending)
        )
        if after is not None:
            processed_at, log_id = after
            query = query.start_after({"processed_at": processed_at, "__name__": log_id})
        with vendor_errors(StoreUnavailable, "firestore list"):
            async with asyncio.timeout(self._timeout_s):
                snapshots = [s async for s in query.limit(limit).stream(timeout=self._timeout_s)]
        return [Document.from_dict(s.to_dict()) for s in snapshots]

    async def ping(self) -> None:
        with vendor_errors(StoreUnavailable, "firestore ping"):
            async with asyncio.timeout(self._timeout_s):
                ref = self._client.collection(TENANTS_COLLECTION).document(PING_DOCUMENT_ID)
                await ref.get(["content_hash"], timeout=self._timeout_s)


def _stored_hash(snapshot: Any) -> str | None:
    return (snapshot.to_dict() or {}).get("content_hash") if snapshot.exists else None

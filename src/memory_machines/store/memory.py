"""In-memory store: a real, tenant-isolated store for tests and demos. Nothing survives a restart."""

from __future__ import annotations

import asyncio

from memory_machines.document import Document
from memory_machines.store.base import PutResult, Store


class MemoryStore(Store):
    def __init__(self) -> None:
        # One dict per tenant: the partition is the isolation boundary, as in every adapter.
        self._tenants: dict[str, dict[str, Document]] = {}
        self._lock = asyncio.Lock()

    async def put(self, document: Document) -> PutResult:
        async with self._lock:
            docs = self._tenants.setdefault(document.tenant_id, {})
            existing = docs.get(document.log_id)
            if existing is not None and existing.content_hash == document.content_hash:
                return PutResult.DUPLICATE
            docs[document.log_id] = document
            return PutResult.STORED

    async def get(self, tenant_id: str, log_id: str) -> Document | None:
        return self._tenants.get(tenant_id, {}).get(log_id)

    async def _list(
        self, tenant_id: str, limit: int, after: tuple[str, str] | None
    ) -> list[Document]:
        docs = sorted(
            self._tenants.get(tenant_id, {}).values(),
            key=lambda d: (d.processed_at, d.log_id),
            reverse=True,
        )
        if after is not None:
            docs = [d for d in docs if (d.processed_at, d.log_id) < after]
        return docs[:limit]

    def count(self, tenant_id: str) -> int:
        return len(self._tenants.get(tenant_id, {}))

"""The store port: tenant-isolated documents at ``tenants/{tenant_id}/processed_logs/{log_id}``.

Every adapter guarantees:

* Every read and write is scoped by ``tenant_id``; no method can reach another tenant's data.
* ``put`` is idempotent and race-free: the same ``(tenant, log_id, content_hash)`` already stored
  is reported as a duplicate and the stored document (its correlation id included) is kept; new
  content under the same log_id replaces the old document.
* Listing is newest ``processed_at`` first with an opaque cursor.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from abc import ABC, abstractmethod
from collections.abc import Sequence
from enum import Enum

import orjson

from memory_machines.document import Document, Page
from memory_machines.errors import ValidationError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class PutResult(Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"


def encode_cursor(processed_at: str, log_id: str) -> str:
    """Opaque cursor: the sort key of the last item on a page."""
    raw = orjson.dumps([processed_at, log_id])
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        processed_at, log_id = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise ValidationError("cursor is not valid") from exc
    if not isinstance(processed_at, str) or not isinstance(log_id, str):
        raise ValidationError("cursor is not valid")
    return processed_at, log_id


class Store(ABC):
    """Where processed documents live, one partition per tenant."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections; called once before use."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    async def __aenter__(self) -> Store:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def put(self, document: Document) -> PutResult:
        """Insert or replace the document; a same-content repeat is a duplicate."""

    @abstractmethod
    async def get(self, tenant_id: str, log_id: str) -> Document | None:
        """The tenant's document, or None."""

    async def stored_hashes(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The ``content_hash`` of each ``(tenant_id, log_id)`` already stored.

        The duplicate check behind the worker (once per claimed batch) and ``has_content``.
        This default reads the documents concurrently; adapters that can answer in one round
        trip override it."""
        documents = await asyncio.gather(*(self.get(tenant, log_id) for tenant, log_id in keys))
        return {(d.tenant_id, d.log_id): d.content_hash for d in documents if d is not None}

    async def has_content(self, tenant_id: str, log_id: str, content_hash: str) -> bool:
        """Whether this exact content is already stored (to skip re-processing a redelivery)."""
        stored = await self.stored_hashes([(tenant_id, log_id)])
        return stored.get((tenant_id, log_id)) == content_hash

    @abstractmethod
    async def _list(
        self, tenant_id: str, limit: int, after: tuple[str, str] | None
    ) -> list[Document]:
        """Up to ``limit`` documents sorted by (processed_at, log_id) descending, after ``after``."""

    async def list(
        self, tenant_id: str, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
    ) -> Page:
        """A page of the tenant's documents, newest first."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        after = decode_cursor(cursor) if cursor else None
        items = await self._list(tenant_id, limit + 1, after)
        next_cursor = None
        if len(items) > limit:
            items = items[:limit]
            last = items[-1]
            next_cursor = encode_cursor(last.processed_at, last.log_id)
        return Page(items=items, next_cursor=next_cursor)

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be reached (readiness)."""
        await self.get("__ping__", "__ping__")

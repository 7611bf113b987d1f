"""Small builders shared by tests."""

from __future__ import annotations

import itertools

from memory_machines.document import Document
from memory_machines.message import Message, utc_now_iso

_counter = itertools.count(1)


def make_message(
    tenant_id: str = "acme", log_id: str | None = None, text: str = "hello"
) -> Message:
    return Message.create(
        tenant_id=tenant_id,
        log_id=log_id or f"log-{next(_counter)}",
        text=text,
        source="json_upload",
        correlation_id=f"cid-{next(_counter)}",
    )


def make_document(
    tenant_id: str = "acme",
    log_id: str = "log-1",
    text: str = "hello",
    correlation_id: str = "cid",
    processed_at: str | None = None,
) -> Document:
    message = Message.create(
        tenant_id=tenant_id,
        log_id=log_id,
        text=text,
        source="json_upload",
        correlation_id=correlation_id,
    )
    return Document(
        tenant_id=tenant_id,
        log_id=log_id,
        source="json_upload",
        original_text=text,
        modified_data=text,
        processed_at=processed_at or utc_now_iso(),
        content_hash=message.content_hash,
        correlation_id=correlation_id,
        received_at=message.received_at,
        delivery_attempt=1,
        processing_ms=0.0,
        redactions={},
    )

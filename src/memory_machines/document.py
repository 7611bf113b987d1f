"""The stored document: what a tenant reads back at ``tenants/{t}/processed_logs/{id}``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


def document_path(tenant_id: str, log_id: str) -> str:
    return f"tenants/{tenant_id}/processed_logs/{log_id}"


@dataclass(frozen=True, slots=True)
class Document:
    tenant_id: str
    log_id: str
    source: str
    original_text: str
    modified_data: str
    processed_at: str
    content_hash: str
    correlation_id: str
    received_at: str
    delivery_attempt: int
    processing_ms: float
    redactions: dict[str, int] = field(default_factory=dict)
    schema_version: str = "1"

    @property
    def path(self) -> str:
        return document_path(self.tenant_id, self.log_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a tenant's documents, newest ``processed_at`` first."""

    items: list[Document]
    next_cursor: str | None

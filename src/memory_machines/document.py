"""The stored document: what a tenant reads back at ``tenants/{t}/processed_logs/{id}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


def document_path(tenant_id: str, log_id: str) -> str:
    return f"tenants/{tenant_id}/processed_logs/{log_id}"


class Document(NamedTuple):
    """A processed log as stored (a named tuple: immutable, and built once per message for a
    fifth of what a frozen dataclass costs; the SQLite store binds it nearly as it is)."""

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
    redactions: dict[str, int]
    schema_version: str = "1"

    @property
    def path(self) -> str:
        return document_path(self.tenant_id, self.log_id)

    def to_dict(self) -> dict[str, Any]:
        data = self._asdict()
        data["redactions"] = dict(self.redactions)  # a copy, as ``dataclasses.asdict`` made
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(**{name: data[name] for name in cls._fields if name in data})


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a tenant's documents, newest ``processed_at`` first."""

    items: list[Document]
    next_cursor: str | None

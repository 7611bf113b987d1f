"""Normalizing the three input formats into messages, with every contract check.

Pure functions of (body, headers, limits): no I/O, so the whole contract is unit-testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from memory_machines.errors import (
    InvalidBody,
    InvalidJson,
    MemoryMachinesError,
    PayloadTooLarge,
    ValidationError,
)
from memory_machines.ids import validate_id
from memory_machines.message import Message, Source, new_log_id, utc_now_iso


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int
    max_batch_lines: int


def check_text(text: object, limits: Limits) -> str:
    if not isinstance(text, str):
        raise ValidationError("text must be a string")
    if not text or text.isspace():
        raise ValidationError("text must not be empty or whitespace")
    if len(text) > limits.max_text_chars:
        raise PayloadTooLarge(f"text is longer than {limits.max_text_chars} characters")
    return text


def record_to_message(
    record: Any,
    correlation_id: str,
    limits: Limits,
    source: Source = "json_upload",
    received_at: str | None = None,
    valid_tenant: str | None = None,
) -> Message:
    """Validate one JSON record ``{"tenant_id", "log_id", "text"}``.

    Runs once per NDJSON line, so each field is looked up once; ``valid_tenant``, a tenant id
    already validated (the previous line's), is not checked again.
    """
    if not isinstance(record, dict):
        raise InvalidJson("body must be a JSON object")
    tenant_id = record.get("tenant_id")
    log_id = record.get("log_id")
    text = record.get("text")
    if tenant_id is None or log_id is None or text is None:
        missing = "tenant_id" if tenant_id is None else "log_id" if log_id is None else "text"
        raise ValidationError(f"{missing} is required")
    return Message.create(
        tenant_id=tenant_id if tenant_id == valid_tenant else validate_id("tenant_id", tenant_id),
        log_id=validate_id("log_id", log_id),
        text=check_text(text, limits),
        source=source,
        correlation_id=correlation_id,
        received_at=received_at,
    )


def load_json(raw: bytes, what: str = "body") -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidBody(f"{what} is not valid UTF-8") from exc
        raise InvalidJson(f"{what} is not valid JSON") from exc


def parse_json(body: bytes, correlation_id: str, limits: Limits) -> Message:
    return record_to_message(load_json(body), correlation_id, limits)


def parse_text(
    text: str, tenant_header: str | None, correlation_id: str, limits: Limits
) -> Message:
    if tenant_header is None:
        raise ValidationError("X-Tenant-ID header is required for text/plain")
    tenant_id = validate_id("tenant_id", tenant_header)
    return Message.create(
        tenant_id=tenant_id,
        log_id=new_log_id(),
        text=check_text(text, limits),
        source="text_upload",
        correlation_id=correlation_id,
    )


@dataclass(slots=True)
class Batch:
    """An NDJSON batch: the messages to enqueue and one result item per non-blank line."""

    messages: list[Message]
    items: list[dict[str, Any]]

    @property
    def accepted(self) -> int:
        return len(self.messages)

    @property
    def rejected(self) -> int:
        return len(self.items) - len(self.messages)


def parse_ndjson(body: bytes, correlation_id: str, limits: Limits) -> Batch:
    batch = Batch(messages=[], items=[])
    received_at = utc_now_iso()  # one moment for the whole batch: it arrived at once
    tenant_id = None  # the last line's, validated: the lines of a batch mostly share one
    for number, line in enumerate(body.split(b"\n"), start=1):
        if not line or line.isspace():  # blank lines are skipped (no copy, unlike strip)
            continue
        if len(batch.items) >= limits.max_batch_lines:
            raise PayloadTooLarge(f"batch has more than {limits.max_batch_lines} lines")
        try:
            message = record_to_message(
                load_json(line, "line"),
                correlation_id,
                limits,
                received_at=received_at,
                valid_tenant=tenant_id,
            )
        except MemoryMachinesError as exc:
            batch.items.append(
                {
                    "line": number,
                    "status": "rejected",
                    "error": {"code": exc.code, "message": exc.message},
                }
            )
            continue
        tenant_id = message.tenant_id
        batch.messages.append(message)
        batch.items.append({"line": number, "status": "accepted", "log_id": message.log_id})
    if not batch.items:
        raise ValidationError("batch is empty")
    return batch

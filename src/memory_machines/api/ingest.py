"""Normalizing the three input formats into messages, with every contract check.

Pure functions of (body, headers, limits): no I/O, so the whole contract is unit-testable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import msgspec
import orjson

from memory_machines.api.records import PlainRecord, decode_plain
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
    record: object,
    correlation_id: str,
    limits: Limits,
    source: Source = "json_upload",
    received_at: str | None = None,
) -> Message:
    """Validate one decoded JSON record ``{"tenant_id", "log_id", "text"}``."""
    tenant_id, log_id, text = record_fields(record)
    return fields_to_message(
        tenant_id, log_id, text, correlation_id, limits, source, received_at or utc_now_iso(), None
    )


def record_fields(record: object) -> tuple[object, object, object]:
    """The three fields of a decoded JSON value, of any type yet: each is checked with its value."""
    if not isinstance(record, dict):
        raise InvalidJson("body must be a JSON object")
    tenant_id = record.get("tenant_id")
    log_id = record.get("log_id")
    text = record.get("text")
    if tenant_id is None or log_id is None or text is None:
        missing = "tenant_id" if tenant_id is None else "log_id" if log_id is None else "text"
        raise ValidationError(f"{missing} is required")
    return tenant_id, log_id, text


def fields_to_message(
    tenant_id: object,
    log_id: object,
    text: object,
    correlation_id: str,
    limits: Limits,
    source: Source,
    received_at: str,
    valid_tenant: str | None,
) -> Message:
    """Check the fields and build the message. Runs once per NDJSON line, so its arguments are
    positional; ``valid_tenant``, a tenant id already validated (the previous line's), is not
    checked again. The fields are typed as what they may be, any JSON value, not as what they
    must be: the compiled build (see `memory_machines.native`) enforces annotations."""
    return Message.create(
        valid_tenant
        if valid_tenant is not None and tenant_id == valid_tenant
        else validate_id("tenant_id", tenant_id),
        validate_id("log_id", log_id),
        check_text(text, limits),
        source,
        correlation_id,
        received_at,
    )


def decode_plain_lines(body: bytes, lines: list[bytes], count: int) -> list[PlainRecord] | None:
    """The `count` non-blank `lines` of `body` decoded in one call, if each is one PlainRecord.

    The decoder reads a stream of values, not lines, so the call alone would take a record
    split over two lines, or two records on one line, for lines of their own. It is trusted
    only when every non-blank line starts with ``{`` and ends with ``}``: a PlainRecord holds no
    nested object and no string runs over a line end, so such a line closes every record it
    opens, and as many records as lines then means exactly one a line. None: decode each line.
    """
    if sum(map(bytes.startswith, lines, repeat(b"{"))) != count:
        return None
    if sum(map(bytes.endswith, lines, repeat((b"}", b"}\r")))) != count:
        return None
    try:
        records = decode_plain(body)
    except msgspec.MsgspecError:  # some line is not a PlainRecord: each line gets its own answer
        return None
    return records if len(records) == count else None


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


def parse_ndjson(body: bytes, correlation_id: str, limits: Limits, at_once: bool = True) -> Batch:
    """One message or one rejection per non-blank line, numbered as the body's lines are.

    With `at_once` (the default) a batch of plain records is decoded in one call; the result
    is the same as decoding each line on its own, which every other batch gets.
    """
    lines = body.split(b"\n")
    numbers = [n for n, line in enumerate(lines, start=1) if line and not line.isspace()]
    if len(numbers) > limits.max_batch_lines:
        raise PayloadTooLarge(f"batch has more than {limits.max_batch_lines} lines")
    if not numbers:
        raise ValidationError("batch is empty")
    decoded = decode_plain_lines(body, lines, len(numbers)) if at_once else None
    records: Sequence[PlainRecord | bytes] = (
        [lines[n - 1] for n in numbers] if decoded is None else decoded
    )
    batch = Batch(messages=[], items=[])
    received_at = utc_now_iso()  # one moment for the whole batch: it arrived at once
    tenant_id = None  # the last line's, validated: the lines of a batch mostly share one
    for number, record in zip(numbers, records, strict=True):
        try:
            tenant: object
            log: object
            text: object
            if isinstance(record, PlainRecord):
                tenant, log, text = record.tenant_id, record.log_id, record.text
            else:  # not decoded yet: this line is read on its own
                tenant, log, text = record_fields(load_json(record, "line"))
            message = fields_to_message(
                tenant, log, text, correlation_id, limits, "json_upload", received_at, tenant_id
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
    return batch

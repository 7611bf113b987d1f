"""The normalized message: one shape for every input format and every queue.

The text travels as UTF-8 bytes; everything else is a string attribute, which is exactly what a
Pub/Sub message can carry, so no adapter needs its own encoding.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Literal, NamedTuple

from memory_machines.errors import ValidationError
from memory_machines.ids import validate_id

SCHEMA_VERSION = "1"
Source = Literal["json_upload", "text_upload"]
SOURCES: tuple[str, ...] = ("json_upload", "text_upload")
ATTRIBUTE_NAMES = (
    "tenant_id",
    "log_id",
    "source",
    "content_hash",
    "correlation_id",
    "schema_version",
    "received_at",
)


def utc_now_iso() -> str:
    """ISO-8601 UTC with microseconds and a ``Z`` suffix: sortable as text.

    Built from ``time.time_ns()`` rather than ``datetime``, and the date and time of day are
    formatted once a second, not once a call: this runs on the ingest hot path."""
    micros = time.time_ns() // 1000
    return f"{_utc_second(micros // 1_000_000)}.{micros % 1_000_000:06d}Z"


@functools.lru_cache(maxsize=4)
def _utc_second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The hex digit holding the variant bits (RFC 9562: 10xx) for each random hex digit.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


class RandomUuids:
    """Random (version 4) UUIDs as text, drawn from one ``os.urandom`` call per 256.

    A system call per id cost more than the id; ``uuid.uuid4()`` also builds an object first.
    A forked child empties its pool, so two processes never hand out the same ids.
    """

    __slots__ = ("_ids",)

    def __init__(self) -> None:
        self._ids: list[str] = []
        os.register_at_fork(after_in_child=self._ids.clear)

    def __call__(self) -> str:
        while True:
            try:
                return self._ids.pop()
            except IndexError:  # empty (another thread may have taken the last one)
                self._refill()

    def _refill(self) -> None:
        block = os.urandom(16 * 256).hex()
        self._ids.extend(
            f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
            for h in [block[at : at + 32] for at in range(0, len(block), 32)]
        )


new_uuid4 = RandomUuids()


def new_log_id() -> str:
    """A time-ordered UUID (version 7, RFC 9562): the millisecond it was made, then random bits.

    Log ids the server assigns sort by arrival, so their documents are added at the end of the
    store's key index; random ones land each on a page of their own, which a store of hundreds
    of thousands of documents pays for in every commit."""
    return _uuid7_prefix(time.time_ns() // 1_000_000) + new_uuid4()[15:]


@functools.lru_cache(maxsize=4)
def _uuid7_prefix(millis: int) -> str:
    """The timestamp and version digit of a version 7 UUID, formatted once a millisecond."""
    digits = f"{millis:012x}"
    return f"{digits[:8]}-{digits[8:]}-7"


class Message(NamedTuple):
    """A log accepted for processing (a named tuple: immutable and cheap to build in bulk)."""

    tenant_id: str
    log_id: str
    text: str
    source: str
    content_hash: str
    correlation_id: str
    received_at: str
    schema_version: str = SCHEMA_VERSION

    @classmethod
    def create(
        cls,
        tenant_id: str,
        log_id: str,
        text: str,
        source: Source,
        correlation_id: str,
        received_at: str | None = None,
    ) -> Message:
        # Straight through ``tuple.__new__``: a named tuple's own ``__new__`` is a Python
        # function (and by keyword three times dearer still), paid once per NDJSON line, which
        # is also why the NDJSON loop passes these by position.
        return tuple.__new__(
            cls,
            (
                tenant_id,
                log_id,
                text,
                source,
                content_hash(text),
                correlation_id,
                received_at or utc_now_iso(),
                SCHEMA_VERSION,
            ),
        )

    def attributes(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ATTRIBUTE_NAMES}

    def data(self) -> bytes:
        return self.text.encode("utf-8")

    @classmethod
    def from_wire(cls, data: bytes, attributes: dict[str, str]) -> Message:
        """Rebuild a message from bytes + attributes, re-checking everything a producer could forge."""
        missing = [name for name in ATTRIBUTE_NAMES if name not in attributes]
        if missing:
            raise ValidationError(f"missing attributes: {', '.join(missing)}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError("message data is not valid UTF-8") from exc
        if attributes["source"] not in SOURCES:
            raise ValidationError("unknown source")
        return cls(
            tenant_id=validate_id("tenant_id", attributes["tenant_id"]),
            log_id=validate_id("log_id", attributes["log_id"]),
            text=text,
            source=attributes["source"],
            content_hash=attributes["content_hash"] or content_hash(text),
            correlation_id=attributes["correlation_id"],
            received_at=attributes["received_at"],
            schema_version=attributes["schema_version"],
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery of a message to a worker: the message, which attempt this is, and the
    adapter's handle (row id, ack id) needed to ack, fail or extend it."""

    message: Message
    attempt: int
    handle: str

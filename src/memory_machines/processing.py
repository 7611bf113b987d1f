"""The processing step, free of I/O: how long the heavy step takes, and what it produces.

The worker owns the waiting (``asyncio.sleep``) so that thousands of messages can be in flight
in one process; this module only decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memory_machines.document import Document
from memory_machines.errors import ProcessingFailed
from memory_machines.message import Message, utc_now_iso
from memory_machines.redaction import Redaction, Redactor


@dataclass(frozen=True, slots=True)
class Processor:
    redactor: Redactor
    work_seconds_per_char: float = 0.05
    chaos_fail_marker: str | None = None

    def work_seconds(self, message: Message) -> float:
        """The deliberately slow step: a fixed cost per character."""
        return self.work_seconds_per_char * len(message.text)

    def check(self, message: Message) -> None:
        """Fail on purpose when the chaos marker is set and present (to exercise retries)."""
        if self.chaos_fail_marker and self.chaos_fail_marker in message.text:
            raise ProcessingFailed("chaos fail marker present in text")

    def redact(self, messages: Sequence[Message]) -> list[Redaction]:
        """Redact a claimed batch ahead of its heavy step: one scan costs less than one each."""
        return self.redactor.redact_many([message.text for message in messages])

    def finish(
        self,
        message: Message,
        *,
        attempt: int,
        processing_ms: float,
        redaction: Redaction | None = None,
    ) -> Document:
        """Build the document to store, redacting the text unless `redaction` already did."""
        self.check(message)
        if redaction is None:
            redaction = self.redactor.redact(message.text)
        return Document(
            tenant_id=message.tenant_id,
            log_id=message.log_id,
            source=message.source,
            original_text=message.text,
            modified_data=redaction.text,
            processed_at=utc_now_iso(),
            content_hash=message.content_hash,
            correlation_id=message.correlation_id,
            received_at=message.received_at,
            delivery_attempt=attempt,
            processing_ms=round(processing_ms, 3),
            redactions=dict(redaction.counts),
            schema_version=message.schema_version,
        )

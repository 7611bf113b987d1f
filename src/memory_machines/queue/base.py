"""The queue port: durable, at-least-once delivery of messages under leases.

Every adapter guarantees:

* ``enqueue`` returns only once the messages are durable (committed with fsync, or acknowledged by
  the broker); on failure it raises ``QueueUnavailable`` and nothing is reported accepted.
* ``claim`` hands a message to one worker under a lease; a message whose lease expires (its worker
  died) becomes claimable again. Each claim counts as a delivery attempt.
* ``fail`` schedules a retry after ``retry_delay_s`` or, once the attempts are spent, moves the
  message to the dead-letter area with its last error. Nothing is dropped silently.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from memory_machines.message import Delivery, Message
from memory_machines.metrics import Stat

if TYPE_CHECKING:
    from memory_machines.document import Document
    from memory_machines.store.base import PutResult, Store


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that exhausted its attempts, kept with why it failed."""

    id: str
    message: Message
    attempts: int
    last_error: str
    dead_lettered_at: str
    first_enqueued_at: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        m = self.message
        return {
            "id": self.id,
            "tenant_id": m.tenant_id,
            "log_id": m.log_id,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "dead_lettered_at": self.dead_lettered_at,
            "first_enqueued_at": self.first_enqueued_at,
            "source": m.source,
            "content_hash": m.content_hash,
            "correlation_id": m.correlation_id,
            "received_at": m.received_at,
            "text_chars": len(m.text),
            "history": self.history,
        }


class Queue(ABC):
    """A durable work queue with leases, retries and a dead-letter area."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections; called once before use."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; in-flight leases simply expire."""

    async def __aenter__(self) -> Queue:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Durably add messages; return only when they cannot be lost."""

    @abstractmethod
    async def claim(self, max_messages: int, lease_s: float, owner: str) -> list[Delivery]:
        """Lease up to ``max_messages`` visible messages to ``owner``."""

    @abstractmethod
    async def extend(self, deliveries: Sequence[Delivery], lease_s: float) -> None:
        """Push the lease of messages still being worked on ``lease_s`` into the future."""

    @abstractmethod
    async def ack(self, delivery: Delivery) -> None:
        """Remove a finished message from the queue."""

    @abstractmethod
    async def fail(self, delivery: Delivery, error: str, retry_delay_s: float) -> bool:
        """Record a failed attempt; return True when the message was dead-lettered."""

    @abstractmethod
    async def release(self, deliveries: Sequence[Delivery]) -> None:
        """Give leases back without counting an attempt (graceful shutdown)."""

    @abstractmethod
    async def depth(self) -> int:
        """Messages waiting or in flight (not dead-lettered)."""

    @abstractmethod
    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Dead letters, oldest first."""

    @abstractmethod
    async def replay(self, dead_letter_id: str) -> bool:
        """Put a dead letter back on the queue with its attempts reset; False if unknown."""

    async def next_visible_in(self) -> float | None:
        """Seconds until the next waiting message becomes claimable, if the queue can tell.

        Lets an idle worker wake exactly when a retry falls due instead of polling blindly."""
        return None

    def stats(self) -> tuple[Stat, ...]:
        """What the adapter can tell about its own load, for ``/metrics``; nothing by default."""
        return ()

    async def ping(self) -> None:
        """Raise ``QueueUnavailable`` when the queue cannot be reached (readiness)."""
        await self.depth()

    async def complete(self, delivery: Delivery, document: Document, store: Store) -> PutResult:
        """Store the document, then ack. Adapters sharing a database with the store override this
        to do both in one transaction; otherwise a crash between the two only causes a
        redelivery, which the store's idempotent put absorbs."""
        result = await store.put(document)
        await self.ack(delivery)
        return result

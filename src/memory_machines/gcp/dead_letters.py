"""Browse and replay the Pub/Sub dead-letter subscription.

Pub/Sub has no "peek": listing pulls from the dead-letter subscription and immediately gives the
messages back (``modify_ack_deadline(0)``), so they stay dead-lettered. Replaying one pulls until
it is found, republishes it to the main topic (attributes kept, Pub/Sub's dead-letter attributes
dropped, so its delivery attempts start again at 1) and only then acks it on the dead-letter
subscription. A crash between the two leaves it in both places: at-least-once, and the store's
idempotent put absorbs the duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from memory_machines.errors import QueueUnavailable, StoreUnavailable, ValidationError
from memory_machines.gcp import (
    DLQ_ATTRIBUTE_PREFIX,
    DLQ_DELIVERY_COUNT,
    DLQ_SOURCE_PUBLISH_TIME,
    missing_gcp,
)
from memory_machines.message import SCHEMA_VERSION, Message
from memory_machines.queue.base import DeadLetter

try:
    from google.api_core import exceptions as api_exceptions

    from memory_machines.gcp import clients
    from memory_machines.gcp._errors import vendor_errors
    from memory_machines.gcp.failures import FailureLog, FailureRecord, failure_key
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("The Pub/Sub dead-letter tools") from exc

log = logging.getLogger(__name__)

PULL_BATCH = 1000  # Pub/Sub's maximum per pull
# A pull on an empty subscription is answered only when its deadline runs out: the first pull
# gives the server time to gather messages, later ones only look for stragglers.
FIRST_PULL_TIMEOUT_S = 3.0
NEXT_PULL_TIMEOUT_S = 1.0


@dataclass(frozen=True, slots=True)
class Pulled:
    """A dead letter held by this process until it is acked or given back."""

    ack_id: str
    message_id: str
    data: bytes
    attributes: dict[str, str]
    publish_time: str


class DeadLetterBox:
    """The dead-letter subscription seen as a list that can be read and replayed."""

    def __init__(
        self,
        *,
        subscriber: Any,
        subscription_path: str,
        failures: FailureLog | None,
        timeout_s: float = 10.0,
    ) -> None:
        self._subscriber = subscriber
        self._subscription = subscription_path
        self._failures = failures
        self._timeout_s = timeout_s
        self._retry = clients.bounded_retry(timeout_s)

    async def browse(self, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, oldest first among those one round of pulls returned
        (Pub/Sub picks which; a subscription holding more than ``limit`` shows a sample)."""
        pulled = await self._pull_until(lambda batch: False, limit)
        try:
            records = await self._lookup(pulled)
        finally:
            await self._give_back(p.ack_id for p in pulled)
        entries = [_dead_letter(p, records.get(failure_key(p.attributes))) for p in pulled]
        entries.sort(key=lambda entry: entry.dead_lettered_at)
        return entries[:limit]

    async def take(self, message_id: str) -> Pulled | None:
        """Hold the dead letter ``message_id`` (others are given back), or None if absent."""
        pulled = await self._pull_until(
            lambda batch: any(p.message_id == message_id for p in batch), limit=None
        )
        found = next((p for p in pulled if p.message_id == message_id), None)
        await self._give_back(p.ack_id for p in pulled if p is not found)
        return found

    async def settle(self, held: Pulled) -> None:
        """Remove a replayed dead letter and forget its failures (its attempts start again)."""
        with vendor_errors(QueueUnavailable, "ack dead letter"):
            await asyncio.to_thread(
                self._subscriber.acknowledge,
                subscription=self._subscription,
                ack_ids=[held.ack_id],
                retry=self._retry,
                timeout=self._timeout_s,
            )
        if self._failures is not None:
            try:
                await self._failures.forget(failure_key(held.attributes))
            except StoreUnavailable:
                log.warning("could not clear the failure record of a replayed dead letter")

    async def give_back(self, held: Pulled) -> None:
        await self._give_back([held.ack_id])

    async def _pull_until(
        self, done: Callable[[list[Pulled]], bool], limit: int | None
    ) -> list[Pulled]:
        """Pull batches until ``done(batch)``, ``limit`` messages, or nothing new arrives."""
        seen: dict[str, Pulled] = {}
        extra_ack_ids: list[str] = []  # a message delivered twice: give both leases back
        timeout_s = FIRST_PULL_TIMEOUT_S
        try:
            while limit is None or len(seen) < limit:
                want = PULL_BATCH if limit is None else min(PULL_BATCH, limit - len(seen))
                batch = await self._pull(want, timeout_s)
                timeout_s = NEXT_PULL_TIMEOUT_S
                fresh = [p for p in batch if p.message_id not in seen]
                extra_ack_ids += [p.ack_id for p in batch if p.message_id in seen]
                seen.update((p.message_id, p) for p in fresh)
                if not fresh or done(fresh):
                    break
        except BaseException:
            await self._give_back([*extra_ack_ids, *(p.ack_id for p in seen.values())])
            raise
        await self._give_back(extra_ack_ids)
        return list(seen.values())

    async def _pull(self, max_messages: int, timeout_s: float) -> list[Pulled]:
        def pull() -> Any:
            return self._subscriber.pull(
                subscription=self._subscription,
                max_messages=max_messages,
                retry=self._retry,
                timeout=timeout_s,
            )

        try:
            with vendor_errors(QueueUnavailable, "pull dead letters"):
                response = await asyncio.to_thread(pull)
        except QueueUnavailable as exc:
            if isinstance(exc.__cause__, api_exceptions.DeadlineExceeded):
                return []  # an empty subscription answers a pull by running out its deadline
            raise
        return [
            Pulled(
                ack_id=received.ack_id,
                message_id=received.message.message_id,
                data=bytes(received.message.data),
                attributes=dict(received.message.attributes),
                publish_time=_iso(received.message.publish_time),
            )
            for received in response.received_messages
        ]

    async def _give_back(self, ack_ids: Iterable[str]) -> None:
        ids = list(ack_ids)
        if not ids:
            return
        try:
            with vendor_errors(QueueUnavailable, "release dead letters"):
                await asyncio.to_thread(
                    self._subscriber.modify_ack_deadline,
                    subscription=self._subscription,
                    ack_ids=ids,
                    ack_deadline_seconds=0,
                    retry=self._retry,
                    timeout=self._timeout_s,
                )
        except QueueUnavailable:
            # Harmless: they reappear when the dead-letter subscription's ack deadline lapses.
            log.warning("could not give %d dead letters back at once", len(ids))

    async def _lookup(self, pulled: list[Pulled]) -> dict[str, FailureRecord]:
        if self._failures is None or not pulled:
            return {}
        try:
            return await self._failures.lookup([failure_key(p.attributes) for p in pulled])
        except StoreUnavailable:
            log.warning("dead-letter errors unavailable; listing without them")
            return {}


def replay_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """The original attributes, without what Pub/Sub added when dead-lettering."""
    return {k: v for k, v in attributes.items() if not k.startswith(DLQ_ATTRIBUTE_PREFIX)}


def _dead_letter(pulled: Pulled, record: FailureRecord | None) -> DeadLetter:
    attributes = pulled.attributes
    delivered = _int(attributes.get(DLQ_DELIVERY_COUNT))
    attempts = max(delivered, record.attempts if record else 0)
    return DeadLetter(
        id=pulled.message_id,
        message=_lenient_message(pulled.data, attributes),
        attempts=attempts,
        last_error=_last_error(record, delivered),
        dead_lettered_at=pulled.publish_time,
        first_enqueued_at=attributes.get(DLQ_SOURCE_PUBLISH_TIME),
        history=list(record.history) if record else [],
    )


def _last_error(record: FailureRecord | None, delivered: int) -> str:
    lapsed = "the lease lapsed on the last attempt (a worker stopped or ran out of time)"
    if record is None:
        return f"{lapsed}; no error was recorded"
    if delivered and record.attempts < delivered:
        return f"{lapsed}; attempt {record.attempts} failed with: {record.last_error}"
    return record.last_error


def _lenient_message(data: bytes, attributes: Mapping[str, str]) -> Message:
    """The message as well as it can be read: a malformed one must still be listable."""
    try:
        return Message.from_wire(data, dict(attributes))
    except ValidationError:
        return Message(
            tenant_id=attributes.get("tenant_id", ""),
            log_id=attributes.get("log_id", ""),
            text=data.decode("utf-8", errors="replace"),
            source=attributes.get("source", ""),
            content_hash=attributes.get("content_hash", ""),
            correlation_id=attributes.get("correlation_id", ""),
            received_at=attributes.get("received_at", ""),
            schema_version=attributes.get("schema_version", SCHEMA_VERSION),
        )


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

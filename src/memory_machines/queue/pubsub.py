"""Pub/Sub queue: a topic, a streaming-pull subscription and a dead-letter topic.

Guarantees: **at-least-once**. ``enqueue`` returns only after Pub/Sub acknowledged every publish
with a message id (else ``QueueUnavailable``: the API answers 503, never 202). A message is
redelivered when its worker nacks it, dies, or its ack is lost; the store's idempotent put turns
that into effectively-once storage.

How the port maps onto Pub/Sub:

* ``claim`` starts one streaming pull (on first use) whose flow control admits at most
  ``max_outstanding`` unfinished messages. The client library's lease manager keeps extending
  their ack deadlines — each extension at most ``lease_s`` long, so a dead worker's messages come
  back within about that time — for up to ``max_lease_s``. ``extend`` is therefore a no-op.
* ``fail`` records the error (see ``gcp/failures.py``) and nacks: the subscription's retry policy
  applies exponential backoff, and its dead-letter policy forwards the message to the dead-letter
  topic once it has been delivered ``max_attempts`` times. ``retry_delay_s`` is not used: the
  backoff is the subscription's (``memory-machines gcp setup`` provisions it from the settings).
* ``release`` nacks. Pub/Sub counts every nack as a delivery attempt; it cannot give a lease back
  for free.
* ``depth`` counts only the messages this process holds: Pub/Sub has no cheap, exact backlog
  count (Cloud Monitoring's ``num_undelivered_messages`` lags by minutes).
* A malformed message (missing attributes, bad ids, invalid UTF-8) is nacked with its reason
  recorded, so it reaches the dead-letter topic with the payload intact instead of being dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memory_machines.errors import QueueUnavailable, StoreUnavailable, ValidationError
from memory_machines.gcp import delivery_attempts_limit, missing_gcp
from memory_machines.message import Delivery, Message
from memory_machines.queue.base import DeadLetter, Queue
from memory_machines.settings import Settings

try:
    import google.cloud.pubsub_v1 as pubsub_v1

    from memory_machines.gcp import clients
    from memory_machines.gcp._errors import is_not_found, vendor_errors
    from memory_machines.gcp.dead_letters import DeadLetterBox, replay_attributes
    from memory_machines.gcp.failures import (
        FailureLog,
        FirestoreFailureLog,
        MemoryFailureLog,
        failure_key,
    )
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("The Pub/Sub queue") from exc

log = logging.getLogger(__name__)

# Pub/Sub bounds a single ack-deadline extension to 10..600 s.
MIN_LEASE_EXTENSION_S = 10
MAX_LEASE_EXTENSION_S = 600
# Publishing this many messages at once moves the client calls off the event loop.
INLINE_PUBLISH_MAX = 64
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class PubSubConfig:
    project_id: str
    topic_id: str
    subscription_id: str
    dead_letter_subscription_id: str
    publish_timeout_s: float = 10.0
    max_attempts: int = 5
    max_outstanding: int = 1000
    lease_s: float = 30.0
    max_lease_s: float = 3600.0
    claim_wait_s: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PubSubConfig:
        return cls(
            project_id=settings.gcp_project_id,
            topic_id=settings.pubsub_topic_id,
            subscription_id=settings.pubsub_subscription_id,
            dead_letter_subscription_id=settings.pubsub_dead_letter_subscription_id,
            publish_timeout_s=settings.pubsub_publish_timeout_seconds,
            max_attempts=settings.max_attempts,
            max_outstanding=settings.worker_concurrency,
            lease_s=settings.lease_seconds,
            max_lease_s=settings.pubsub_max_lease_seconds,
        )


class PubSubQueue(Queue):
    """At-least-once queue on Google Cloud Pub/Sub (or its emulator)."""

    def __init__(
        self,
        config: PubSubConfig,
        *,
        publisher: Any | None = None,
        subscriber: Any | None = None,
        failures: FailureLog | None = None,
    ) -> None:
        self.config = config
        self.max_attempts = delivery_attempts_limit(config.max_attempts)
        self._publisher = publisher if publisher is not None else clients.publisher_client()
        self._subscriber = subscriber if subscriber is not None else clients.subscriber_client()
        self._failures = failures
        self._timeout_s = config.publish_timeout_s
        self._retry = clients.bounded_retry(config.publish_timeout_s)
        self._topic = self._publisher.topic_path(config.project_id, config.topic_id)
        self._subscription = self._subscriber.subscription_path(
            config.project_id, config.subscription_id
        )
        self._dead_letters = DeadLetterBox(
            subscriber=self._subscriber,
            subscription_path=self._subscriber.subscription_path(
                config.project_id, config.dead_letter_subscription_id
            ),
            failures=failures,
            timeout_s=config.publish_timeout_s,
        )
        self._inbox: deque[Any] = deque()  # pubsub messages received, not yet claimed
        self._held: dict[str, Any] = {}  # handle (ack id) -> pubsub message claimed by a worker
        self._arrived = asyncio.Event()
        self._streaming: Any | None = None
        self._closed = False

    @property
    def failures(self) -> FailureLog | None:
        """Where failed attempts are recorded (the push endpoint records into it too)."""
        return self._failures

    @classmethod
    def from_settings(cls, settings: Settings) -> PubSubQueue:
        """Dead-letter errors go to Firestore when it is the store (shared by all processes),
        else they stay in this process."""
        failures: FailureLog
        if settings.store == "firestore":
            failures = FirestoreFailureLog(
                clients.firestore_client(settings), timeout_s=settings.firestore_timeout_seconds
            )
        else:
            failures = MemoryFailureLog()
        return cls(PubSubConfig.from_settings(settings), failures=failures)

    # -- producing ------------------------------------------------------------------------------

    async def enqueue(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        if self._closed:
            raise QueueUnavailable("queue is closed")
        if len(messages) <= INLINE_PUBLISH_MAX:
            pending = self._publish_all(messages)
        else:
            pending = await asyncio.to_thread(self._publish_all, messages)
        await self._confirm(pending, len(messages))

    def _publish_all(self, messages: Sequence[Message]) -> list[Any]:
        return [self._publish(m.data(), m.attributes()) for m in messages]

    def _publish(self, data: bytes, attributes: dict[str, str]) -> Any:
        """Hand one message to the batching publisher; returns its (concurrent) future."""
        with vendor_errors(QueueUnavailable, "publish"):
            try:
                return self._publisher.publish(
                    self._topic, data, retry=self._retry, timeout=self._timeout_s, **attributes
                )
            except RuntimeError as exc:  # the publisher was stopped
                raise QueueUnavailable(f"publish failed: {exc}") from exc

    async def _confirm(self, pending: list[Any], count: int) -> None:
        """Wait for every publish future without blocking the loop; any failure fails all."""
        waiting = [asyncio.wrap_future(future) for future in pending]
        try:
            async with asyncio.timeout(self.config.publish_timeout_s):
                results = await asyncio.gather(*waiting, return_exceptions=True)
        except TimeoutError as exc:
            raise QueueUnavailable(
                f"publish of {count} messages not confirmed within "
                f"{self.config.publish_timeout_s:g} s"
            ) from exc
        errors = [result for result in results if isinstance(result, BaseException)]
        if errors:
            raise QueueUnavailable(f"publish failed: {errors[0]}") from errors[0]

    # -- consuming ------------------------------------------------------------------------------

    async def claim(self, max_messages: int, lease_s: float, owner: str) -> list[Delivery]:
        self._ensure_streaming()
        if not self._inbox:
            self._arrived.clear()
            try:
                async with asyncio.timeout(self.config.claim_wait_s):
                    await self._arrived.wait()
            except TimeoutError:
                self._check_streaming()
                return []
        claimed: list[Delivery] = []
        while self._inbox and len(claimed) < max_messages:
            delivery = await self._to_delivery(self._inbox.popleft())
            if delivery is not None:
                claimed.append(delivery)
        return claimed

    def _ensure_streaming(self) -> None:
        if self._closed:
            raise QueueUnavailable("queue is closed")
        self._check_streaming()
        if self._streaming is not None:
            return
        loop = asyncio.get_running_loop()
        extension_s = min(
            max(int(self.config.lease_s), MIN_LEASE_EXTENSION_S), MAX_LEASE_EXTENSION_S
        )
        flow = pubsub_v1.types.FlowControl(
            max_messages=self.config.max_outstanding,
            max_lease_duration=self.config.max_lease_s,
            max_duration_per_lease_extension=extension_s,
        )

        def on_message(message: Any) -> None:
            # Runs on the client's thread pool: hand over to the event loop and return at once.
            try:
                loop.call_soon_threadsafe(self._receive, message)
            except RuntimeError:  # the loop is closed: let Pub/Sub redeliver it
                message.nack()

        with vendor_errors(QueueUnavailable, "start streaming pull"):
            self._streaming = self._subscriber.subscribe(
                self._subscription, on_message, flow_control=flow
            )

    def _check_streaming(self) -> None:
        """Surface a streaming pull that stopped for good (e.g. the subscription is missing)."""
        streaming = self._streaming
        if streaming is None or not streaming.done():
            return
        self._streaming = None  # the next claim starts a fresh one
        error = streaming.exception() if not streaming.cancelled() else None
        if error is not None and is_not_found(error):
            raise QueueUnavailable(
                f"subscription {self._subscription} not found: run `memory-machines gcp setup`"
            ) from error
        raise QueueUnavailable(f"streaming pull stopped: {error}") from error

    def _receive(self, message: Any) -> None:
        if self._closed:
            message.nack()
            return
        self._inbox.append(message)
        self._arrived.set()

    async def _to_delivery(self, message: Any) -> Delivery | None:
        attributes = dict(message.attributes)
        try:
            parsed = Message.from_wire(bytes(message.data), attributes)
        except ValidationError as exc:
            log.warning(
                "malformed message nacked towards the dead-letter topic",
                extra={"message_id": message.message_id, "error": exc.message},
            )
            await self._record(attributes, message.delivery_attempt or 1, f"malformed: {exc}")
            message.nack()
            return None
        self._held[message.ack_id] = message
        return Delivery(parsed, message.delivery_attempt or 1, message.ack_id)

    async def extend(self, deliveries: Sequence[Delivery], lease_s: float) -> None:
        """No-op: the client library's lease manager extends ack deadlines on its own."""

    async def ack(self, delivery: Delivery) -> None:
        message = self._held.pop(delivery.handle, None)
        if message is None:
            return
        with vendor_errors(QueueUnavailable, "ack"):
            message.ack()
        if delivery.attempt > 1 and self._failures is not None:
            try:  # it succeeded after all: its earlier failures are no longer news
                await self._failures.forget(failure_key(message.attributes))
            except StoreUnavailable:
                log.warning("could not clear failure record", extra=_log_ids(delivery))

    async def fail(self, delivery: Delivery, error: str, retry_delay_s: float) -> bool:
        message = self._held.pop(delivery.handle, None)
        if message is None:
            return False
        await self._record(dict(message.attributes), delivery.attempt, error)
        with vendor_errors(QueueUnavailable, "nack"):
            message.nack()
        return delivery.attempt >= self.max_attempts

    async def release(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            message = self._held.pop(delivery.handle, None)
            if message is not None:
                with vendor_errors(QueueUnavailable, "nack"):
                    message.nack()

    async def _record(self, attributes: dict[str, str], attempt: int, error: str) -> None:
        if self._failures is None:
            return
        try:
            await self._failures.record(
                failure_key(attributes), attempt, error[:MAX_ERROR_CHARS], attributes
            )
        except StoreUnavailable:
            log.warning("could not record a failed attempt", extra={"attempt": attempt})

    async def depth(self) -> int:
        """Messages this process holds (received or claimed), not the subscription's backlog."""
        if self._closed:
            raise QueueUnavailable("queue is closed")
        return len(self._inbox) + len(self._held)

    # -- dead letters -----------------------------------------------------------------------------

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        return await self._dead_letters.browse(limit)

    async def replay(self, dead_letter_id: str) -> bool:
        held = await self._dead_letters.take(dead_letter_id)
        if held is None:
            return False
        try:
            future = self._publish(held.data, replay_attributes(held.attributes))
            await self._confirm([future], 1)
        except BaseException:
            await self._dead_letters.give_back(held)
            raise
        await self._dead_letters.settle(held)
        return True

    # -- lifecycle --------------------------------------------------------------------------------

    async def ping(self) -> None:
        def get_topic() -> Any:
            return self._publisher.get_topic(
                topic=self._topic, retry=self._retry, timeout=self._timeout_s
            )

        try:
            with vendor_errors(QueueUnavailable, "ping"):
                await asyncio.wait_for(asyncio.to_thread(get_topic), self.config.publish_timeout_s)
        except QueueUnavailable as exc:
            if is_not_found(exc.__cause__ or exc):
                raise QueueUnavailable(
                    f"topic {self._topic} not found: run `memory-machines gcp setup`"
                ) from exc.__cause__
            raise

    async def close(self) -> None:
        """Stop pulling, give back every unfinished message, flush pending publishes."""
        if self._closed:
            return
        self._closed = True
        for message in [*self._inbox, *self._held.values()]:
            message.nack()
        self._inbox.clear()
        self._held.clear()
        streaming, self._streaming = self._streaming, None
        with vendor_errors(QueueUnavailable, "close"):
            if streaming is not None:
                streaming.cancel()
                await asyncio.to_thread(_quietly_wait, streaming, self.config.publish_timeout_s)
            await asyncio.to_thread(self._publisher.stop)
            await asyncio.to_thread(self._subscriber.close)
        if self._failures is not None:
            await self._failures.close()


def _quietly_wait(future: Any, timeout_s: float) -> None:
    # Shutting down: the stream's last error no longer matters.
    with contextlib.suppress(Exception):
        future.result(timeout=timeout_s)


def _log_ids(delivery: Delivery) -> dict[str, str]:
    m = delivery.message
    return {"tenant_id": m.tenant_id, "log_id": m.log_id, "correlation_id": m.correlation_id}

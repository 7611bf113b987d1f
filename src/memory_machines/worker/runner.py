"""Claims deliveries from any queue and processes thousands of them at once.

Each message is a task: check for a duplicate, sleep through the heavy step, then store and ack
together (``Queue.complete``); its text is redacted beforehand, with the rest of its claimed
batch, in one scan. One background task extends the leases of everything in flight, so a long
message is never handed to a second worker while this one is alive. On stop, intake ends,
in-flight work gets a grace period, and whatever is left has its lease released.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Sequence

from memory_machines.errors import PermanentError
from memory_machines.message import Delivery
from memory_machines.metrics import Metrics
from memory_machines.processing import Processor
from memory_machines.queue.base import Queue
from memory_machines.redaction import Redaction
from memory_machines.retry import RetryPolicy
from memory_machines.store.base import PutResult, Store

log = logging.getLogger("memory_machines.worker")

# Messages redacted in one scan between two yields to the event loop: 100 get nearly all of the
# gain of batching and keep each pause to a millisecond or two.
_REDACT_CHUNK = 100


class Worker:
    def __init__(
        self,
        queue: Queue,
        store: Store,
        processor: Processor,
        *,
        retry: RetryPolicy,
        concurrency: int = 1000,
        lease_s: float = 30.0,
        poll_interval_s: float = 0.05,
        shutdown_grace_s: float = 25.0,
        chaos_crash_rate: float = 0.0,
        metrics: Metrics | None = None,
        crash: Callable[[], None] = lambda: os._exit(137),
    ) -> None:
        self.queue = queue
        self.store = store
        self.processor = processor
        self.retry = retry
        self.concurrency = concurrency
        self.lease_s = lease_s
        self.poll_interval_s = poll_interval_s
        self.shutdown_grace_s = shutdown_grace_s
        self.chaos_crash_rate = chaos_crash_rate
        self.metrics = metrics or Metrics()
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._crash = crash
        self._in_flight: dict[str, Delivery] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._slot_free = asyncio.Event()
        self._stopping = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def notify(self) -> None:
        """New messages were enqueued in this process: claim now instead of at the next poll."""
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        self._slot_free.set()

    async def run(self) -> None:
        """Claim and process until ``stop()``; then drain within the grace period."""
        keeper = asyncio.create_task(self._keep_leases(), name="lease-keeper")
        try:
            await self._claim_loop()
        finally:
            await self._drain()
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _claim_loop(self) -> None:
        idle_s = self.poll_interval_s
        while not self._stopping.is_set():
            free = self.concurrency - len(self._in_flight)
            if free <= 0:
                self._slot_free.clear()
                await self._slot_free.wait()
                continue
            try:
                deliveries = await self.queue.claim(min(free, 500), self.lease_s, self.owner)
            except Exception:
                log.exception("claim failed; retrying")
                await self._sleep_or_wake(1.0)
                continue
            stored = await self._stored_hashes(deliveries)
            for first in range(0, len(deliveries), _REDACT_CHUNK):
                chunk = deliveries[first : first + _REDACT_CHUNK]
                duplicate = [stored.get(_key(d)) == d.message.content_hash for d in chunk]
                fresh = [d for d, dup in zip(chunk, duplicate, strict=True) if not dup]
                redactions = iter(self._redact(fresh))
                for delivery, dup in zip(chunk, duplicate, strict=True):
                    self._start(delivery, dup, None if dup else next(redactions))
                await asyncio.sleep(0)  # let the new tasks start before redacting or claiming more
            if deliveries:
                idle_s = self.poll_interval_s
            else:
                await self._sleep_or_wake(await self._idle_sleep_s(idle_s))
                idle_s = min(idle_s * 2, max(self.poll_interval_s, 0.5))

    async def _idle_sleep_s(self, idle_s: float) -> float:
        """Back off while idle, but never past the moment a scheduled retry falls due."""
        try:
            due_s = await self.queue.next_visible_in()
        except Exception:
            return idle_s
        return idle_s if due_s is None else min(idle_s, due_s + 0.001)

    async def _sleep_or_wake(self, seconds: float) -> None:
        self._wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)

    def _redact(self, deliveries: Sequence[Delivery]) -> Sequence[Redaction | None]:
        """The claimed batch's redactions; on failure each message is redacted in its own task,
        so that one bad text fails (and is retried) alone instead of stopping the claims."""
        try:
            return self.processor.redact([d.message for d in deliveries])
        except Exception:
            log.exception("batch redaction failed; redacting message by message")
            return [None] * len(deliveries)

    async def _stored_hashes(self, deliveries: list[Delivery]) -> dict[tuple[str, str], str]:
        """One duplicate check per claimed batch, not one per message."""
        if not deliveries:
            return {}
        try:
            return await self.store.stored_hashes([_key(d) for d in deliveries])
        except Exception:
            # Processing goes on: the store's idempotent put still absorbs a duplicate.
            log.warning("duplicate check failed; processing the batch anyway")
            return {}

    def _start(self, delivery: Delivery, already_stored: bool, redaction: Redaction | None) -> None:
        key = f"{delivery.handle}:{delivery.attempt}"
        self._in_flight[key] = delivery
        self.metrics.in_flight = len(self._in_flight)
        task = asyncio.create_task(self._handle(delivery, already_stored, redaction))
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            self._in_flight.pop(key, None)
            self.metrics.in_flight = len(self._in_flight)
            self._slot_free.set()

        task.add_done_callback(done)

    async def _handle(
        self, delivery: Delivery, already_stored: bool, redaction: Redaction | None
    ) -> None:
        message = delivery.message
        context = {
            "correlation_id": message.correlation_id,
            "tenant_id": message.tenant_id,
            "log_id": message.log_id,
            "attempt": delivery.attempt,
        }
        started = time.monotonic()
        try:
            if already_stored:
                await self.queue.ack(delivery)
                self.metrics.duplicates += 1
                log.info("duplicate skipped", extra=context)
                return
            work_s = self.processor.work_seconds(message)
            if self.chaos_crash_rate and random.random() < self.chaos_crash_rate:
                await asyncio.sleep(work_s / 2)
                log.warning("chaos: crashing mid-message", extra=context)
                self._crash()
            await asyncio.sleep(work_s)
            elapsed_ms = (time.monotonic() - started) * 1000
            document = self.processor.finish(
                message, attempt=delivery.attempt, processing_ms=elapsed_ms, redaction=redaction
            )
            result = await self.queue.complete(delivery, document, self.store)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._fail(delivery, exc, context)
            return
        self.metrics.processing_latency.observe(time.monotonic() - started)
        if result is PutResult.DUPLICATE:
            self.metrics.duplicates += 1
            log.info("duplicate absorbed", extra=context)
        else:
            self.metrics.processed += 1
            log.debug("stored", extra=context)

    async def _fail(self, delivery: Delivery, exc: Exception, context: dict[str, object]) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, PermanentError):
            log.warning("attempt failed", extra={**context, "error": error})
        delay_s = self.retry.delay_s(delivery.attempt)
        try:
            dead = await self.queue.fail(delivery, error, delay_s)
        except Exception:
            log.exception("could not record failure; the lease will expire", extra=context)
            return
        if dead:
            self.metrics.dead_lettered += 1
            log.error("dead-lettered", extra={**context, "error": error})
        else:
            self.metrics.retries += 1
            log.info("retry scheduled", extra={**context, "error": error, "delay_s": delay_s})

    async def _keep_leases(self) -> None:
        interval_s = max(self.lease_s / 3, 0.05)
        while True:
            await asyncio.sleep(interval_s)
            if self._in_flight:
                try:
                    await self.queue.extend(list(self._in_flight.values()), self.lease_s)
                except Exception:
                    log.exception("lease extension failed")

    async def _drain(self) -> None:
        if self._tasks:
            log.info("draining", extra={"in_flight": len(self._tasks)})
            await asyncio.wait(list(self._tasks), timeout=self.shutdown_grace_s)
        leftover = list(self._in_flight.values())
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if leftover:
            try:
                await self.queue.release(leftover)
                log.info("released leases", extra={"count": len(leftover)})
            except Exception:
                log.exception("could not release leases; they will expire")


def _key(delivery: Delivery) -> tuple[str, str]:
    return delivery.message.tenant_id, delivery.message.log_id

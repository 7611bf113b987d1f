"""In-memory queue with the full semantics (leases, attempts, backoff, dead letters).

A real product for tests and demos, like dramatiq's StubBroker: ``join()`` waits until everything
is processed. Best-effort only: nothing survives the process.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_machines.errors import QueueUnavailable
from memory_machines.message import Delivery, Message, utc_now_iso
from memory_machines.queue.base import DeadLetter, Queue


@dataclass(slots=True)
class _Entry:
    message: Message
    attempts: int = 0
    available_at: float = 0.0
    owner: str | None = None
    enqueued_at: str = field(default_factory=utc_now_iso)
    history: list[dict[str, Any]] = field(default_factory=list)


class MemoryQueue(Queue):
    def __init__(self, max_attempts: int = 5) -> None:
        self.max_attempts = max_attempts
        self._entries: dict[str, _Entry] = {}
        self._dead: dict[str, DeadLetter] = {}
        self._ids = itertools.count(1)
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise QueueUnavailable("queue is closed")

    async def close(self) -> None:
        self._closed = True

    async def enqueue(self, messages: Sequence[Message]) -> None:
        self._check_open()
        now = time.monotonic()
        for message in messages:
            self._entries[str(next(self._ids))] = _Entry(message, available_at=now)

    async def claim(self, max_messages: int, lease_s: float, owner: str) -> list[Delivery]:
        self._check_open()
        now = time.monotonic()
        claimed: list[Delivery] = []
        for handle, entry in list(self._entries.items()):
            if len(claimed) >= max_messages:
                break
            if entry.available_at > now:
                continue
            if entry.owner is not None and entry.attempts >= self.max_attempts:
                # Its lease expired on the last allowed delivery: the worker died on it each time.
                self._dead_letter(handle, entry, "lease expired: worker stopped while processing")
                continue
            entry.attempts += 1
            entry.owner = owner
            entry.available_at = now + lease_s
            entry.history.append({"attempt": entry.attempts, "at": utc_now_iso()})
            claimed.append(Delivery(entry.message, entry.attempts, handle))
        return claimed

    async def extend(self, deliveries: Sequence[Delivery], lease_s: float) -> None:
        until = time.monotonic() + lease_s
        for delivery in deliveries:
            entry = self._entries.get(delivery.handle)
            if entry is not None and entry.attempts == delivery.attempt:
                entry.available_at = until

    async def ack(self, delivery: Delivery) -> None:
        self._check_open()
        entry = self._entries.get(delivery.handle)
        if entry is not None and entry.attempts == delivery.attempt:
            del self._entries[delivery.handle]

    async def fail(self, delivery: Delivery, error: str, retry_delay_s: float) -> bool:
        self._check_open()
        entry = self._entries.get(delivery.handle)
        if entry is None or entry.attempts != delivery.attempt:
            return False
        if entry.history:
            entry.history[-1]["error"] = error
        if entry.attempts >= self.max_attempts:
            self._dead_letter(delivery.handle, entry, error)
            return True
        entry.owner = None
        entry.available_at = time.monotonic() + retry_delay_s
        return False

    async def release(self, deliveries: Sequence[Delivery]) -> None:
        now = time.monotonic()
        for delivery in deliveries:
            entry = self._entries.get(delivery.handle)
            if entry is not None and entry.attempts == delivery.attempt:
                entry.attempts -= 1
                entry.owner = None
                entry.available_at = now

    def _dead_letter(self, handle: str, entry: _Entry, error: str) -> None:
        del self._entries[handle]
        self._dead[handle] = DeadLetter(
            id=handle,
            message=entry.message,
            attempts=entry.attempts,
            last_error=error,
            dead_lettered_at=utc_now_iso(),
            first_enqueued_at=entry.enqueued_at,
            history=list(entry.history),
        )

    async def depth(self) -> int:
        self._check_open()
        return len(self._entries)

    async def next_visible_in(self) -> float | None:
        if not self._entries:
            return None
        soonest = min(entry.available_at for entry in self._entries.values())
        return max(0.0, soonest - time.monotonic())

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        return list(self._dead.values())[:limit]

    async def replay(self, dead_letter_id: str) -> bool:
        dead = self._dead.pop(dead_letter_id, None)
        if dead is None:
            return False
        await self.enqueue([dead.message])
        return True

    async def join(self, timeout_s: float = 30.0, *, fail_fast: bool = False) -> None:
        """Wait until no message is waiting or in flight; with ``fail_fast``, raise on a dead letter."""
        deadline = time.monotonic() + timeout_s
        while self._entries:
            if fail_fast and self._dead:
                raise RuntimeError(next(iter(self._dead.values())).last_error)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self._entries)} messages still queued")
            await asyncio.sleep(0.01)
        if fail_fast and self._dead:
            raise RuntimeError(next(iter(self._dead.values())).last_error)

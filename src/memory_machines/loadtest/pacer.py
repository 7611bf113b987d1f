"""Open-loop pacing: request *i* is due at ``start + i * interval`` whatever the server does.

A closed loop (send, wait, send) slows down with the server and hides the queueing a real
client population would see ("coordinated omission"). Here the timeline is fixed; callers
measure latency from the due time, so time spent waiting for a free slot counts against the
service. When the pacer cannot keep up (slow client, all ``concurrency`` slots busy) it sends
late rather than skipping, and says how late in :class:`PacingStats`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Fire = Callable[[int, float], Awaitable[None]]
"""Sends request ``index``; the second argument is its due time on the pacer's clock."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# A run may be called "held" with this share of late sends (a GC pause, a busy neighbour).
LATE_SHARE_ALLOWED = 0.01


@dataclass(slots=True)
class PacingStats:
    """How faithfully the timeline was kept."""

    scheduled: int
    interval_s: float
    lag_tolerance_s: float
    sent: int = 0
    late_sends: int = 0  # started more than lag_tolerance_s after their due time
    late_for_slot: int = 0  # of those, how many had to wait for a free concurrency slot
    max_lag_s: float = 0.0
    cap_waits: int = 0  # sends that found every concurrency slot busy
    last_send_offset_s: float = 0.0

    def note_send(self, lag_s: float, offset_s: float, waited_for_slot: bool = False) -> None:
        self.sent += 1
        self.max_lag_s = max(self.max_lag_s, lag_s)
        self.cap_waits += waited_for_slot
        if lag_s > self.lag_tolerance_s:
            self.late_sends += 1
            self.late_for_slot += waited_for_slot
        self.last_send_offset_s = offset_s

    @property
    def rate_held(self) -> bool:
        return self.sent == self.scheduled and self.late_sends <= LATE_SHARE_ALLOWED * self.sent

    @property
    def send_rate_rps(self) -> float:
        """Rate at which requests actually left, over the span they were due in."""
        span = max(self.last_send_offset_s, (self.sent - 1) * self.interval_s) + self.interval_s
        return self.sent / span if self.sent else 0.0


async def _run_one(fire: Fire, index: int, due: float, slots: asyncio.Semaphore) -> None:
    try:
        await fire(index, due)
    finally:
        slots.release()


async def run_open_loop(
    total: int,
    interval_s: float,
    concurrency: int,
    fire: Fire,
    *,
    start: float | None = None,
    lag_tolerance_s: float = 0.05,
    clock: Clock = time.perf_counter,
    sleep: Sleep = asyncio.sleep,
) -> PacingStats:
    """Start ``total`` calls of ``fire`` on the timeline, then wait for all of them to finish."""
    stats = PacingStats(total, interval_s, lag_tolerance_s)
    slots = asyncio.Semaphore(concurrency)
    pending: set[asyncio.Task[None]] = set()
    t0 = clock() if start is None else start
    try:
        for index in range(total):
            due = t0 + index * interval_s
            delay = due - clock()
            if delay > 0:
                await sleep(delay)
            waited = slots.locked()
            await slots.acquire()
            now = clock()
            stats.note_send(now - due, now - t0, waited)
            task = asyncio.create_task(_run_one(fire, index, due, slots))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.gather(*pending)
    finally:
        for task in pending:
            task.cancel()
    return stats

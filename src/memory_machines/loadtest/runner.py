"""Drive one run: pace requests on the timeline, send them, record every answer.

Connections are HTTP/1.1 keep-alive, at most ``concurrency`` of them: the same bound the pacer
puts on outstanding requests, so a request never waits for a connection inside the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import httpx

from memory_machines.loadtest.clients import ClientPool
from memory_machines.loadtest.config import LoadConfig
from memory_machines.loadtest.generator import PayloadGenerator
from memory_machines.loadtest.outcome import read_outcome, transport_failure
from memory_machines.loadtest.pacer import run_open_loop
from memory_machines.loadtest.result import LoadResult, Tally
from memory_machines.loadtest.verify import verify_run

PROGRESS_EVERY_S = 0.25


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A moment of the run, for a live display."""

    elapsed_s: float
    duration_s: float
    scheduled: int
    due: int  # requests the timeline says should have started by now
    started: int
    completed: int
    ok: int

    @property
    def in_flight(self) -> int:
        return self.started - self.completed


class ProgressSink(Protocol):
    """Receives snapshots while requests go out, then status lines while verifying."""

    def update(self, snapshot: Snapshot) -> None: ...

    def status(self, message: str) -> None: ...

    def close(self) -> None: ...


def _snapshot(tally: Tally, config: LoadConfig, start: float) -> Snapshot:
    elapsed = time.perf_counter() - start
    return Snapshot(
        elapsed_s=elapsed,
        duration_s=config.duration_s,
        scheduled=config.total_requests,
        due=min(config.total_requests, int(elapsed / config.interval_s) + 1),
        started=tally.started,
        completed=tally.completed,
        ok=tally.ok,
    )


async def _report_progress(
    sink: ProgressSink, tally: Tally, config: LoadConfig, start: float
) -> None:
    while True:
        sink.update(_snapshot(tally, config, start))
        await asyncio.sleep(PROGRESS_EVERY_S)


async def run_load(config: LoadConfig, progress: ProgressSink | None = None) -> LoadResult:
    """Run the load described by ``config`` (and verify it if ``config.verify``)."""
    try:
        result = await _send_all(config, progress)
        if config.verify:
            on_status = progress.status if progress is not None else None
            result.verification = await verify_run(config, result.accepted_ids, on_status=on_status)
        return result
    finally:
        if progress is not None:
            progress.close()


async def _send_all(config: LoadConfig, progress: ProgressSink | None) -> LoadResult:
    generator = PayloadGenerator(config)
    tally = Tally()
    started_at = datetime.now(UTC)
    async with ClientPool(config, config.concurrency) as clients:
        start = time.perf_counter()

        async def fire(index: int, due: float) -> None:
            payload = generator.next()
            tally.started += 1
            headers = {
                "Content-Type": payload.content_type,
                "X-Request-Id": f"{config.run_id}-r{index}",
            }
            headers.update(payload.headers)
            client = clients.checkout()
            try:
                response = await client.post("/ingest", content=payload.body, headers=headers)
                latency_s = time.perf_counter() - due
                outcome = read_outcome(payload, response.status_code, response.content)
            except httpx.RequestError as exc:  # no usable answer: timeout, reset, bad encoding
                latency_s = time.perf_counter() - due
                outcome = transport_failure(payload, exc)
            finally:
                clients.checkin(client)
            tally.record(payload, due - start, latency_s, outcome)

        ticker = None
        if progress is not None:
            ticker = asyncio.create_task(_report_progress(progress, tally, config, start))
        try:
            pacing = await run_open_loop(
                config.total_requests,
                config.interval_s,
                config.concurrency,
                fire,
                start=start,
                lag_tolerance_s=config.lag_tolerance_s,
            )
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            if progress is not None:
                progress.update(_snapshot(tally, config, start))  # the final count
        elapsed = time.perf_counter() - start
    return LoadResult(config, started_at, elapsed, pacing, tally)

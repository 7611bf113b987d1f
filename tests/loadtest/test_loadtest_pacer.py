"""Open-loop pacing, mostly on a fake clock so nothing depends on how busy the machine is."""

from __future__ import annotations

import asyncio
import time

import pytest

from memory_machines.loadtest.pacer import run_open_loop


class FakeClock:
    """Time moves only when the pacer sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay_s: float) -> None:
        self.now += delay_s
        await asyncio.sleep(0)


async def test_request_i_is_due_at_start_plus_i_intervals() -> None:
    clock = FakeClock()
    fired: list[tuple[int, float]] = []

    async def fire(index: int, due: float) -> None:
        fired.append((index, due))

    stats = await run_open_loop(5, 0.25, 10, fire, clock=clock, sleep=clock.sleep)

    assert [index for index, _ in fired] == [0, 1, 2, 3, 4]
    assert [due for _, due in fired] == pytest.approx([100.0 + 0.25 * i for i in range(5)])
    assert (stats.sent, stats.late_sends, stats.cap_waits) == (5, 0, 0)
    assert stats.rate_held
    assert stats.send_rate_rps == pytest.approx(4.0)


async def test_sends_do_not_wait_for_answers() -> None:
    """Open loop: every request starts on time even though none has been answered yet."""
    clock = FakeClock()
    release = asyncio.Event()
    started: list[int] = []

    async def fire(index: int, due: float) -> None:
        started.append(index)
        await release.wait()

    pacer = asyncio.create_task(run_open_loop(20, 0.01, 50, fire, clock=clock, sleep=clock.sleep))
    while len(started) < 20:
        await asyncio.sleep(0)
    assert not pacer.done()  # still waiting for the answers, after sending all of them

    release.set()
    stats = await pacer
    assert stats.sent == 20 and stats.late_sends == 0


async def test_a_full_concurrency_cap_delays_sends_and_is_reported() -> None:
    clock = FakeClock()
    release = asyncio.Event()
    started: list[int] = []

    async def fire(index: int, due: float) -> None:
        started.append(index)
        if index < 2:
            await release.wait()

    async def answer_later() -> None:
        while len(started) < 2:
            await asyncio.sleep(0)
        clock.now += 1.0  # the first two answers take a second
        for _ in range(20):
            await asyncio.sleep(0)
        release.set()

    helper = asyncio.create_task(answer_later())
    stats = await run_open_loop(6, 0.1, 2, fire, clock=clock, sleep=clock.sleep)
    await helper

    assert stats.sent == 6
    assert stats.cap_waits >= 1
    assert stats.late_for_slot >= 1
    assert stats.late_sends >= stats.late_for_slot
    assert not stats.rate_held


async def test_a_stalled_client_sends_late_rather_than_skipping() -> None:
    """Given the loop stalls for a second at request 2, later requests go out late, all of them."""
    clock = FakeClock()

    async def fire(index: int, due: float) -> None:
        if index == 2:
            clock.now += 1.0

    stats = await run_open_loop(10, 0.1, 50, fire, clock=clock, sleep=clock.sleep)

    assert stats.sent == 10
    assert stats.late_sends == 7  # requests 3..9, all due before the stall ended
    assert stats.late_for_slot == 0
    assert stats.max_lag_s == pytest.approx(1.0)
    assert not stats.rate_held


async def test_real_time_open_loop_overlaps_slow_answers() -> None:
    """20 requests answered in 0.3 s each take ~0.4 s in total, not 6 s one after another."""

    async def fire(index: int, due: float) -> None:
        await asyncio.sleep(0.3)

    begin = time.perf_counter()
    stats = await run_open_loop(20, 0.005, 50, fire)
    assert stats.sent == 20
    assert time.perf_counter() - begin < 4.0  # generous: a closed loop needs 6 s

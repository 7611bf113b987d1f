"""The worker over the in-memory adapters: concurrency, duplicates, retries, shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from memory_machines.processing import Processor
from memory_machines.queue.memory import MemoryQueue
from memory_machines.redaction import Redaction, Redactor
from memory_machines.retry import RetryPolicy
from memory_machines.store.memory import MemoryStore
from memory_machines.worker import Worker
from tests.factories import make_message


def _worker(queue: MemoryQueue, store: MemoryStore, **kwargs: object) -> Worker:
    processor = Processor(
        redactor=Redactor(),
        work_seconds_per_char=float(kwargs.pop("work_seconds_per_char", 0.0)),  # type: ignore[arg-type]
        chaos_fail_marker=kwargs.pop("chaos_fail_marker", None),  # type: ignore[arg-type]
    )
    return Worker(
        queue,
        store,
        processor,
        retry=RetryPolicy(max_attempts=3, base_s=0.01, max_s=0.05),
        poll_interval_s=0.01,
        **kwargs,  # type: ignore[arg-type]
    )


async def _run_until_drained(worker: Worker, queue: MemoryQueue, timeout_s: float = 10) -> None:
    task = asyncio.create_task(worker.run())
    try:
        await queue.join(timeout_s)
    finally:
        worker.stop()
        await task


async def test_messages_are_redacted_and_stored() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.enqueue([make_message("acme", "l1", "User 555-0199 accessed the system")])
    await _run_until_drained(_worker(queue, store), queue)

    document = await store.get("acme", "l1")
    assert document is not None
    assert document.modified_data == "User [REDACTED] accessed the system"
    assert document.delivery_attempt == 1
    assert sum(document.redactions.values()) == 1


class _CountingRedactor(Redactor):
    __slots__ = ("batches", "fail")

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.fail = fail

    def redact_many(self, texts: Sequence[str]) -> list[Redaction]:
        self.batches.append(len(texts))
        if self.fail:
            raise RuntimeError("batch redaction broke")
        return super().redact_many(texts)


def _texts(count: int) -> list[str]:
    return [f"user{i}@example.com called 555-{1000 + i:04d}" for i in range(count)]


async def test_a_claimed_batch_is_redacted_in_scans_of_at_most_a_hundred() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    texts = _texts(250)
    await queue.enqueue([make_message("acme", f"m{i}", t) for i, t in enumerate(texts)])
    redactor = _CountingRedactor()
    worker = Worker(queue, store, Processor(redactor), retry=RetryPolicy(), poll_interval_s=0.01)
    await _run_until_drained(worker, queue)

    assert redactor.batches == [100, 100, 50]  # one claim of 250, redacted in three scans
    for i, text in enumerate(texts):
        document = await store.get("acme", f"m{i}")
        assert document is not None
        assert document.modified_data == Redactor().redact(text).text
        assert document.redactions == {"email": 1, "phone": 1}


async def test_duplicates_are_not_redacted_again() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    messages = [make_message("acme", f"m{i}", t) for i, t in enumerate(_texts(3))]
    await queue.enqueue(messages)
    await _run_until_drained(_worker(queue, store), queue)

    await queue.enqueue([*messages, make_message("acme", "new", "call 555-0199")])
    redactor = _CountingRedactor()
    worker = Worker(queue, store, Processor(redactor), retry=RetryPolicy(), poll_interval_s=0.01)
    await _run_until_drained(worker, queue)
    assert redactor.batches == [1]
    assert worker.metrics.duplicates == 3


async def test_when_batch_redaction_fails_each_message_is_redacted_alone() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    texts = _texts(5)
    await queue.enqueue([make_message("acme", f"m{i}", t) for i, t in enumerate(texts)])
    redactor = _CountingRedactor(fail=True)
    worker = Worker(queue, store, Processor(redactor), retry=RetryPolicy(), poll_interval_s=0.01)
    await _run_until_drained(worker, queue)

    assert redactor.batches == [5]
    assert worker.metrics.processed == 5
    for i, text in enumerate(texts):
        document = await store.get("acme", f"m{i}")
        assert document is not None and document.modified_data == Redactor().redact(text).text


async def test_slow_messages_run_concurrently_up_to_the_limit() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.enqueue([make_message("acme", f"m{i}", "x" * 10) for i in range(100)])
    worker = _worker(queue, store, work_seconds_per_char=0.05, concurrency=50)  # 0.5 s each
    started = time.monotonic()
    await _run_until_drained(worker, queue)
    # 100 messages at 50 in flight: two waves of 0.5 s, not 50 s one by one.
    assert time.monotonic() - started < 10
    assert store.count("acme") == 100


async def test_already_stored_content_is_acknowledged_without_processing() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    message = make_message("acme", "dup", "same")
    await queue.enqueue([message])
    worker = _worker(queue, store)
    await _run_until_drained(worker, queue)

    await queue.enqueue([make_message("acme", "dup", "same")])
    worker = _worker(queue, store)
    await _run_until_drained(worker, queue)
    assert worker.metrics.duplicates == 1
    stored = await store.get("acme", "dup")
    assert stored is not None and stored.correlation_id == message.correlation_id


async def test_a_failing_message_is_retried_then_dead_lettered() -> None:
    queue, store = MemoryQueue(max_attempts=3), MemoryStore()
    await queue.enqueue([make_message("acme", "bad", "BOOM"), make_message("acme", "ok", "fine")])
    worker = _worker(queue, store, chaos_fail_marker="BOOM")
    await _run_until_drained(worker, queue)

    [dead] = await queue.dead_letters()
    assert dead.message.log_id == "bad"
    assert dead.attempts == 3
    assert worker.metrics.retries == 2
    assert worker.metrics.dead_lettered == 1
    assert await store.get("acme", "ok") is not None


async def test_stop_releases_unfinished_leases_after_the_grace_period() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.enqueue([make_message("acme", "slow", "x" * 100)])
    worker = _worker(queue, store, work_seconds_per_char=1.0, shutdown_grace_s=0.1)
    task = asyncio.create_task(worker.run())
    while worker.in_flight == 0:
        await asyncio.sleep(0.01)
    worker.stop()
    await task

    [delivery] = await queue.claim(1, 30, "next-worker")
    assert delivery.attempt == 1  # the release did not count an attempt


async def test_a_crash_mid_message_is_a_hard_exit() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.enqueue([make_message("acme", "c", "abc")])
    crashes: list[bool] = []

    worker = _worker(queue, store, chaos_crash_rate=1.0, crash=lambda: crashes.append(True))
    await _run_until_drained(worker, queue)
    assert crashes == [True]

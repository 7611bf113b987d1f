"""The queue port's guarantees, run against every queue backend."""

from __future__ import annotations

import asyncio

from memory_machines.queue.base import Queue
from memory_machines.store.base import PutResult, Store
from tests.contract.conftest import MAX_ATTEMPTS
from tests.factories import make_document, make_message

LEASE_S = 30.0


async def test_enqueued_message_is_claimed_once_with_attempt_one(queue: Queue) -> None:
    message = make_message(text="first")
    await queue.enqueue([message])

    [delivery] = await queue.claim(10, LEASE_S, "w1")
    assert delivery.message == message
    assert delivery.attempt == 1
    assert await queue.claim(10, LEASE_S, "w2") == []


async def test_depth_counts_waiting_and_in_flight_until_acked(queue: Queue) -> None:
    await queue.enqueue([make_message(), make_message()])
    assert await queue.depth() == 2
    deliveries = await queue.claim(1, LEASE_S, "w1")
    assert await queue.depth() == 2
    await queue.ack(deliveries[0])
    assert await queue.depth() == 1


async def test_expired_lease_makes_the_message_visible_again_as_a_new_attempt(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    await queue.claim(1, 0.05, "dead-worker")
    await asyncio.sleep(0.1)

    [redelivery] = await queue.claim(1, LEASE_S, "w2")
    assert redelivery.attempt == 2


async def test_extending_a_lease_keeps_the_message_hidden(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    [delivery] = await queue.claim(1, 0.2, "w1")
    await queue.extend([delivery], LEASE_S)
    await asyncio.sleep(0.3)
    assert await queue.claim(1, LEASE_S, "w2") == []


async def test_failure_schedules_a_retry_after_the_delay(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    [delivery] = await queue.claim(1, LEASE_S, "w1")

    assert await queue.fail(delivery, "boom", retry_delay_s=0.2) is False
    assert await queue.claim(1, LEASE_S, "w1") == []
    await asyncio.sleep(0.3)
    [retry] = await queue.claim(1, LEASE_S, "w1")
    assert retry.attempt == 2


async def test_last_allowed_failure_dead_letters_with_the_error_and_history(queue: Queue) -> None:
    message = make_message(text="poison")
    await queue.enqueue([message])
    dead = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [delivery] = await queue.claim(1, LEASE_S, "w1")
        assert delivery.attempt == attempt
        dead = await queue.fail(delivery, f"error {attempt}", retry_delay_s=0)
    assert dead is True
    assert await queue.depth() == 0

    [entry] = await queue.dead_letters()
    assert entry.message == message
    assert entry.attempts == MAX_ATTEMPTS
    assert entry.last_error == f"error {MAX_ATTEMPTS}"
    assert [h["attempt"] for h in entry.history] == list(range(1, MAX_ATTEMPTS + 1))
    assert entry.to_dict()["tenant_id"] == message.tenant_id


async def test_replay_requeues_a_dead_letter_with_attempts_reset(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    for _ in range(MAX_ATTEMPTS):
        [delivery] = await queue.claim(1, LEASE_S, "w1")
        await queue.fail(delivery, "boom", retry_delay_s=0)
    [entry] = await queue.dead_letters()

    assert await queue.replay(entry.id) is True
    assert await queue.dead_letters() == []
    [delivery] = await queue.claim(1, LEASE_S, "w1")
    assert delivery.attempt == 1
    assert await queue.replay(entry.id) is False
    assert await queue.replay("no-such-id") is False


async def test_a_message_whose_worker_dies_on_every_attempt_is_dead_lettered(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    for _ in range(MAX_ATTEMPTS):
        assert len(await queue.claim(1, 0.01, "crashing-worker")) == 1
        await asyncio.sleep(0.03)

    assert await queue.claim(1, LEASE_S, "w2") == []
    [entry] = await queue.dead_letters()
    assert "lease expired" in entry.last_error


async def test_release_gives_the_lease_back_without_counting_an_attempt(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    [delivery] = await queue.claim(1, LEASE_S, "w1")
    await queue.release([delivery])
    [again] = await queue.claim(1, LEASE_S, "w2")
    assert again.attempt == 1


async def test_a_stale_ack_does_not_remove_a_newer_delivery(queue: Queue) -> None:
    await queue.enqueue([make_message()])
    [stale] = await queue.claim(1, 0.01, "slow-worker")
    await asyncio.sleep(0.03)
    [fresh] = await queue.claim(1, LEASE_S, "w2")

    await queue.ack(stale)
    assert await queue.depth() == 1
    await queue.ack(fresh)
    assert await queue.depth() == 0


async def test_complete_stores_the_document_and_acks(queue_and_store: tuple[Queue, Store]) -> None:
    queue, store = queue_and_store
    message = make_message(tenant_id="t1", log_id="l1", text="body")
    await queue.enqueue([message])
    [delivery] = await queue.claim(1, LEASE_S, "w1")
    document = make_document(tenant_id="t1", log_id="l1", text="body")

    assert await queue.complete(delivery, document, store) is PutResult.STORED
    assert await queue.depth() == 0
    assert await store.get("t1", "l1") == document


async def test_claim_hands_out_at_most_the_requested_number(queue: Queue) -> None:
    await queue.enqueue([make_message() for _ in range(25)])
    first = await queue.claim(10, LEASE_S, "w1")
    second = await queue.claim(100, LEASE_S, "w1")
    assert len(first) == 10
    assert len(second) == 15
    assert {d.handle for d in first}.isdisjoint({d.handle for d in second})

"""The Pub/Sub queue on the Pub/Sub emulator: publish, lease, retry, dead-letter, replay."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from memory_machines.errors import QueueUnavailable
from memory_machines.gcp import clients
from memory_machines.gcp.provision import provision
from memory_machines.message import Delivery, Message
from memory_machines.queue.base import DeadLetter, Queue
from memory_machines.queue.pubsub import PubSubQueue
from memory_machines.settings import Settings
from tests.gcp.emulators import Emulator
from tests.gcp.support import eventually, gcp_settings

pytestmark = [pytest.mark.gcp, pytest.mark.integration]


def make_message(log_id: str = "log-1", text: str = "hello from 10.0.0.1") -> Message:
    return Message.create(
        tenant_id="tenant-a",
        log_id=log_id,
        text=text,
        source="json_upload",
        correlation_id=f"corr-{log_id}",
    )


@pytest.fixture
def settings(emulator_env: dict[str, str]) -> Settings:
    settings = gcp_settings()
    provision(settings)
    return settings


@pytest.fixture
async def queue(settings: Settings) -> AsyncIterator[PubSubQueue]:
    queue = PubSubQueue.from_settings(settings)
    async with queue:
        yield queue


async def claim_n(queue: Queue, n: int, timeout_s: float = 20.0) -> list[Delivery]:
    claimed: list[Delivery] = []

    async def probe() -> bool:
        claimed.extend(await queue.claim(n - len(claimed), 30.0, "test"))
        return len(claimed) >= n

    await eventually(probe, timeout_s=timeout_s, interval_s=0)
    return claimed


async def test_published_messages_are_claimed_intact_on_their_first_attempt(
    queue: PubSubQueue,
) -> None:
    sent = [make_message(f"log-{n}", f"text {n}") for n in range(3)]

    await queue.enqueue(sent)
    deliveries = await claim_n(queue, 3)

    assert sorted((d.message for d in deliveries), key=lambda m: m.log_id) == sent
    assert {d.attempt for d in deliveries} == {1}
    assert await queue.depth() == 3  # held by this process until acked


async def test_an_acked_message_is_not_delivered_again(queue: PubSubQueue) -> None:
    await queue.enqueue([make_message()])
    [delivery] = await claim_n(queue, 1)

    await queue.ack(delivery)

    assert await queue.depth() == 0
    assert await queue.claim(10, 30.0, "test") == []


async def test_a_failed_message_comes_back_as_attempt_two(queue: PubSubQueue) -> None:
    await queue.enqueue([make_message()])
    [first] = await claim_n(queue, 1)

    dead = await queue.fail(first, "ValueError: flaky", retry_delay_s=0.0)
    [second] = await claim_n(queue, 1)

    assert dead is False
    assert second.message == first.message
    assert second.attempt == 2
    await queue.ack(second)


async def test_a_released_message_is_redelivered(queue: PubSubQueue) -> None:
    await queue.enqueue([make_message()])
    [first] = await claim_n(queue, 1)

    await queue.release([first])
    [again] = await claim_n(queue, 1)

    assert again.message == first.message
    await queue.ack(again)


async def test_a_message_held_past_its_lease_is_not_redelivered_while_its_holder_lives(
    settings: Settings,
) -> None:
    """The client's lease manager keeps extending the ack deadline (here 10 s per extension)."""
    async with (
        PubSubQueue.from_settings(settings) as holder,
        PubSubQueue.from_settings(settings) as other,
    ):
        await holder.enqueue([make_message()])
        [delivery] = await claim_n(holder, 1)

        held_until = time.monotonic() + settings.lease_seconds + 3
        while time.monotonic() < held_until:
            assert await other.claim(10, 30.0, "other") == []
            assert await holder.claim(10, 30.0, "holder") == []

        await holder.ack(delivery)


async def test_after_max_attempts_it_is_dead_lettered_with_its_errors_then_replayed(
    queue: PubSubQueue,
) -> None:
    message = make_message(text="this one always fails")
    await queue.enqueue([message])

    outcomes = []
    for attempt in range(1, 6):
        [delivery] = await claim_n(queue, 1)
        assert delivery.attempt == attempt
        outcomes.append(await queue.fail(delivery, f"boom on attempt {attempt}", 0.0))
    assert outcomes == [False, False, False, False, True]

    [dead] = await eventually(queue.dead_letters)
    assert dead.message == message
    assert dead.attempts == 5
    assert dead.last_error == "boom on attempt 5"
    assert [h["attempt"] for h in dead.history] == [1, 2, 3, 4, 5]
    assert dead.dead_lettered_at.endswith("Z")
    assert await queue.claim(10, 30.0, "test") == []  # it left the main subscription

    # Listing does not consume: it is still there.
    assert [d.id for d in await queue.dead_letters()] == [dead.id]

    assert await queue.replay(dead.id) is True
    [replayed] = await claim_n(queue, 1)
    assert replayed.message == message
    assert replayed.attempt == 1  # attempts start again
    await queue.ack(replayed)
    assert await queue.dead_letters() == []
    assert await queue.replay(dead.id) is False


async def test_a_malformed_message_is_dead_lettered_with_the_reason_not_dropped(
    queue: PubSubQueue, settings: Settings
) -> None:
    publisher = clients.publisher_client()
    topic = publisher.topic_path(settings.gcp_project_id, settings.pubsub_topic_id)
    publisher.publish(topic, b"no attributes at all", tenant_id="tenant-a").result(timeout=10)

    async def dead_lettered() -> list[DeadLetter]:
        assert await queue.claim(10, 30.0, "test") == []  # never handed to a worker
        return await queue.dead_letters()

    [dead] = await eventually(dead_lettered)

    assert dead.message.text == "no attributes at all"
    assert dead.message.tenant_id == "tenant-a"
    assert dead.last_error.startswith("malformed: missing attributes")


async def test_a_dead_letter_without_a_recorded_error_says_its_lease_lapsed(
    settings: Settings,
) -> None:
    """A worker that died on its last attempt records nothing; the listing says so."""
    async with PubSubQueue.from_settings(settings) as queue:
        await queue.enqueue([make_message()])
        for _ in range(5):
            [delivery] = await claim_n(queue, 1)
            await queue.release([delivery])  # no error recorded, as when a worker dies

        [dead] = await eventually(queue.dead_letters)

    assert dead.attempts == 5
    assert "lease lapsed" in dead.last_error
    assert "no error was recorded" in dead.last_error


async def test_ping_fails_when_the_topic_does_not_exist(emulator_env: dict[str, str]) -> None:
    async with PubSubQueue.from_settings(gcp_settings(store="memory")) as queue:
        with pytest.raises(QueueUnavailable, match="gcp setup"):
            await queue.ping()


async def test_claim_on_a_missing_subscription_is_queue_unavailable(
    emulator_env: dict[str, str],
) -> None:
    async with PubSubQueue.from_settings(gcp_settings(store="memory")) as queue:

        async def failed() -> bool:
            try:
                await queue.claim(1, 30.0, "test")
            except QueueUnavailable:
                return True
            return False

        assert await eventually(failed, timeout_s=15)


async def test_publishing_to_a_stopped_emulator_is_queue_unavailable_within_the_timeout(
    start_pubsub_emulator: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert callable(start_pubsub_emulator)
    emulator: Emulator = start_pubsub_emulator()
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", emulator.host)
    settings = gcp_settings(store="memory", pubsub_publish_timeout_seconds=2.0)
    provision(settings)

    async with PubSubQueue.from_settings(settings) as queue:
        await queue.enqueue([make_message("before")])
        await queue.ping()
        emulator.stop()

        started = time.monotonic()
        with pytest.raises(QueueUnavailable):
            await queue.enqueue([make_message("during")])
        elapsed_s = time.monotonic() - started
        with pytest.raises(QueueUnavailable):
            await queue.ping()

    assert elapsed_s < 2.0 + 1.0

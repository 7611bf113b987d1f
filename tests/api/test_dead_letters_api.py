"""Dead letters over HTTP: listing what exhausted its attempts, and replaying it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.api.support import Api, ApiFactory, assert_accepted, assert_error, record

MAX_ATTEMPTS = 3
MARKER = "FAIL-ON-PURPOSE"


@pytest.fixture
async def failing(make_api: ApiFactory) -> AsyncIterator[Api]:
    """A worker that fails every message carrying the marker, retrying fast."""
    async with make_api(
        with_worker=True,
        chaos_fail_marker=MARKER,
        max_attempts=MAX_ATTEMPTS,
        retry_backoff_base_seconds=0.01,
        retry_backoff_max_seconds=0.02,
    ) as api:
        yield api


async def dead_letters(api: Api) -> list[dict[str, Any]]:
    response = await api.client.get("/admin/dead-letters")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["error"] is None
    return body["data"]["items"]


async def wait_for_dead_letters(api: Api, count: int) -> list[dict[str, Any]]:
    async def enough() -> bool:
        return len(await dead_letters(api)) >= count

    await api.until(enough)
    return await dead_letters(api)


async def test_no_dead_letters_at_first(api: Api) -> None:
    assert await dead_letters(api) == []


async def test_a_message_that_keeps_failing_is_listed_after_its_last_attempt(failing: Api) -> None:
    response = await failing.post_json(
        record("acme", "doomed", f"x {MARKER} y"), **{"x-request-id": "c-9"}
    )
    assert_accepted(response)

    [entry] = await wait_for_dead_letters(failing, 1)
    assert {"id", "tenant_id", "log_id", "attempts", "last_error", "dead_lettered_at"} <= set(entry)
    assert (entry["tenant_id"], entry["log_id"]) == ("acme", "doomed")
    assert entry["attempts"] == MAX_ATTEMPTS
    assert "chaos" in entry["last_error"]
    assert entry["correlation_id"] == "c-9"
    assert entry["dead_lettered_at"].endswith("Z")
    assert_error(await failing.client.get("/tenants/acme/logs/doomed"), "NOT_FOUND")


async def test_healthy_messages_are_not_held_up_by_a_failing_one(failing: Api) -> None:
    assert_accepted(
        await failing.post_ndjson(
            [record(log_id="bad", text=MARKER), record(log_id="good", text="fine")]
        )
    )
    await wait_for_dead_letters(failing, 1)
    await failing.queue.join(timeout_s=10)
    assert (await failing.client.get("/tenants/acme/logs/good")).status_code == 200


async def test_replay_requeues_the_message_with_attempts_reset_and_removes_it(failing: Api) -> None:
    assert_accepted(await failing.post_json(record("acme", "retry-me", f"{MARKER} once")))
    [entry] = await wait_for_dead_letters(failing, 1)

    # The cause is fixed: the worker no longer fails on the marker.
    assert failing.service.worker is not None
    worker = failing.service.worker
    worker.processor = dataclasses.replace(worker.processor, chaos_fail_marker=None)

    response = await failing.client.post(f"/admin/dead-letters/{entry['id']}/replay")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {"id": entry["id"], "status": "replayed"},
        "error": None,
    }
    assert entry["id"] not in [e["id"] for e in await dead_letters(failing)]

    await failing.queue.join(timeout_s=10)
    document = (await failing.client.get("/tenants/acme/logs/retry-me")).json()["data"]
    assert document["delivery_attempt"] == 1
    assert await dead_letters(failing) == []


async def test_a_replayed_dead_letter_cannot_be_replayed_twice(failing: Api) -> None:
    assert_accepted(await failing.post_json(record(log_id="twice", text=MARKER)))
    [entry] = await wait_for_dead_letters(failing, 1)

    assert (
        await failing.client.post(f"/admin/dead-letters/{entry['id']}/replay")
    ).status_code == 200
    assert_error(
        await failing.client.post(f"/admin/dead-letters/{entry['id']}/replay"), "NOT_FOUND"
    )


async def test_a_message_that_fails_again_after_replay_is_dead_lettered_again(failing: Api) -> None:
    assert_accepted(await failing.post_json(record(log_id="stubborn", text=MARKER)))
    [first] = await wait_for_dead_letters(failing, 1)

    assert (
        await failing.client.post(f"/admin/dead-letters/{first['id']}/replay")
    ).status_code == 200
    [again] = await wait_for_dead_letters(failing, 1)
    assert again["id"] != first["id"]
    assert again["log_id"] == "stubborn"
    assert again["attempts"] == MAX_ATTEMPTS


@pytest.mark.parametrize("dead_letter_id", ["999", "nope", "..", "%2e%2e"])
async def test_replaying_an_unknown_dead_letter_is_not_found(api: Api, dead_letter_id: str) -> None:
    assert_error(await api.client.post(f"/admin/dead-letters/{dead_letter_id}/replay"), "NOT_FOUND")


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "-5", "\u00b2"])
async def test_a_dead_letter_limit_outside_1_to_1000_is_a_validation_error(
    api: Api, limit: str
) -> None:
    response = await api.client.get("/admin/dead-letters", params={"limit": limit})
    assert_error(response, "VALIDATION_ERROR")


async def test_the_dead_letter_listing_honours_its_limit(failing: Api) -> None:
    assert_accepted(
        await failing.post_ndjson([record(log_id=f"d{i}", text=MARKER) for i in range(3)])
    )
    await wait_for_dead_letters(failing, 3)
    response = await failing.client.get("/admin/dead-letters", params={"limit": 2})
    assert len(response.json()["data"]["items"]) == 2

"""The post-run audit: draining, paginated listing, and lost/duplicated accounting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import orjson
import pytest

from memory_machines.loadtest.verify import (
    ListingError,
    audit,
    find_int,
    list_tenant,
    wait_for_drain,
)

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="http://svc", transport=httpx.MockTransport(handler))


def metrics_sequence(*docs: dict[str, object]) -> Handler:
    answers: Iterator[dict[str, object]] = iter(docs)
    last: list[dict[str, object]] = [{}]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/metrics"
        last[0] = next(answers, last[0])
        return httpx.Response(200, content=orjson.dumps(last[0]))

    return handler


def test_counters_are_found_at_the_top_or_nested() -> None:
    assert find_int({"queue_depth": 3}, "queue_depth") == 3
    assert find_int({"queue": {"queue_depth": 0}}, "queue_depth") == 0
    assert find_int({"queue_depth": True}, "queue_depth") is None
    assert find_int([1], "queue_depth") is None


async def test_drain_waits_until_queue_and_in_flight_read_zero_twice() -> None:
    handler = metrics_sequence(
        {"queue_depth": 5, "in_flight": 2},
        {"queue_depth": 0, "in_flight": 1},
        {"queue_depth": 0, "in_flight": 0},
        {"queue_depth": 0, "in_flight": 0},
    )
    async with client(handler) as c:
        drain = await wait_for_drain(c, timeout_s=30, poll_s=0.001)
    assert drain.drained and drain.note is None


async def test_drain_gives_up_at_the_timeout_and_says_why() -> None:
    async with client(metrics_sequence({"queue_depth": 9, "in_flight": 0})) as c:
        drain = await wait_for_drain(c, timeout_s=0.05, poll_s=0.01)
    assert not drain.drained
    assert drain.note is not None and "queue_depth=9" in drain.note


async def test_drain_fails_fast_when_metrics_lack_the_counters() -> None:
    async with client(metrics_sequence({"requests": 1})) as c:
        drain = await wait_for_drain(c, timeout_s=30, poll_s=0.01)
    assert not drain.drained and drain.note is not None and "queue_depth" in drain.note


def listing(pages: dict[str | None, tuple[list[object], str | None]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/tenants/t1/logs"
        assert request.url.params["limit"] == "1000"
        items, cursor = pages[request.url.params.get("cursor")]
        data = {"items": items, "next_cursor": cursor}
        return httpx.Response(200, content=orjson.dumps({"success": True, "data": data}))

    return handler


async def test_listing_follows_the_cursor_and_counts_every_occurrence() -> None:
    pages: dict[str | None, tuple[list[object], str | None]] = {
        None: ([{"log_id": "a"}, {"log_id": "b"}], "p2"),
        "p2": ([{"log_id": "b"}, {"id": "c"}, {"text": "no id"}], None),
    }
    async with client(listing(pages)) as c:
        counts, unidentified = await list_tenant(c, "t1")
    assert counts == {"a": 1, "b": 2, "c": 1}
    assert unidentified == 1


async def test_a_cursor_that_repeats_is_an_error_not_an_endless_loop() -> None:
    pages: dict[str | None, tuple[list[object], str | None]] = {
        None: ([], "same"),
        "same": ([], "same"),
    }
    async with client(listing(pages)) as c:
        with pytest.raises(ListingError, match="cursor"):
            await list_tenant(c, "t1")


async def test_a_failing_listing_is_an_error() -> None:
    async with client(lambda request: httpx.Response(500)) as c:
        with pytest.raises(ListingError, match="HTTP 500"):
            await list_tenant(c, "t1")


def test_audit_finds_lost_duplicated_and_unacknowledged_ids() -> None:
    expected = {"t1": ["run-1", "run-2", "run-3"], "t2": ["run-4"]}
    listed = {
        "t1": Counter({"run-1": 1, "run-3": 2, "run-9": 1, "other-run-1": 1}),
        "t2": Counter({"run-4": 1}),
    }
    lost, duplicated, unacknowledged = audit(expected, listed, "run")
    assert lost == ["t1/run-2"]
    assert duplicated == ["t1/run-3"]
    assert unacknowledged == 1  # run-9: ours, stored, never acknowledged; other-run-1 is not ours

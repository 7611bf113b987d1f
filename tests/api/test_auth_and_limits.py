"""API keys bound to tenants (401/403), per-tenant rate limits (429) and queue backpressure (503)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from memory_machines.errors import QueueUnavailable
from memory_machines.message import Message
from tests.api.support import Api, ApiFactory, assert_accepted, assert_error, record

KEYS = {"acme": "acme-key-1", "globex": "globex-key-2"}
ADMIN = "admin-secret"


@pytest.fixture
async def secured(make_api: ApiFactory) -> AsyncIterator[Api]:
    api_keys = ",".join(f"{tenant}:{key}" for tenant, key in KEYS.items())
    async with make_api(auth_enabled=True, api_keys=api_keys, admin_token=ADMIN) as api:
        yield api


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


# -- API keys -------------------------------------------------------------------------------------


async def test_ingest_without_a_key_is_unauthorized(secured: Api) -> None:
    assert_error(await secured.post_json(record("acme")), "UNAUTHORIZED")
    assert await secured.queue.depth() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer not-a-key"},
        {"authorization": "Bearer "},
        {"authorization": "Basic YWNtZTphY21lLWtleS0x"},
        {"x-api-key": "wrong"},
        {"authorization": f"Bearer {ADMIN}"},
    ],
    ids=["unknown-key", "empty-bearer", "basic-auth", "wrong-x-api-key", "admin-token"],
)
async def test_ingest_with_an_unknown_key_is_unauthorized(
    secured: Api, headers: dict[str, str]
) -> None:
    assert_error(await secured.post_json(record("acme"), **headers), "UNAUTHORIZED")


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": f"Bearer {KEYS['acme']}"},
        {"authorization": f"bearer {KEYS['acme']}"},
        {"x-api-key": KEYS["acme"]},
    ],
    ids=["bearer", "lowercase-bearer", "x-api-key"],
)
async def test_ingest_with_the_tenants_own_key_is_accepted(
    secured: Api, headers: dict[str, str]
) -> None:
    assert_accepted(await secured.post_json(record("acme"), **headers))


async def test_a_key_cannot_write_to_another_tenant(secured: Api) -> None:
    assert_error(await secured.post_json(record("globex"), **bearer(KEYS["acme"])), "FORBIDDEN")
    assert_error(await secured.post_text("x", tenant="globex", **bearer(KEYS["acme"])), "FORBIDDEN")
    assert await secured.queue.depth() == 0


async def test_text_uploads_are_checked_against_the_tenant_header(secured: Api) -> None:
    assert_error(await secured.post_text("x", tenant="acme"), "UNAUTHORIZED")
    assert_accepted(await secured.post_text("x", tenant="acme", **bearer(KEYS["acme"])))


async def test_an_ndjson_batch_naming_a_foreign_tenant_is_forbidden_as_a_whole(
    secured: Api,
) -> None:
    response = await secured.post_ndjson(
        [record("acme", "mine"), record("globex", "theirs")], **bearer(KEYS["acme"])
    )
    assert_error(response, "FORBIDDEN")
    assert await secured.queue.depth() == 0


async def test_reads_need_the_tenants_own_key(secured: Api) -> None:
    for path in ("/tenants/acme/logs", "/tenants/acme/logs/l1"):
        assert_error(await secured.client.get(path), "UNAUTHORIZED")
        assert_error(await secured.client.get(path, headers=bearer("nope")), "UNAUTHORIZED")
        assert_error(await secured.client.get(path, headers=bearer(KEYS["globex"])), "FORBIDDEN")
    response = await secured.client.get("/tenants/acme/logs", headers=bearer(KEYS["acme"]))
    assert response.status_code == 200
    response = await secured.client.get("/tenants/acme/logs/l1", headers=bearer(KEYS["acme"]))
    assert_error(response, "NOT_FOUND")


async def test_the_dead_letter_endpoints_need_the_admin_token(secured: Api) -> None:
    calls = [("GET", "/admin/dead-letters"), ("POST", "/admin/dead-letters/1/replay")]
    for method, path in calls:
        assert_error(await secured.client.request(method, path), "UNAUTHORIZED")
        response = await secured.client.request(method, path, headers=bearer("wrong"))
        assert_error(response, "FORBIDDEN")
        response = await secured.client.request(method, path, headers=bearer(KEYS["acme"]))
        assert_error(response, "FORBIDDEN")
    response = await secured.client.get("/admin/dead-letters", headers=bearer(ADMIN))
    assert response.status_code == 200
    response = await secured.client.post(
        "/admin/dead-letters/1/replay", headers={"x-api-key": ADMIN}
    )
    assert_error(response, "NOT_FOUND")


async def test_an_admin_token_protects_dead_letters_even_without_tenant_keys(
    make_api: ApiFactory,
) -> None:
    async with make_api(admin_token=ADMIN) as api:
        assert_error(await api.client.get("/admin/dead-letters"), "UNAUTHORIZED")
        assert (
            await api.client.get("/admin/dead-letters", headers=bearer(ADMIN))
        ).status_code == 200
        assert_accepted(await api.post_json(record("acme")))


async def test_operations_endpoints_need_no_key(secured: Api) -> None:
    for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
        assert (await secured.client.get(path)).status_code == 200, path


# -- per-tenant rate limit ------------------------------------------------------------------------


async def test_a_tenant_over_its_rate_is_rate_limited_with_retry_after(
    make_api: ApiFactory,
) -> None:
    async with make_api(tenant_rate_limit_per_s=0.1, tenant_rate_burst=2) as api:
        assert_accepted(await api.post_json(record("acme", "1")))
        assert_accepted(await api.post_json(record("acme", "2")))

        response = await api.post_json(record("acme", "3"))
        assert_error(response, "RATE_LIMITED")
        assert 1 <= int(response.headers["retry-after"]) <= 10
        assert await api.queue.depth() == 2


async def test_one_tenants_rate_limit_does_not_slow_another(make_api: ApiFactory) -> None:
    async with make_api(tenant_rate_limit_per_s=0.1, tenant_rate_burst=1) as api:
        assert_accepted(await api.post_json(record("acme", "1")))
        assert_error(await api.post_json(record("acme", "2")), "RATE_LIMITED")
        assert_accepted(await api.post_text("hello", tenant="globex"))


async def test_ndjson_lines_count_against_the_rate_one_each(make_api: ApiFactory) -> None:
    async with make_api(tenant_rate_limit_per_s=0.1, tenant_rate_burst=3) as api:
        assert_accepted(await api.post_ndjson([record("acme", "1"), record("acme", "2")]))
        response = await api.post_ndjson([record("acme", "3"), record("acme", "4")])
        assert_error(response, "RATE_LIMITED")
        assert "retry-after" in response.headers


async def test_a_batch_larger_than_the_burst_is_admitted_when_the_bucket_is_full(
    make_api: ApiFactory,
) -> None:
    """Otherwise its Retry-After would be a promise that can never be kept."""
    async with make_api(tenant_rate_limit_per_s=0.1, tenant_rate_burst=2) as api:
        response = await api.post_ndjson([record("acme", str(i)) for i in range(5)])
        assert assert_accepted(response)["accepted"] == 5
        assert_error(await api.post_json(record("acme", "after")), "RATE_LIMITED")


# -- queue backpressure ---------------------------------------------------------------------------


async def test_a_queue_over_its_depth_limit_answers_503_with_retry_after(
    make_api: ApiFactory,
) -> None:
    async with make_api(queue_max_depth=2) as api:
        assert_accepted(await api.post_json(record(log_id="1")))
        assert_accepted(await api.post_json(record(log_id="2")))

        response = await api.post_json(record(log_id="3"))
        assert_error(response, "SERVICE_UNAVAILABLE")
        assert int(response.headers["retry-after"]) >= 1
        assert_error(await api.post_text("text"), "SERVICE_UNAVAILABLE")
        assert await api.queue.depth() == 2


async def test_a_batch_that_would_overflow_the_queue_is_refused_whole(make_api: ApiFactory) -> None:
    async with make_api(queue_max_depth=3) as api:
        assert_accepted(await api.post_json(record(log_id="1")))
        response = await api.post_ndjson([record(log_id=str(i)) for i in range(3)])
        assert_error(response, "SERVICE_UNAVAILABLE")
        assert await api.queue.depth() == 1


async def test_the_queue_accepts_again_once_it_drains(make_api: ApiFactory) -> None:
    async with make_api(queue_max_depth=1, with_worker=True) as api:
        assert_accepted(await api.post_json(record(log_id="1")))
        await api.queue.join(timeout_s=10)

        async def accepted_again() -> bool:
            response = await api.post_json(record(log_id="2"))
            return response.status_code == 202

        await api.until(accepted_again)


async def test_a_closed_queue_answers_503_never_202(api: Api) -> None:
    await api.queue.close()

    for response in (
        await api.post_json(record()),
        await api.post_text("hello"),
        await api.post_ndjson([record(log_id="a"), record(log_id="b")]),
    ):
        assert_error(response, "SERVICE_UNAVAILABLE")
        assert int(response.headers["retry-after"]) >= 1


async def test_a_queue_that_cannot_commit_answers_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(messages: Sequence[Message]) -> None:
        raise QueueUnavailable("disk full")

    monkeypatch.setattr(api.queue, "enqueue", refuse)
    response = await api.post_json(record())
    assert_error(response, "SERVICE_UNAVAILABLE")
    assert "retry-after" in response.headers


async def test_backpressure_is_reported_after_validation(make_api: ApiFactory) -> None:
    """A client learns that its request is malformed even while the queue is full."""
    async with make_api(queue_max_depth=1) as api:
        assert_accepted(await api.post_json(record(log_id="1")))
        assert_error(await api.post_json(record(text=" ")), "VALIDATION_ERROR")


async def test_rejections_are_counted_by_code_in_the_metrics(make_api: ApiFactory) -> None:
    async with make_api(queue_max_depth=1) as api:
        assert_accepted(await api.post_json(record(log_id="1")))
        assert_error(await api.post_json(record(log_id="2")), "SERVICE_UNAVAILABLE")
        metrics = (await api.client.get("/metrics")).json()
        assert metrics["requests_by_outcome"] == {"accepted": 1, "SERVICE_UNAVAILABLE": 1}


async def test_a_key_configured_by_its_digest_only_is_accepted(make_api: ApiFactory) -> None:
    """``tenant:sha256:<digest>`` keeps usable keys out of the configuration."""
    import hashlib

    digest = hashlib.sha256(b"s3cret-key").hexdigest()
    async with make_api(auth_enabled=True, api_keys=f"acme:sha256:{digest}") as api:
        record = {"tenant_id": "acme", "log_id": "k1", "text": "hello"}
        ok = await api.client.post(
            "/ingest", json=record, headers={"Authorization": "Bearer s3cret-key"}
        )
        bad = await api.client.post(
            "/ingest", json=record, headers={"Authorization": "Bearer other"}
        )
    assert ok.status_code == 202
    assert bad.status_code == 401

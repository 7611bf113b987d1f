"""Reading stored documents: ``GET /tenants/{t}/logs/{id}`` and the paginated listing."""

from __future__ import annotations

import pytest

from tests.api.support import (
    Api,
    ApiFactory,
    assert_accepted,
    assert_error,
    record,
    stored_document,
)

DOCUMENT_FIELDS = {
    "tenant_id",
    "log_id",
    "source",
    "original_text",
    "modified_data",
    "processed_at",
    "content_hash",
    "correlation_id",
    "received_at",
    "delivery_attempt",
}


def _ok(body: dict) -> dict:
    assert set(body) == {"success", "data", "error"}
    assert body["success"] is True
    assert body["error"] is None
    return body["data"]


async def test_a_log_is_not_found_before_it_is_processed_and_found_after(api: Api) -> None:
    assert_accepted(
        await api.post_json(record("acme", "log-1", "hello"), **{"x-request-id": "c-1"})
    )

    assert_error(await api.client.get("/tenants/acme/logs/log-1"), "NOT_FOUND")

    assert await api.process_all() == 1
    response = await api.client.get("/tenants/acme/logs/log-1")
    assert response.status_code == 200
    document = _ok(response.json())
    assert set(document) >= DOCUMENT_FIELDS
    assert document["tenant_id"] == "acme"
    assert document["log_id"] == "log-1"
    assert document["source"] == "json_upload"
    assert document["original_text"] == "hello"
    assert document["correlation_id"] == "c-1"
    assert document["delivery_attempt"] == 1
    assert document["processed_at"].endswith("Z")


async def test_a_text_upload_is_readable_under_its_generated_log_id(api: Api) -> None:
    data = assert_accepted(await api.post_text("plain log line", tenant="globex"))
    await api.process_all()

    response = await api.client.get(f"/tenants/globex/logs/{data['log_id']}")
    document = _ok(response.json())
    assert document["source"] == "text_upload"
    assert document["original_text"] == "plain log line"


async def test_the_worker_stores_an_accepted_log_in_the_background(make_api: ApiFactory) -> None:
    async with make_api(with_worker=True) as api:
        assert_accepted(await api.post_json(record("acme", "bg-1", "processed by the worker")))

        async def stored() -> bool:
            return (await api.client.get("/tenants/acme/logs/bg-1")).status_code == 200

        await api.until(stored)
        document = _ok((await api.client.get("/tenants/acme/logs/bg-1")).json())
        assert document["original_text"] == "processed by the worker"


async def test_an_unknown_tenant_has_an_empty_listing(api: Api) -> None:
    response = await api.client.get("/tenants/nobody/logs")
    assert response.status_code == 200
    assert _ok(response.json()) == {"items": [], "next_cursor": None}


# -- tenant isolation -----------------------------------------------------------------------------


async def test_the_same_log_id_under_two_tenants_is_two_separate_documents(api: Api) -> None:
    assert_accepted(await api.post_json(record("acme", "shared", "acme's secret")))
    assert_accepted(await api.post_json(record("globex", "shared", "globex's secret")))
    await api.process_all()

    acme = _ok((await api.client.get("/tenants/acme/logs/shared")).json())
    globex = _ok((await api.client.get("/tenants/globex/logs/shared")).json())
    assert (acme["tenant_id"], acme["original_text"]) == ("acme", "acme's secret")
    assert (globex["tenant_id"], globex["original_text"]) == ("globex", "globex's secret")

    for tenant in ("acme", "globex"):
        listing = _ok((await api.client.get(f"/tenants/{tenant}/logs")).json())
        assert [(d["tenant_id"], d["log_id"]) for d in listing["items"]] == [(tenant, "shared")]


async def test_a_tenant_cannot_read_another_tenants_log(api: Api) -> None:
    await api.service.store.put(stored_document("acme", "only-acme", "2024-01-01T00:00:00.000000Z"))

    assert_error(await api.client.get("/tenants/globex/logs/only-acme"), "NOT_FOUND")
    assert _ok((await api.client.get("/tenants/globex/logs")).json())["items"] == []


# -- listing --------------------------------------------------------------------------------------


async def _arrange(api: Api, tenant: str, count: int) -> list[str]:
    """Store ``count`` documents with increasing processed_at; return their ids newest first."""
    ids = []
    for i in range(count):
        log_id = f"log-{i:03d}"
        processed_at = f"2024-01-01T00:00:{i:02d}.000000Z"
        await api.service.store.put(stored_document(tenant, log_id, processed_at))
        ids.append(log_id)
    return ids[::-1]


async def test_the_listing_is_newest_first(api: Api) -> None:
    newest_first = await _arrange(api, "acme", 5)

    data = _ok((await api.client.get("/tenants/acme/logs")).json())
    assert [d["log_id"] for d in data["items"]] == newest_first
    assert data["next_cursor"] is None
    stamps = [d["processed_at"] for d in data["items"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_the_cursor_walks_every_document_once_in_order(api: Api) -> None:
    newest_first = await _arrange(api, "acme", 7)

    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        data = _ok((await api.client.get("/tenants/acme/logs", params=params)).json())
        pages += 1
        assert len(data["items"]) <= 3
        seen += [d["log_id"] for d in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert seen == newest_first
    assert pages == 3


async def test_a_page_that_ends_exactly_at_the_last_document_has_no_next_cursor(api: Api) -> None:
    await _arrange(api, "acme", 4)
    first = _ok((await api.client.get("/tenants/acme/logs", params={"limit": 2})).json())
    second = _ok(
        (
            await api.client.get(
                "/tenants/acme/logs", params={"limit": 2, "cursor": first["next_cursor"]}
            )
        ).json()
    )
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None


async def test_the_default_page_is_50_documents(api: Api) -> None:
    await _arrange(api, "acme", 51)
    data = _ok((await api.client.get("/tenants/acme/logs")).json())
    assert len(data["items"]) == 50
    assert data["next_cursor"] is not None


@pytest.mark.parametrize("limit", ["1", "1000"])
async def test_limits_from_1_to_1000_are_accepted(api: Api, limit: str) -> None:
    await _arrange(api, "acme", 2)
    response = await api.client.get("/tenants/acme/logs", params={"limit": limit})
    assert len(_ok(response.json())["items"]) == min(int(limit), 2)


@pytest.mark.parametrize(
    "limit",
    ["0", "1001", "abc", "-1", "", "1.5", " 5", "\u00b2", "\u0661\u0660", "99999999999999999999"],
)
async def test_a_limit_outside_1_to_1000_is_a_validation_error(api: Api, limit: str) -> None:
    response = await api.client.get("/tenants/acme/logs", params={"limit": limit})
    assert_error(response, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "cursor",
    ["garbage!", "e30", "WzFd", "bnVsbA", "WyJhIiwgMV0", "%%%", "é", "WyJhIiwiYiIsImMiXQ"],
    ids=[
        "garbage",
        "object",
        "one-item-list",
        "null",
        "wrong-types",
        "percent",
        "non-ascii",
        "three-items",
    ],
)
async def test_a_bad_cursor_is_a_validation_error(api: Api, cursor: str) -> None:
    await _arrange(api, "acme", 2)
    response = await api.client.get("/tenants/acme/logs", params={"cursor": cursor})
    assert_error(response, "VALIDATION_ERROR")


# -- duplicates -----------------------------------------------------------------------------------


async def test_reposting_stored_content_is_accepted_and_keeps_the_stored_document(
    make_api: ApiFactory,
) -> None:
    """A duplicate is 202, is not processed again, and the first correlation id stays."""
    async with make_api(with_worker=True) as api:
        body = record("acme", "dup-1", "same content")
        assert_accepted(await api.post_json(body, **{"x-request-id": "first"}))
        await api.queue.join(timeout_s=10)
        before = _ok((await api.client.get("/tenants/acme/logs/dup-1")).json())

        data = assert_accepted(await api.post_json(body, **{"x-request-id": "second"}))
        assert data["correlation_id"] == "second"
        await api.queue.join(timeout_s=10)

        after = _ok((await api.client.get("/tenants/acme/logs/dup-1")).json())
        assert after == before
        assert after["correlation_id"] == "first"
        assert api.service.metrics.duplicates == 1
        assert api.service.metrics.processed == 1


async def test_reposting_new_content_under_the_same_log_id_replaces_the_document(
    make_api: ApiFactory,
) -> None:
    async with make_api(with_worker=True) as api:
        assert_accepted(
            await api.post_json(record("acme", "v", "version one"), **{"x-request-id": "r1"})
        )
        await api.queue.join(timeout_s=10)
        assert_accepted(
            await api.post_json(record("acme", "v", "version two"), **{"x-request-id": "r2"})
        )
        await api.queue.join(timeout_s=10)

        document = _ok((await api.client.get("/tenants/acme/logs/v")).json())
        assert (document["original_text"], document["correlation_id"]) == ("version two", "r2")

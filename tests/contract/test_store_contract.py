"""The store port's guarantees, run against every store backend."""

from __future__ import annotations

import pytest

from memory_machines.errors import ValidationError
from memory_machines.store.base import PutResult, Store
from tests.factories import make_document


async def test_put_then_get_returns_the_document(store: Store) -> None:
    document = make_document(tenant_id="acme", log_id="a1", text="hello")
    assert await store.put(document) is PutResult.STORED
    assert await store.get("acme", "a1") == document


async def test_missing_document_is_none(store: Store) -> None:
    assert await store.get("acme", "nothing-here") is None


async def test_same_content_again_is_a_duplicate_and_keeps_the_original(store: Store) -> None:
    original = make_document(log_id="d1", text="same", correlation_id="first")
    again = make_document(log_id="d1", text="same", correlation_id="second")
    await store.put(original)

    assert await store.put(again) is PutResult.DUPLICATE
    stored = await store.get("acme", "d1")
    assert stored is not None
    assert stored.correlation_id == "first"


async def test_new_content_under_the_same_log_id_replaces(store: Store) -> None:
    await store.put(make_document(log_id="r1", text="old"))
    assert await store.put(make_document(log_id="r1", text="new")) is PutResult.STORED
    stored = await store.get("acme", "r1")
    assert stored is not None
    assert stored.original_text == "new"


async def test_has_content_matches_tenant_log_and_hash(store: Store) -> None:
    document = make_document(tenant_id="t1", log_id="h1", text="x")
    await store.put(document)
    assert await store.has_content("t1", "h1", document.content_hash)
    assert not await store.has_content("t1", "h1", "0" * 64)
    assert not await store.has_content("t2", "h1", document.content_hash)


async def test_tenants_never_see_each_other(store: Store) -> None:
    await store.put(make_document(tenant_id="alpha", log_id="shared", text="alpha's"))
    await store.put(make_document(tenant_id="beta", log_id="shared", text="beta's"))

    alpha = await store.get("alpha", "shared")
    beta = await store.get("beta", "shared")
    assert alpha is not None and alpha.original_text == "alpha's"
    assert beta is not None and beta.original_text == "beta's"
    assert [d.tenant_id for d in (await store.list("alpha")).items] == ["alpha"]
    assert (await store.list("gamma")).items == []


async def test_listing_is_newest_first_and_pages_with_a_cursor(store: Store) -> None:
    for i in range(7):
        await store.put(
            make_document(
                tenant_id="p", log_id=f"log-{i}", processed_at=f"2026-01-01T00:00:0{i}.000000Z"
            )
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = await store.list("p", limit=3, cursor=cursor)
        seen += [d.log_id for d in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"log-{i}" for i in reversed(range(7))]


async def test_listing_breaks_processed_at_ties_by_log_id(store: Store) -> None:
    for log_id in ("a", "b", "c"):
        await store.put(
            make_document(
                tenant_id="tie", log_id=log_id, processed_at="2026-01-01T00:00:00.000000Z"
            )
        )
    first = await store.list("tie", limit=2)
    second = await store.list("tie", limit=2, cursor=first.next_cursor)
    assert [d.log_id for d in first.items + second.items] == ["c", "b", "a"]
    assert second.next_cursor is None


@pytest.mark.parametrize("limit", [0, 1001])
async def test_limits_outside_1_to_1000_are_rejected(store: Store, limit: int) -> None:
    with pytest.raises(ValidationError):
        await store.list("acme", limit=limit)


@pytest.mark.parametrize("cursor", ["not-base64!", "W10", "bnVsbA", "WzEsMl0"])
async def test_a_forged_cursor_is_a_validation_error(store: Store, cursor: str) -> None:
    with pytest.raises(ValidationError):
        await store.list("acme", cursor=cursor)


async def test_stored_hashes_answers_for_many_keys_at_once(store: Store) -> None:
    first = make_document(tenant_id="t1", log_id="k1", text="one")
    await store.put(first)
    await store.put(make_document(tenant_id="t2", log_id="k2", text="two"))

    found = await store.stored_hashes([("t1", "k1"), ("t2", "k1"), ("t1", "missing")])
    assert found == {("t1", "k1"): first.content_hash}
    assert await store.stored_hashes([]) == {}

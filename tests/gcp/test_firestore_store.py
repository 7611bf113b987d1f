"""The store contract, held by the Firestore adapter on the Firestore emulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from memory_machines.document import Document
from memory_machines.errors import StoreUnavailable, ValidationError
from memory_machines.message import content_hash
from memory_machines.store.base import PutResult
from memory_machines.store.firestore import FirestoreStore
from tests.gcp.emulators import Emulator, free_port
from tests.gcp.support import gcp_settings

pytestmark = [pytest.mark.gcp, pytest.mark.integration]


def make_document(
    tenant_id: str = "tenant-a",
    log_id: str = "log-1",
    text: str = "user alice@example.com logged in",
    *,
    processed_at: str = "2025-01-01T00:00:00.000000Z",
    correlation_id: str = "corr-1",
) -> Document:
    return Document(
        tenant_id=tenant_id,
        log_id=log_id,
        source="json_upload",
        original_text=text,
        modified_data=text.replace("alice@example.com", "[REDACTED]"),
        processed_at=processed_at,
        content_hash=content_hash(text),
        correlation_id=correlation_id,
        received_at="2025-01-01T00:00:00.000000Z",
        delivery_attempt=1,
        processing_ms=12.5,
        redactions={"email": 1},
    )


@pytest.fixture
async def store(
    firestore_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FirestoreStore]:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    store = FirestoreStore.from_settings(gcp_settings())  # a fresh project: an empty database
    async with store:
        yield store


async def test_a_new_document_is_stored_and_read_back_identically(store: FirestoreStore) -> None:
    document = make_document()

    assert await store.put(document) is PutResult.STORED

    assert await store.get("tenant-a", "log-1") == document
    assert await store.has_content("tenant-a", "log-1", document.content_hash)
    assert not await store.has_content("tenant-a", "log-1", content_hash("other text"))


async def test_a_missing_document_reads_as_none(store: FirestoreStore) -> None:
    assert await store.get("tenant-a", "nothing-here") is None
    assert not await store.has_content("tenant-a", "nothing-here", content_hash("x"))


async def test_the_same_content_again_is_a_duplicate_and_keeps_the_first_document(
    store: FirestoreStore,
) -> None:
    first = make_document(correlation_id="first")
    await store.put(first)

    again = make_document(correlation_id="second", processed_at="2025-02-02T00:00:00.000000Z")

    assert await store.put(again) is PutResult.DUPLICATE
    assert await store.get("tenant-a", "log-1") == first


async def test_new_content_under_the_same_log_id_replaces_the_document(
    store: FirestoreStore,
) -> None:
    await store.put(make_document(text="old text"))
    newer = make_document(text="new text", processed_at="2025-03-03T00:00:00.000000Z")
    newer = Document.from_dict({**newer.to_dict(), "redactions": {}})

    assert await store.put(newer) is PutResult.STORED

    assert await store.get("tenant-a", "log-1") == newer


async def test_concurrent_redeliveries_store_exactly_once(store: FirestoreStore) -> None:
    """Ten workers finishing the same message at once: one write, nine duplicates."""
    copies = [make_document(correlation_id=f"worker-{n}") for n in range(10)]

    results = await asyncio.gather(*(store.put(copy) for copy in copies))

    assert sorted(r.value for r in results) == ["duplicate"] * 9 + ["stored"]
    stored = await store.get("tenant-a", "log-1")
    winner = copies[results.index(PutResult.STORED)]
    assert stored == winner


async def test_concurrent_different_contents_all_succeed_and_one_wins(
    store: FirestoreStore,
) -> None:
    versions = [make_document(text=f"version {n}") for n in range(6)]

    results = await asyncio.gather(*(store.put(v) for v in versions))

    assert all(r is PutResult.STORED for r in results)
    assert await store.get("tenant-a", "log-1") in versions


async def test_listing_is_newest_first_with_ties_broken_by_log_id_across_pages(
    store: FirestoreStore,
) -> None:
    times = ["2025-01-01T00:00:01.000000Z", "2025-01-01T00:00:02.000000Z"]
    documents = [
        make_document(log_id=f"log-{n}", processed_at=times[n % 2], text=f"text {n}")
        for n in range(7)
    ]
    await asyncio.gather(*(store.put(d) for d in documents))
    expected = sorted(documents, key=lambda d: (d.processed_at, d.log_id), reverse=True)

    seen: list[Document] = []
    cursor = None
    pages = 0
    while True:
        page = await store.list("tenant-a", limit=3, cursor=cursor)
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == expected
    assert pages == 3


async def test_an_exactly_full_last_page_has_no_next_cursor(store: FirestoreStore) -> None:
    for n in range(2):
        await store.put(make_document(log_id=f"log-{n}", text=f"text {n}"))

    page = await store.list("tenant-a", limit=2)

    assert len(page.items) == 2
    assert page.next_cursor is None


async def test_a_forged_cursor_is_a_validation_error(store: FirestoreStore) -> None:
    with pytest.raises(ValidationError):
        await store.list("tenant-a", cursor="not-a-cursor!")


async def test_tenants_never_see_each_others_documents(store: FirestoreStore) -> None:
    mine = make_document(tenant_id="tenant-a", text="a's secret")
    theirs = make_document(tenant_id="tenant-b", text="b's secret")
    await store.put(mine)
    await store.put(theirs)

    assert await store.get("tenant-a", "log-1") == mine
    assert await store.get("tenant-b", "log-1") == theirs
    assert not await store.has_content("tenant-a", "log-1", theirs.content_hash)
    assert (await store.list("tenant-a")).items == [mine]
    assert (await store.list("tenant-b")).items == [theirs]
    assert (await store.list("tenant-c")).items == []


async def test_ping_succeeds_against_a_running_emulator(store: FirestoreStore) -> None:
    await store.ping()


async def test_an_unreachable_firestore_is_store_unavailable_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")  # nobody listens
    store = FirestoreStore.from_settings(gcp_settings(firestore_timeout_seconds=1.0))
    started = time.monotonic()

    async with store:
        with pytest.raises(StoreUnavailable):
            await store.put(make_document())
        with pytest.raises(StoreUnavailable):
            await store.ping()

    assert time.monotonic() - started < 5

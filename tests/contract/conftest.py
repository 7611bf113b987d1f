"""Every backend runs the same contract suite: ids name the backend, never a branch in a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from memory_machines.queue.base import Queue
from memory_machines.queue.memory import MemoryQueue
from memory_machines.queue.sqlite import SqliteQueue
from memory_machines.sqlite.database import SqliteDatabase
from memory_machines.store.base import Store
from memory_machines.store.memory import MemoryStore
from memory_machines.store.sqlite import SqliteStore

MAX_ATTEMPTS = 3


@pytest.fixture(params=["memory", "sqlite"])
async def queue_and_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Queue, Store]]:
    if request.param == "memory":
        queue: Queue = MemoryQueue(max_attempts=MAX_ATTEMPTS)
        store: Store = MemoryStore()
    else:
        db = SqliteDatabase(tmp_path / "mm.db")
        store = SqliteStore(db)
        queue = SqliteQueue(db, max_attempts=MAX_ATTEMPTS)
    await store.start()
    await queue.start()
    yield queue, store
    await queue.close()
    await store.close()


@pytest.fixture
def queue(queue_and_store: tuple[Queue, Store]) -> Queue:
    return queue_and_store[0]


def _store_params() -> list[Any]:
    params: list[Any] = ["memory", "sqlite"]
    try:
        from tests.contract import gcp_backends  # noqa: F401
    except ImportError:
        return params
    return [
        *params,
        pytest.param("firestore-emulator", marks=[pytest.mark.gcp, pytest.mark.integration]),
    ]


@pytest.fixture(params=_store_params())
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "firestore-emulator":
        from tests.contract.gcp_backends import firestore_store

        async with firestore_store(request) as firestore:
            yield firestore
        return
    backend: Store = (
        MemoryStore()
        if request.param == "memory"
        else SqliteStore(SqliteDatabase(tmp_path / "mm.db"))
    )
    await backend.start()
    yield backend
    await backend.close()

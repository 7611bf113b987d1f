"""Pub/Sub pushing to the push endpoint for real: the emulator POSTs to a local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import uvicorn

from memory_machines.gcp.provision import provision
from memory_machines.gcp.push import handle_push
from memory_machines.message import Message
from memory_machines.queue.pubsub import PubSubQueue
from memory_machines.service import build_processor
from memory_machines.settings import Settings
from memory_machines.store.firestore import FirestoreStore
from tests.gcp.emulators import free_port
from tests.gcp.support import eventually, gcp_settings

pytestmark = [pytest.mark.gcp, pytest.mark.integration]


class PushApp:
    """The smallest ASGI app around ``handle_push``: what ``POST /process`` does in the API."""

    def __init__(self, store: FirestoreStore, queue: PubSubQueue, settings: Settings) -> None:
        self.store, self.queue, self.settings = store, queue, settings
        self.processor = build_processor(settings)
        self.statuses: list[int] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            event = await receive()
            body += event.get("body", b"")
            more = event.get("more_body", False)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        status, payload = await handle_push(
            body,
            headers,
            store=self.store,
            processor=self.processor,
            settings=self.settings,
            failures=self.queue.failures,
        )
        self.statuses.append(status)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": orjson.dumps(payload)})


@pytest.fixture
async def served(emulator_env: dict[str, str]) -> AsyncIterator[tuple[PushApp, Settings]]:
    port = free_port()
    settings = gcp_settings(work_seconds_per_char=0.0, chaos_fail_marker="FAIL-ME")
    provision(settings, push_endpoint=f"http://127.0.0.1:{port}/process")
    async with (
        FirestoreStore.from_settings(settings) as store,
        PubSubQueue.from_settings(settings) as queue,
    ):
        assert isinstance(store, FirestoreStore) and isinstance(queue, PubSubQueue)
        app = PushApp(store, queue, settings)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_config=None, loop="asyncio"
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        await eventually(lambda: asyncio.sleep(0, result=server.started), timeout_s=10)
        try:
            yield app, settings
        finally:
            server.should_exit = True
            await task


async def test_pushed_messages_are_stored_and_failing_ones_end_as_dead_letters_with_why(
    served: tuple[PushApp, Settings],
) -> None:
    app, _ = served
    good = Message.create(
        tenant_id="tenant-a", log_id="ok", text="mail bob@example.com", source="json_upload",
        correlation_id="c-ok",
    )  # fmt: skip
    bad = Message.create(
        tenant_id="tenant-a", log_id="bad", text="FAIL-ME please", source="json_upload",
        correlation_id="c-bad",
    )  # fmt: skip

    await app.queue.enqueue([good, bad])

    stored = await eventually(lambda: app.store.get("tenant-a", "ok"))
    assert stored.delivery_attempt == 1
    assert "bob@example.com" not in stored.modified_data
    [dead] = await eventually(app.queue.dead_letters, timeout_s=60)
    assert dead.message == bad
    assert dead.attempts == 5
    assert "chaos fail marker" in dead.last_error
    assert app.statuses.count(500) == 5
    assert await app.store.get("tenant-a", "bad") is None

"""Helpers for the HTTP contract tests: a running app, request shortcuts, envelope checks.

An app runs over the in-memory queue and store, started and closed through the ASGI lifespan
exactly as a server would drive it, with an ``httpx.AsyncClient`` that calls it in-process.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from memory_machines.api.app import App
from memory_machines.document import Document
from memory_machines.queue.memory import MemoryQueue
from memory_machines.service import Service
from memory_machines.settings import Settings

ERROR_CODES = {
    "VALIDATION_ERROR": 400,
    "INVALID_JSON": 400,
    "INVALID_BODY": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_CONTENT_TYPE": 415,
    "RATE_LIMITED": 429,
    "SERVICE_UNAVAILABLE": 503,
}

BASE_SETTINGS: dict[str, Any] = {
    "queue": "memory",
    "store": "memory",
    "work_seconds_per_char": 0,
    "retry_backoff_base_seconds": 0.01,
    "retry_backoff_max_seconds": 0.02,
    "poll_interval_seconds": 0.01,
    "shutdown_grace_seconds": 1,
}


def make_settings(**overrides: Any) -> Settings:
    """Test settings: in-memory backends, no heavy step, fast retries; nothing read from .env."""
    return Settings(_env_file=None, **{**BASE_SETTINGS, **overrides})  # type: ignore[call-arg]


@dataclass
class Api:
    """A running app: the client to call it, and the service behind it for arranging state."""

    client: httpx.AsyncClient
    app: App
    service: Service

    @property
    def queue(self) -> MemoryQueue:
        assert isinstance(self.service.queue, MemoryQueue)
        return self.service.queue

    async def post_json(self, record: Any, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/ingest",
            content=orjson.dumps(record),
            headers={"content-type": "application/json", **headers},
        )

    async def post_text(
        self, text: str | bytes, tenant: str | None = "acme", **headers: str
    ) -> httpx.Response:
        hdrs = {"content-type": "text/plain", **headers}
        if tenant is not None:
            hdrs["x-tenant-id"] = tenant
        body = text.encode() if isinstance(text, str) else text
        return await self.client.post("/ingest", content=body, headers=hdrs)

    async def post_ndjson(self, lines: list[Any] | bytes, **headers: str) -> httpx.Response:
        if isinstance(lines, bytes):
            body = lines
        else:
            body = b"\n".join(
                line if isinstance(line, bytes) else orjson.dumps(line) for line in lines
            )
        return await self.client.post(
            "/ingest", content=body, headers={"content-type": "application/x-ndjson", **headers}
        )

    async def process_all(self) -> int:
        """Be the worker, once: claim what is queued, process and store it. Returns the count."""
        deliveries = await self.queue.claim(10_000, 30.0, "test")
        for delivery in deliveries:
            document = self.service.processor.finish(
                delivery.message, attempt=delivery.attempt, processing_ms=0.0
            )
            await self.queue.complete(delivery, document, self.service.store)
        return len(deliveries)

    async def until(self, probe: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
        """Poll ``probe`` until it holds; the worker runs in the background meanwhile."""
        deadline = time.monotonic() + timeout_s
        while not await probe():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout_s} s")
            await asyncio.sleep(0.01)


class Lifespan:
    """Drives an ASGI app's lifespan the way an ASGI server does."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _send(self, message: Any) -> None:
        await self.from_app.put(dict(message))

    async def __aenter__(self) -> Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self.task = asyncio.create_task(self.app(scope, self.to_app.get, self._send))
        await self.to_app.put({"type": "lifespan.startup"})
        answer = await asyncio.wait_for(self.from_app.get(), 10)
        assert answer["type"] == "lifespan.startup.complete", answer
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.to_app.put({"type": "lifespan.shutdown"})
        answer = await asyncio.wait_for(self.from_app.get(), 10)
        assert answer["type"] == "lifespan.shutdown.complete", answer
        assert self.task is not None
        await asyncio.wait_for(self.task, 10)


@asynccontextmanager
async def running(settings: Settings, *, with_worker: bool) -> AsyncIterator[Api]:
    service = Service.build(settings, with_worker=with_worker)
    app = App(service)
    async with Lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, app=app, service=service)


def record(tenant_id: str = "acme", log_id: str = "log-1", text: str = "hello") -> dict[str, Any]:
    return {"tenant_id": tenant_id, "log_id": log_id, "text": text}


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def assert_accepted(response: httpx.Response) -> dict[str, Any]:
    """202 with the success envelope; returns ``data``."""
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"success", "data", "error"}
    assert body["success"] is True
    assert body["error"] is None
    assert body["data"]["status"] == "accepted"
    assert body["data"]["correlation_id"] == response.headers["x-request-id"]
    return body["data"]


def assert_error(response: httpx.Response, code: str) -> dict[str, Any]:
    """The error envelope with ``code`` and its status; returns the whole body."""
    assert response.status_code == ERROR_CODES[code], response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers.get("x-request-id")
    body = response.json()
    assert set(body) == {"success", "data", "error"}
    assert body["success"] is False
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body


def stored_document(tenant_id: str, log_id: str, processed_at: str, **fields: Any) -> Document:
    """A processed document as the worker would store it, for arranging reads directly."""
    text = fields.pop("text", f"text of {log_id}")
    return Document(
        tenant_id=tenant_id,
        log_id=log_id,
        source=fields.pop("source", "json_upload"),
        original_text=text,
        modified_data=text,
        processed_at=processed_at,
        content_hash=fields.pop("content_hash", f"hash-{log_id}"),
        correlation_id=fields.pop("correlation_id", f"cid-{log_id}"),
        received_at=processed_at,
        delivery_attempt=1,
        processing_ms=0.0,
        redactions=fields.pop("redactions", {}),
        **fields,
    )


async def call_raw(
    app: App,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    query_string: bytes = b"",
    events: list[dict[str, Any]] | None = None,
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request straight through ASGI, with no client normalising the path or headers.

    ``events`` replaces the single body event, e.g. to disconnect half-way through a body.
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": query_string,
        "headers": headers or [],
        "server": ("test", 80),
        "client": ("127.0.0.1", 1234),
        "root_path": "",
    }
    if events is None:
        events = [{"type": "http.request", "body": body, "more_body": False}]
    events = list(events)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return events.pop(0) if events else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await app(scope, receive, send)
    start, *rest = sent
    assert start["type"] == "http.response.start"
    assert all(m["type"] == "http.response.body" for m in rest)
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in rest)


ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]

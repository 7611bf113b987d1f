"""The ASGI application: lifespan, routing, and the one error boundary.

Every request ends in the envelope (or a bare object for /health and /metrics) with an
``X-Request-Id`` header; every exception becomes a contract error code, never a stack trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from memory_machines import __version__
from memory_machines.api.errors import retry_after_header, status_for
from memory_machines.api.handlers import Handlers, Result, new_request_id
from memory_machines.api.http import Receive, Request, Scope, Send, failure, send_bytes, send_json
from memory_machines.api.openapi import DOCS_HTML, openapi_spec
from memory_machines.errors import MemoryMachinesError, MethodNotAllowed, NotFound
from memory_machines.service import Service
from memory_machines.settings import Settings

if TYPE_CHECKING:
    from memory_machines.gcp.oidc import PushVerifier

log = logging.getLogger("memory_machines.api")
Route = Callable[[Request, list[str]], Awaitable[Result]]
# GET-only paths answered outside the route table (their bodies are not the envelope).
SPECIAL_PATHS = ("/metrics", "/docs", "/openapi.json")


class App:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.handlers = Handlers(service)
        h = self.handlers
        self.static: dict[str, dict[str, Route]] = {
            "/ingest": {"POST": lambda r, _: h.ingest(r)},
            "/process": {"POST": lambda r, _: self._push(r)},
            "/health": {"GET": lambda r, _: self._health()},
            "/ready": {"GET": lambda r, _: h.ready()},
            "/admin/dead-letters": {"GET": lambda r, _: h.dead_letters(r)},
        }
        self.patterns: list[tuple[re.Pattern[str], dict[str, Route]]] = [
            (re.compile(r"/tenants/([^/]+)/logs"), {"GET": lambda r, p: h.list_logs(r, p[0])}),
            (
                re.compile(r"/tenants/([^/]+)/logs/([^/]+)"),
                {"GET": lambda r, p: h.get_log(r, p[0], p[1])},
            ),
            (
                re.compile(r"/admin/dead-letters/([^/]+)/replay"),
                {"POST": lambda r, p: h.replay(r, p[0])},
            ),
        ]
        self._depth_task: asyncio.Task[None] | None = None
        self._push_verifier: PushVerifier | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    # -- lifespan ---------------------------------------------------------------------------
    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                # Process-wide, and only where the API runs: see Settings.switch_interval_ms.
                sys.setswitchinterval(self.service.settings.switch_interval_ms / 1000)
                try:
                    await self.service.start()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                self._depth_task = asyncio.create_task(self._watch_depth())
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                if self._depth_task is not None:
                    self._depth_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._depth_task
                await self.service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _watch_depth(self) -> None:
        """Backpressure reads a cached depth: counting on every request would cost a query."""
        while True:
            try:
                self.handlers.queue_depth = await self.service.queue.depth()
            except Exception:
                log.warning("could not read queue depth")
            await asyncio.sleep(0.5)

    # -- requests ---------------------------------------------------------------------------
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        request.request_id = new_request_id(request.raw_headers.get(b"x-request-id"))
        path, method = request.path, request.method
        try:
            if method == "POST" and path == "/ingest":  # the hot path: no route table
                status, payload = await self.handlers.ingest(request)
                # Outcomes are "accepted" or an error code (an all-rejected batch is answered here).
                outcome = "accepted" if status == 202 else payload["error"]["code"]
                self.service.metrics.requests[outcome] += 1
            elif method == "GET" and path in SPECIAL_PATHS:
                await self._special(request, send)
                return
            else:
                route, params = self._resolve(request)
                status, payload = await route(request, params)
            await send_json(send, status, payload, request.request_id)
        except MemoryMachinesError as exc:
            await self._error(request, send, exc)
        except Exception:
            log.exception("unexpected error", extra={"correlation_id": request.request_id})
            await self._error(request, send, MemoryMachinesError("internal error"))

    def _resolve(self, request: Request) -> tuple[Route, list[str]]:
        methods = self.static.get(request.path)
        params: list[str] = []
        if methods is None:
            for pattern, candidate in self.patterns:
                match = pattern.fullmatch(request.path)
                if match:
                    methods, params = candidate, list(match.groups())
                    break
        if methods is None and request.path in SPECIAL_PATHS:
            raise MethodNotAllowed(f"{request.method} is not allowed on {request.path}")
        if methods is None:
            raise NotFound(f"no route for {request.path}")
        route = methods.get(request.method)
        if route is None:
            raise MethodNotAllowed(f"{request.method} is not allowed on {request.path}")
        return route, params

    async def _error(self, request: Request, send: Send, exc: MemoryMachinesError) -> None:
        status = status_for(exc)
        headers = retry_after_header(exc)
        if isinstance(exc, MethodNotAllowed):
            allowed = self._allowed(request.path)
            headers.append((b"allow", ", ".join(allowed).encode()))
        if request.path == "/ingest":
            self.service.metrics.requests[exc.code] += 1
        log.info(
            "request rejected",
            extra={"correlation_id": request.request_id, "code": exc.code, "status": status},
        )
        await send_json(send, status, failure(exc.code, exc.message), request.request_id, headers)

    def _allowed(self, path: str) -> list[str]:
        if path in SPECIAL_PATHS:
            return ["GET"]
        methods = self.static.get(path)
        if methods is None:
            for pattern, candidate in self.patterns:
                if pattern.fullmatch(path):
                    methods = candidate
        return sorted(methods or {})

    async def _special(self, request: Request, send: Send) -> None:
        rid = request.request_id
        if request.path == "/openapi.json":
            await send_json(send, 200, openapi_spec(__version__), rid)
        elif request.path == "/docs":
            await send_bytes(send, 200, DOCS_HTML.encode(), b"text/html; charset=utf-8", rid)
        else:
            await self._metrics(request, send)

    async def _metrics(self, request: Request, send: Send) -> None:
        try:
            depth: int | None = await self.service.queue.depth()
        except MemoryMachinesError:
            depth = None
        accept = request.header(b"accept") or ""
        metrics = self.service.metrics
        backend = self.service.queue.stats()
        if "text/plain" in accept or "openmetrics" in accept:
            body = metrics.to_prometheus(depth, backend).encode()
            await send_bytes(send, 200, body, b"text/plain; version=0.0.4", request.request_id)
        else:
            await send_json(send, 200, metrics.to_json(depth, backend), request.request_id)

    async def _health(self) -> Result:
        return 200, {"status": "healthy", "service": "memory-machines", "version": __version__}

    async def _push(self, request: Request) -> Result:
        """Pub/Sub push: the worker role on Cloud Run, served by this same application."""
        from memory_machines.gcp.oidc import PushVerifier
        from memory_machines.gcp.push import handle_push

        settings = self.service.settings
        if self._push_verifier is None and settings.push_auth_audience:
            # One per process: it caches Google's signing certificates.
            self._push_verifier = PushVerifier.from_settings(settings)
        body = await request.body(settings.max_body_bytes)
        status, payload = await handle_push(
            body,
            request.headers,
            store=self.service.store,
            processor=self.service.processor,
            settings=settings,
            verifier=self._push_verifier,
            # The Pub/Sub queue records why attempts failed, so dead letters say why.
            failures=getattr(self.service.queue, "failures", None),
        )
        return status, payload


def create_app(settings: Settings | None = None, *, with_worker: bool = True) -> App:
    settings = settings or Settings()
    return App(Service.build(settings, with_worker=with_worker))


__all__ = ["App", "create_app"]

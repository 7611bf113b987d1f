"""Request handlers: each takes the parsed request and returns (status, payload, headers)."""

from __future__ import annotations

from typing import Any

from memory_machines.api import decoding
from memory_machines.api.guard import KeyGuard, TenantRateLimiter, parse_api_keys
from memory_machines.api.http import Request, ok
from memory_machines.api.ingest import Limits, parse_json, parse_ndjson, parse_text
from memory_machines.errors import NotFound, Overloaded, TransientError, ValidationError
from memory_machines.ids import validate_id
from memory_machines.message import Message, new_uuid4
from memory_machines.service import Service
from memory_machines.store.base import DEFAULT_PAGE_SIZE

Result = tuple[int, Any]


class Handlers:
    def __init__(self, service: Service) -> None:
        settings = service.settings
        self.service = service
        self.limits = Limits(settings.max_text_chars, settings.max_batch_lines)
        self.max_body_bytes = settings.max_body_bytes
        self.guard = KeyGuard(
            settings.auth_enabled,
            parse_api_keys(settings.api_keys),
            settings.admin_token,
        )
        self.rate_limiter = TenantRateLimiter(
            settings.tenant_rate_limit_per_s, settings.tenant_rate_burst
        )
        # Keys and rate limits are checked per tenant of a request only when either is on.
        self.per_tenant_checks = self.guard.enabled or self.rate_limiter.rate_per_s > 0
        self.queue_depth = 0  # refreshed in the background by the app
        self.max_queue_depth = settings.queue_max_depth

    # -- ingest -----------------------------------------------------------------------------
    async def ingest(self, request: Request) -> Result:
        mime, charset = decoding.media_type(request.raw_headers.get(b"content-type"))
        body = await request.body(self.max_body_bytes)
        encoding = request.header(b"content-encoding")
        if encoding is not None:
            body = decoding.decompress(body, encoding, self.max_body_bytes)
        if charset not in (None, "utf-8", "utf8") and mime != decoding.TEXT:
            body = decoding.decode_text(body, charset).encode("utf-8")
        cid = request.request_id
        if mime == decoding.NDJSON:
            batch = parse_ndjson(body, cid, self.limits)
            accepted = batch.messages
            if accepted:
                await self._enqueue(request, accepted)
            data = {
                "correlation_id": cid,
                "accepted": batch.accepted,
                "rejected": batch.rejected,
                "items": batch.items,
            }
            metrics = self.service.metrics
            metrics.records["accepted"] += batch.accepted
            metrics.records["rejected"] += batch.rejected
            if not accepted:
                return 400, {
                    "success": False,
                    "data": data,
                    "error": {"code": "VALIDATION_ERROR", "message": "no line was accepted"},
                }
            return 202, ok({"status": "accepted", **data})
        if mime == decoding.JSON:
            message = parse_json(body, cid, self.limits)
        else:
            text = decoding.decode_text(body, charset)
            message = parse_text(text, request.header(b"x-tenant-id"), cid, self.limits)
        await self._enqueue(request, [message])
        self.service.metrics.records["accepted"] += 1
        return 202, ok(
            {
                "status": "accepted",
                "log_id": message.log_id,
                "correlation_id": message.correlation_id,
            }
        )

    async def _enqueue(self, request: Request, messages: list[Message]) -> None:
        if self.per_tenant_checks:
            per_tenant: dict[str, int] = {}
            for m in messages:
                per_tenant[m.tenant_id] = per_tenant.get(m.tenant_id, 0) + 1
            for tenant_id in per_tenant:  # every key is checked before any tokens are spent
                self.guard.check_tenant(request.header, tenant_id)
            for tenant_id, count in per_tenant.items():
                self.rate_limiter.take(tenant_id, count)
        if self.queue_depth + len(messages) > self.max_queue_depth:
            raise Overloaded("the queue is over its depth limit", retry_after_s=5)
        await self.service.queue.enqueue(messages)
        self.queue_depth += len(messages)
        if self.service.worker is not None:
            self.service.worker.notify()

    # -- reads ------------------------------------------------------------------------------
    async def list_logs(self, request: Request, tenant_id: str) -> Result:
        validate_id("tenant_id", tenant_id)
        self.guard.check_tenant(request.header, tenant_id)
        query = request.query()
        limit_raw = query.get("limit", str(DEFAULT_PAGE_SIZE))
        if not (limit_raw.isascii() and limit_raw.isdigit()):  # not '²' nor other digits
            raise ValidationError("limit must be a positive integer")
        page = await self.service.store.list(tenant_id, int(limit_raw), query.get("cursor") or None)
        return 200, ok(
            {"items": [d.to_dict() for d in page.items], "next_cursor": page.next_cursor}
        )

    async def get_log(self, request: Request, tenant_id: str, log_id: str) -> Result:
        validate_id("tenant_id", tenant_id)
        validate_id("log_id", log_id)
        self.guard.check_tenant(request.header, tenant_id)
        document = await self.service.store.get(tenant_id, log_id)
        if document is None:
            raise NotFound(f"log {log_id} of tenant {tenant_id} is not stored (yet)")
        return 200, ok(document.to_dict())

    # -- dead letters -----------------------------------------------------------------------
    async def dead_letters(self, request: Request) -> Result:
        self.guard.check_admin(request.header)
        limit_raw = request.query().get("limit", "100")
        if not (limit_raw.isascii() and limit_raw.isdigit()) or not 1 <= int(limit_raw) <= 1000:
            raise ValidationError("limit must be between 1 and 1000")
        entries = await self.service.queue.dead_letters(int(limit_raw))
        return 200, ok({"items": [entry.to_dict() for entry in entries]})

    async def replay(self, request: Request, dead_letter_id: str) -> Result:
        self.guard.check_admin(request.header)
        if not await self.service.queue.replay(dead_letter_id):
            raise NotFound(f"dead letter {dead_letter_id} does not exist")
        if self.service.worker is not None:
            self.service.worker.notify()
        return 200, ok({"id": dead_letter_id, "status": "replayed"})

    # -- operations -------------------------------------------------------------------------
    async def ready(self) -> Result:
        problems = []
        for name, port in (("queue", self.service.queue), ("store", self.service.store)):
            try:
                await port.ping()
            except Exception as exc:
                problems.append(f"{name}: {exc}")
        if problems:
            # Only /health and /metrics are bare objects: this is SERVICE_UNAVAILABLE + Retry-After.
            raise TransientError(f"not ready: {'; '.join(problems)}")
        return 200, ok({"status": "ready"})


def new_request_id(header: bytes | None) -> str:
    """Honour a sane ``X-Request-Id``; anything else gets a fresh UUIDv4."""
    if header and len(header) <= 128 and header.isascii():
        value = header.decode("ascii")
        if value.isprintable():
            return value
    return new_uuid4()

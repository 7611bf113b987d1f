"""The Pub/Sub push endpoint (``POST /process``): the worker's job, one HTTP request per message.

On Cloud Run, Pub/Sub pushes each message as ``{"message": {"data", "attributes", "messageId"},
"subscription", "deliveryAttempt"}``. The answer is the acknowledgement: any 2xx acks the message,
anything else makes Pub/Sub retry it with the subscription's backoff and, after the last attempt,
dead-letter it. Hence:

* 200 when processed, or when this content is already stored (a redelivery: at-least-once in,
  effectively-once stored);
* 400 for an envelope that cannot be a message (``INVALID_ENVELOPE``, ``MISSING_MESSAGE``,
  ``MISSING_ATTRIBUTES``, ``INVALID_BASE64``, ``VALIDATION_ERROR``) — retried and finally
  dead-lettered with its payload rather than silently acked away;
* 401/403 when push authentication is on and the OIDC token is missing, invalid or foreign;
* 500 ``PROCESSING_ERROR`` when processing or the store fails, so Pub/Sub retries.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from memory_machines.errors import (
    MemoryMachinesError,
    StoreUnavailable,
    TransientError,
    ValidationError,
)
from memory_machines.message import ATTRIBUTE_NAMES, Message
from memory_machines.processing import Processor
from memory_machines.settings import Settings
from memory_machines.store.base import PutResult, Store

if TYPE_CHECKING:  # both need the [gcp] extra, imported only when push auth or failures are on
    from memory_machines.gcp.failures import FailureLog
    from memory_machines.gcp.oidc import PushVerifier

log = logging.getLogger("memory_machines.push")

Response = tuple[int, dict[str, Any]]


class _Rejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def handle_push(
    body: bytes,
    headers: Mapping[str, str],
    *,
    store: Store,
    processor: Processor,
    settings: Settings,
    verifier: PushVerifier | None = None,
    failures: FailureLog | None = None,
) -> Response:
    """Process one pushed message; the status tells Pub/Sub whether to ack it.

    ``verifier`` (a ``gcp.oidc.PushVerifier``) should be built once per process and passed in;
    when push authentication is configured and none is given, one is built for this request.
    ``failures`` (a ``gcp.failures.FailureLog``) records why an attempt failed, for the
    dead-letter listing.
    """
    try:
        await _authenticate(headers, settings, verifier)
        message, attempt, message_id = _parse(body)
    except _Rejected as exc:
        return exc.status, _error(exc.code, exc.message)
    except MemoryMachinesError as exc:
        status = 503 if isinstance(exc, TransientError) else _auth_status(exc.code)
        return status, _error(exc.code, exc.message)
    ids = {
        "tenant_id": message.tenant_id,
        "log_id": message.log_id,
        "correlation_id": message.correlation_id,
        "message_id": message_id,
    }
    context = {**ids, "attempt": attempt}
    try:
        outcome = await _process(message, attempt, store, processor)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, MemoryMachinesError):
            log.warning("push attempt failed", extra={**context, "error": error})
        else:
            log.exception("push attempt failed unexpectedly", extra=context)
        await _record_failure(failures, message, attempt, error)
        return 500, _error("PROCESSING_ERROR", error)
    log.info(f"push {outcome}", extra=context)
    data = {"status": outcome, **ids, "delivery_attempt": attempt}
    return 200, {"success": True, "data": data, "error": None}


async def _process(message: Message, attempt: int, store: Store, processor: Processor) -> str:
    if await store.has_content(message.tenant_id, message.log_id, message.content_hash):
        return "duplicate"
    started = time.monotonic()
    await asyncio.sleep(processor.work_seconds(message))
    document = processor.finish(
        message, attempt=attempt, processing_ms=(time.monotonic() - started) * 1000
    )
    result = await store.put(document)
    return "duplicate" if result is PutResult.DUPLICATE else "processed"


async def _authenticate(
    headers: Mapping[str, str], settings: Settings, verifier: PushVerifier | None
) -> None:
    if verifier is None:
        if not settings.push_auth_audience:
            return
        from memory_machines.gcp.oidc import PushVerifier

        verifier = PushVerifier(settings.push_auth_audience, settings.push_auth_service_account)
    await verifier.verify(headers)


def _parse(body: bytes) -> tuple[Message, int, str | None]:
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _Rejected(400, "INVALID_ENVELOPE", "body is not JSON") from exc
    if not isinstance(envelope, dict):
        raise _Rejected(400, "INVALID_ENVELOPE", "envelope must be a JSON object")
    pushed = envelope.get("message")
    if not isinstance(pushed, dict):
        raise _Rejected(400, "MISSING_MESSAGE", "envelope has no message object")
    attributes = pushed.get("attributes")
    if not isinstance(attributes, dict):
        raise _Rejected(400, "MISSING_ATTRIBUTES", "message has no attributes")
    missing = [name for name in ATTRIBUTE_NAMES if name not in attributes]
    if missing:
        raise _Rejected(400, "MISSING_ATTRIBUTES", f"missing attributes: {', '.join(missing)}")
    if not all(isinstance(value, str) for value in attributes.values()):
        raise _Rejected(400, "INVALID_ENVELOPE", "attribute values must be strings")
    data = pushed.get("data", "")
    if not isinstance(data, str):
        raise _Rejected(400, "INVALID_BASE64", "message data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Rejected(400, "INVALID_BASE64", "message data is not valid base64") from exc
    try:
        message = Message.from_wire(raw, attributes)
    except ValidationError as exc:
        raise _Rejected(400, exc.code, exc.message) from exc
    message_id = pushed.get("messageId") or pushed.get("message_id")
    return message, _attempt(envelope), message_id if isinstance(message_id, str) else None


def _attempt(envelope: dict[str, Any]) -> int:
    """``deliveryAttempt`` is set when the subscription has a dead-letter policy; else 1."""
    value = envelope.get("deliveryAttempt")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def _auth_status(code: str) -> int:
    return {"UNAUTHORIZED": 401, "FORBIDDEN": 403}.get(code, 400)


async def _record_failure(
    failures: FailureLog | None, message: Message, attempt: int, error: str
) -> None:
    if failures is None:
        return
    from memory_machines.gcp.failures import failure_key

    attributes = message.attributes()
    try:
        await failures.record(failure_key(attributes), attempt, error, attributes)
    except StoreUnavailable:
        log.warning("could not record a failed push attempt", extra={"log_id": message.log_id})


def _error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "data": None, "error": {"code": code, "message": message}}

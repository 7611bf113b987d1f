"""Reading the service's answer to one ingest request: which records it took, which it refused.

Only a 2xx answer counts as acceptance (the contract's 202 means "durably queued"). A request
without an answer (timeout, reset) is *unknown*: the service may or may not have queued it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from memory_machines.loadtest.generator import Payload
from memory_machines.loadtest.stats import TRANSPORT_ERROR


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int  # HTTP status, or TRANSPORT_ERROR
    accepted_ids: tuple[str, ...]
    accepted: int  # records accepted (text/plain ones may lack an id to verify by)
    rejected_codes: tuple[str, ...]  # one error code per rejected record
    unknown: int  # records whose fate is unknown (no answer)
    error: str | None = None  # transport error name when status is TRANSPORT_ERROR


def transport_failure(payload: Payload, exc: BaseException) -> Outcome:
    return Outcome(TRANSPORT_ERROR, (), 0, (), payload.records, type(exc).__name__)


def _data(body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(doc, dict):
        return {}
    data = doc.get("data")
    return data if isinstance(data, dict) else {}


def _error_code(body: bytes, status: int) -> str:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = None
    error = doc.get("error") if isinstance(doc, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and code else f"HTTP_{status}"


def _batch(payload: Payload, status: int, data: dict[str, Any]) -> Outcome:
    items = data.get("items")
    if not isinstance(items, list):
        return Outcome(status, (), 0, (f"HTTP_{status}",) * payload.records, 0)
    ids: list[str] = []
    codes: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("status") == "accepted":
            log_id = item.get("log_id")
            line = item.get("line")
            if not isinstance(log_id, str) and isinstance(line, int):
                log_id = payload.log_ids[line - 1] if 0 < line <= len(payload.log_ids) else None
            if isinstance(log_id, str):
                ids.append(log_id)
        else:
            error = item.get("error")
            code = error.get("code") if isinstance(error, dict) else None
            codes.append(code if isinstance(code, str) else "REJECTED")
    return Outcome(status, tuple(ids), len(ids), tuple(codes), 0)


def read_outcome(payload: Payload, status: int, body: bytes) -> Outcome:
    """Account for every record of ``payload`` given the service's status and body."""
    data = _data(body)
    if payload.kind == "ndjson" and (200 <= status < 300 or "items" in data):
        return _batch(payload, status, data)
    if not 200 <= status < 300:
        return Outcome(status, (), 0, (_error_code(body, status),) * payload.records, 0)
    log_id = data.get("log_id")
    if not isinstance(log_id, str):
        log_id = payload.log_ids[0] if payload.log_ids else None
    return Outcome(status, (log_id,) if log_id else (), 1, (), 0)

"""Routing answers (404, 405 with Allow) and the X-Request-Id that every response carries."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.api.support import Api, assert_accepted, assert_error, call_raw, record

EVERY_KIND_OF_ANSWER = [
    ("POST", "/ingest", "application/json", b'{"tenant_id":"acme","log_id":"l","text":"t"}'),
    ("POST", "/ingest", "application/json", b"{"),
    ("POST", "/ingest", "application/xml", b"<x/>"),
    ("POST", "/ingest", "application/json", b'{"tenant_id":"acme","log_id":"l","text":" "}'),
    ("GET", "/nope", None, b""),
    ("DELETE", "/ingest", None, b""),
    ("GET", "/health", None, b""),
    ("GET", "/ready", None, b""),
    ("GET", "/metrics", None, b""),
    ("GET", "/openapi.json", None, b""),
    ("GET", "/docs", None, b""),
    ("GET", "/tenants/acme/logs", None, b""),
    ("GET", "/tenants/acme/logs/missing", None, b""),
    ("GET", "/admin/dead-letters", None, b""),
    ("POST", "/admin/dead-letters/404/replay", None, b""),
]


def _ids(case: tuple[str, str, str | None, bytes]) -> str:
    return f"{case[0]} {case[1]} {case[3][:12]!r}"


# -- X-Request-Id ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", EVERY_KIND_OF_ANSWER, ids=_ids)
async def test_every_response_echoes_the_given_request_id(
    client: httpx.AsyncClient, case: tuple[str, str, str | None, bytes]
) -> None:
    method, path, content_type, body = case
    headers = {"x-request-id": "req-abc.123"}
    if content_type:
        headers["content-type"] = content_type
    response = await client.request(method, path, content=body, headers=headers)
    assert response.headers["x-request-id"] == "req-abc.123"


@pytest.mark.parametrize("case", EVERY_KIND_OF_ANSWER, ids=_ids)
async def test_every_response_without_a_request_id_gets_a_generated_uuid4(
    client: httpx.AsyncClient, case: tuple[str, str, str | None, bytes]
) -> None:
    method, path, content_type, body = case
    headers = {"content-type": content_type} if content_type else {}
    response = await client.request(method, path, content=body, headers=headers)
    assert uuid.UUID(response.headers["x-request-id"]).version == 4


async def test_the_request_id_becomes_the_correlation_id_of_the_accepted_log(api: Api) -> None:
    response = await api.post_json(record(), **{"x-request-id": "trace-0001"})
    data = assert_accepted(response)

    assert data["correlation_id"] == "trace-0001"
    [delivery] = await api.queue.claim(1, 30.0, "test")
    assert delivery.message.correlation_id == "trace-0001"


async def test_without_a_request_id_the_correlation_id_is_a_fresh_uuid4(api: Api) -> None:
    first = assert_accepted(await api.post_json(record(log_id="a")))
    second = assert_accepted(await api.post_json(record(log_id="b")))
    assert uuid.UUID(first["correlation_id"]).version == 4
    assert first["correlation_id"] != second["correlation_id"]


async def test_an_error_carries_the_request_id_in_its_header(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/ingest",
        content=b"{",
        headers={"content-type": "application/json", "x-request-id": "r-err"},
    )
    assert_error(response, "INVALID_JSON")
    assert response.headers["x-request-id"] == "r-err"


@pytest.mark.parametrize(
    "header",
    [b"", b"x" * 129, "caf\u00e9".encode("latin-1"), b"tab\there", b"\x7f"],
    ids=["empty", "too-long", "non-ascii", "control-char", "delete"],
)
async def test_an_unusable_request_id_is_replaced_by_a_generated_one(
    api: Api, header: bytes
) -> None:
    status, headers, _ = await call_raw(
        api.app, "GET", "/health", headers=[(b"x-request-id", header)]
    )
    assert status == 200
    assert uuid.UUID(headers[b"x-request-id"].decode()).version == 4


async def test_a_request_id_of_128_characters_is_honoured(client: httpx.AsyncClient) -> None:
    rid = "r" * 128
    response = await client.get("/health", headers={"x-request-id": rid})
    assert response.headers["x-request-id"] == rid


# -- 404 and 405 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nope",
        "/ingest/",
        "/ingest/extra",
        "/tenants",
        "/tenants/acme",
        "/tenants/acme/logs/a/b",
        "/admin",
    ],
)
async def test_an_unknown_path_is_not_found(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.get(path), "NOT_FOUND")
    assert_error(await client.post(path, content=b"{}"), "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/ingest", "POST"),
        ("PUT", "/ingest", "POST"),
        ("DELETE", "/ingest", "POST"),
        ("POST", "/health", "GET"),
        ("POST", "/ready", "GET"),
        ("POST", "/metrics", "GET"),
        ("POST", "/docs", "GET"),
        ("DELETE", "/openapi.json", "GET"),
        ("POST", "/tenants/acme/logs", "GET"),
        ("DELETE", "/tenants/acme/logs/l1", "GET"),
        ("POST", "/admin/dead-letters", "GET"),
        ("GET", "/admin/dead-letters/1/replay", "POST"),
    ],
)
async def test_a_known_path_with_the_wrong_method_is_method_not_allowed_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)
    assert_error(response, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == allow

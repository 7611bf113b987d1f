"""Identifiers: 1-128 characters of ``[A-Za-z0-9_.-]``, never ``.``/``..`` nor ``__*__``.

An id becomes part of a storage path, so whatever could escape a tenant's partition is refused,
on every way in: the JSON fields, NDJSON lines, the X-Tenant-ID header and the read paths.
"""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest

from tests.api.support import Api, assert_accepted, assert_error, call_raw, record

VALID = [
    "a",
    "A-z_0.9",
    "log-2024-01-01T00.00.00",
    "x" * 128,
    "_x",
    "__",
    "___",
    "__x",
    "a..b",
    "...",
]
INVALID = [
    "../x",
    "a/b",
    "/abs",
    "a\\b",
    ".",
    "..",
    "__x__",
    "____",
    "x" * 129,
    "a b",
    " a",
    "a\n",
    "a\x00",
    "é",
    "日本",
    "ß",
    "a:b",
    "a%2Fb",
    "*",
    "",
]


@pytest.mark.parametrize("value", VALID)
@pytest.mark.parametrize("field", ["tenant_id", "log_id"])
async def test_a_valid_id_is_accepted(api: Api, field: str, value: str) -> None:
    body = record()
    body[field] = value
    data = assert_accepted(await api.post_json(body))
    assert data["log_id"] == body["log_id"]


@pytest.mark.parametrize("value", INVALID, ids=repr)
@pytest.mark.parametrize("field", ["tenant_id", "log_id"])
async def test_an_invalid_id_is_a_validation_error(api: Api, field: str, value: str) -> None:
    body = record()
    body[field] = value
    payload = assert_error(await api.post_json(body), "VALIDATION_ERROR")
    assert field in payload["error"]["message"]
    assert await api.queue.depth() == 0


@pytest.mark.parametrize("value", INVALID, ids=repr)
async def test_an_invalid_id_on_an_ndjson_line_rejects_that_line(api: Api, value: str) -> None:
    response = await api.post_ndjson([record(log_id="fine"), record(log_id=value)])
    data = assert_accepted(response)
    assert data["items"][1]["status"] == "rejected"
    assert data["items"][1]["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("value", INVALID, ids=repr)
async def test_an_invalid_tenant_between_valid_ones_rejects_only_its_line(
    api: Api, value: str
) -> None:
    """A batch's lines are checked each against the rules, not against the line before."""
    lines = [record(log_id="a"), record(log_id="b"), record(log_id="c")]
    lines[1]["tenant_id"] = value
    data = assert_accepted(await api.post_ndjson(lines))
    assert [item["status"] for item in data["items"]] == ["accepted", "rejected", "accepted"]
    assert "tenant_id" in data["items"][1]["error"]["message"]
    assert await api.queue.depth() == 2


@pytest.mark.parametrize(
    "value", [v for v in INVALID if "\n" not in v and "\x00" not in v], ids=repr
)
async def test_an_invalid_tenant_header_is_a_validation_error(api: Api, value: str) -> None:
    response = await api.client.post(
        "/ingest",
        content=b"some text",
        headers=[(b"content-type", b"text/plain"), (b"x-tenant-id", value.encode("utf-8"))],
    )
    assert_error(response, "VALIDATION_ERROR")


async def test_the_longest_valid_tenant_header_is_accepted(api: Api) -> None:
    assert_accepted(await api.post_text("hello", tenant="t" * 128))


@pytest.mark.parametrize("value", ["__x__", "x" * 129, "é", "a b", "a%2Fb", "a:b"], ids=repr)
async def test_an_invalid_id_in_a_read_path_is_a_validation_error(api: Api, value: str) -> None:
    """Read paths check ids too: ``/tenants/{t}/logs/{id}`` cannot address anything outside."""
    segment = quote(value, safe="")
    for path in (
        f"/tenants/{segment}/logs",
        f"/tenants/{segment}/logs/log-1",
        f"/tenants/acme/logs/{segment}",
    ):
        assert_error(await api.client.get(path), "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "path",
    ["/tenants/../logs", "/tenants/./logs/x", "/tenants/acme/logs/..", "/tenants/acme/logs/."],
)
async def test_dot_segments_in_a_raw_read_path_are_validation_errors(api: Api, path: str) -> None:
    """Sent as-is (no client-side normalisation), ``.`` and ``..`` are refused as ids."""
    status, _, body = await call_raw(api.app, "GET", path)
    assert status == 400
    assert orjson.loads(body)["error"]["code"] == "VALIDATION_ERROR"

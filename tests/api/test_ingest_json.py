"""POST /ingest with ``Content-Type: application/json``: one log as a JSON object."""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.api.support import Api, ApiFactory, assert_accepted, assert_error, record


async def test_a_valid_object_is_accepted_with_its_log_id_and_a_correlation_id(api: Api) -> None:
    """202 ``{"status": "accepted", "log_id", "correlation_id"}`` in the success envelope."""
    response = await api.post_json(record(log_id="log-42"))

    data = assert_accepted(response)
    assert set(data) == {"status", "log_id", "correlation_id"}
    assert data["log_id"] == "log-42"
    assert data["correlation_id"]


async def test_an_accepted_log_is_in_the_queue_as_a_json_upload(api: Api) -> None:
    """202 means the message is already in the queue, carrying the contract's attributes."""
    response = await api.post_json(
        record("acme", "log-1", "user logged in"), **{"x-request-id": "r-1"}
    )
    assert_accepted(response)

    deliveries = await api.queue.claim(10, 30.0, "test")
    assert len(deliveries) == 1
    message = deliveries[0].message
    assert (message.tenant_id, message.log_id, message.text) == ("acme", "log-1", "user logged in")
    assert message.source == "json_upload"
    assert message.correlation_id == "r-1"
    assert len(message.content_hash) == 64


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"],
)
async def test_content_type_parameters_and_case_are_allowed(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await client.post(
        "/ingest", content=orjson.dumps(record()), headers={"content-type": content_type}
    )
    assert_accepted(response)


async def test_a_declared_charset_other_than_utf8_is_honoured(api: Api) -> None:
    """``charset=latin-1`` bytes are decoded as Latin-1, not rejected as invalid UTF-8."""
    body = '{"tenant_id": "acme", "log_id": "l1", "text": "café"}'.encode("latin-1")
    response = await api.client.post(
        "/ingest", content=body, headers={"content-type": "application/json; charset=latin-1"}
    )
    assert_accepted(response)
    [delivery] = await api.queue.claim(1, 30.0, "test")
    assert delivery.message.text == "café"


async def test_non_ascii_text_is_accepted(api: Api) -> None:
    assert_accepted(await api.post_json(record(text="Grüße, 世界 🌍")))


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'[{"tenant_id": "acme", "log_id": "l", "text": "t"}]',
        b'"text"',
        b"42",
        b"null",
        b"true",
    ],
    ids=["empty-array", "array-of-objects", "string", "number", "null", "bool"],
)
async def test_a_body_that_is_not_an_object_is_invalid_json(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/ingest", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, "INVALID_JSON")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"{'tenant_id': 'acme'}",
        b'{"tenant_id": "acme",}',
        b"not json",
        b'{"a": 1} trailing',
    ],
    ids=["empty", "truncated", "single-quotes", "trailing-comma", "words", "trailing-data"],
)
async def test_an_unparseable_body_is_invalid_json(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/ingest", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, "INVALID_JSON")


async def test_invalid_utf8_is_invalid_body(client: httpx.AsyncClient) -> None:
    body = b'{"tenant_id": "acme", "log_id": "l1", "text": "caf\xe9"}'
    response = await client.post(
        "/ingest", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, "INVALID_BODY")


@pytest.mark.parametrize("field", ["tenant_id", "log_id", "text"])
async def test_a_missing_field_is_a_validation_error(api: Api, field: str) -> None:
    body = record()
    del body[field]
    payload = assert_error(await api.post_json(body), "VALIDATION_ERROR")
    assert field in payload["error"]["message"]


@pytest.mark.parametrize("field", ["tenant_id", "log_id", "text"])
@pytest.mark.parametrize(
    "value",
    ["", None, 42, 1.5, True, ["acme"], {"id": "acme"}],
    ids=["empty", "null", "int", "float", "bool", "list", "object"],
)
async def test_an_empty_or_wrong_type_field_is_a_validation_error(
    api: Api, field: str, value: object
) -> None:
    body: dict[str, object] = dict(record())
    body[field] = value
    assert_error(await api.post_json(body), "VALIDATION_ERROR")


@pytest.mark.parametrize("text", [" ", "   ", "\n", "\t\r\n ", "\u00a0\u2003"])
async def test_whitespace_only_text_is_a_validation_error(api: Api, text: str) -> None:
    assert_error(await api.post_json(record(text=text)), "VALIDATION_ERROR")


async def test_unknown_extra_fields_are_ignored(api: Api) -> None:
    assert_accepted(await api.post_json({**record(), "level": "info", "source": "text_upload"}))
    [delivery] = await api.queue.claim(1, 30.0, "test")
    assert delivery.message.source == "json_upload"


async def test_text_of_exactly_the_maximum_length_is_accepted(make_api: ApiFactory) -> None:
    async with make_api(max_text_chars=20) as api:
        assert_accepted(await api.post_json(record(text="x" * 20)))


async def test_text_one_character_over_the_maximum_is_payload_too_large(
    make_api: ApiFactory,
) -> None:
    async with make_api(max_text_chars=20) as api:
        assert_error(await api.post_json(record(text="x" * 21)), "PAYLOAD_TOO_LARGE")


async def test_the_length_limit_counts_characters_not_bytes(make_api: ApiFactory) -> None:
    """Twenty four-byte characters are twenty characters."""
    async with make_api(max_text_chars=20) as api:
        assert_accepted(await api.post_json(record(text="🌍" * 20)))


async def test_the_default_text_limit_is_5000_characters(api: Api) -> None:
    assert_accepted(await api.post_json(record(log_id="at-limit", text="x" * 5000)))
    assert_error(await api.post_json(record(log_id="over", text="x" * 5001)), "PAYLOAD_TOO_LARGE")


async def test_a_rejected_request_enqueues_nothing(api: Api) -> None:
    await api.post_json(record(text=" "))
    await api.post_json({"tenant_id": "acme"})
    assert await api.queue.depth() == 0

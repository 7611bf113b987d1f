"""POST /ingest with ``Content-Type: text/plain``: the body is the log, X-Tenant-ID names the tenant."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.api.support import Api, ApiFactory, assert_accepted, assert_error


async def test_plain_text_is_accepted_under_a_generated_uuid_log_id(api: Api) -> None:
    data = assert_accepted(await api.post_text("disk full on /var", tenant="acme"))

    assert set(data) == {"status", "log_id", "correlation_id"}
    assert uuid.UUID(data["log_id"]).version == 7  # time-ordered: see new_log_id


async def test_each_text_upload_gets_its_own_log_id(api: Api) -> None:
    first = assert_accepted(await api.post_text("same text"))
    second = assert_accepted(await api.post_text("same text"))
    assert first["log_id"] != second["log_id"]


async def test_the_queued_message_is_a_text_upload_of_the_body_as_sent(api: Api) -> None:
    """The body is kept verbatim: leading and trailing whitespace and newlines included."""
    text = "  line one\nline two\n"
    data = assert_accepted(await api.post_text(text, tenant="globex"))

    [delivery] = await api.queue.claim(1, 30.0, "test")
    message = delivery.message
    assert (message.tenant_id, message.log_id, message.text) == ("globex", data["log_id"], text)
    assert message.source == "text_upload"


@pytest.mark.parametrize(
    "content_type", ["text/plain; charset=utf-8", "text/plain;charset=UTF-8", "TEXT/PLAIN"]
)
async def test_content_type_parameters_and_case_are_allowed(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await client.post(
        "/ingest", content=b"hello", headers={"content-type": content_type, "x-tenant-id": "acme"}
    )
    assert_accepted(response)


async def test_a_declared_latin1_charset_is_honoured(api: Api) -> None:
    response = await api.client.post(
        "/ingest",
        content="café".encode("latin-1"),
        headers={"content-type": "text/plain; charset=iso-8859-1", "x-tenant-id": "acme"},
    )
    assert_accepted(response)
    [delivery] = await api.queue.claim(1, 30.0, "test")
    assert delivery.message.text == "café"


async def test_a_missing_tenant_header_is_a_validation_error(api: Api) -> None:
    payload = assert_error(await api.post_text("hello", tenant=None), "VALIDATION_ERROR")
    assert "X-Tenant-ID" in payload["error"]["message"]


@pytest.mark.parametrize(
    "tenant", ["", "../etc", "a/b", ".", "..", "__x__", "t" * 129, "a b", "acmé"]
)
async def test_an_invalid_tenant_header_is_a_validation_error(
    client: httpx.AsyncClient, tenant: str
) -> None:
    response = await client.post(
        "/ingest",
        content=b"hello",
        headers=[(b"content-type", b"text/plain"), (b"x-tenant-id", tenant.encode("utf-8"))],
    )
    assert_error(response, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "text", ["", " ", "\n\n", "\t \r\n"], ids=["empty", "space", "newlines", "mixed"]
)
async def test_an_empty_or_whitespace_only_body_is_a_validation_error(api: Api, text: str) -> None:
    assert_error(await api.post_text(text), "VALIDATION_ERROR")


async def test_invalid_utf8_is_invalid_body(api: Api) -> None:
    assert_error(await api.post_text(b"caf\xe9 \xff\xfe"), "INVALID_BODY")


async def test_text_of_exactly_the_maximum_length_is_accepted(make_api: ApiFactory) -> None:
    async with make_api(max_text_chars=10) as api:
        assert_accepted(await api.post_text("é" * 10))


async def test_text_one_character_over_the_maximum_is_payload_too_large(
    make_api: ApiFactory,
) -> None:
    async with make_api(max_text_chars=10) as api:
        assert_error(await api.post_text("é" * 11), "PAYLOAD_TOO_LARGE")

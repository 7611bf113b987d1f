"""Content types, Content-Encoding and the byte limit on request bodies."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from tests.api.support import (
    Api,
    ApiFactory,
    assert_accepted,
    assert_error,
    call_raw,
    gzipped,
    record,
)

ONE_LINE = orjson.dumps(record(log_id="g1", text="zipped"))


# -- content types --------------------------------------------------------------------------------


async def test_a_missing_content_type_is_unsupported(client: httpx.AsyncClient) -> None:
    response = await client.post("/ingest", content=ONE_LINE)
    assert "content-type" not in response.request.headers
    assert_error(response, "UNSUPPORTED_CONTENT_TYPE")


@pytest.mark.parametrize(
    "content_type",
    [
        "",
        "application/xml",
        "text/html",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "json",
        "; charset=utf-8",
    ],
)
async def test_an_unknown_content_type_is_unsupported(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await client.post(
        "/ingest", content=ONE_LINE, headers={"content-type": content_type}
    )
    assert_error(response, "UNSUPPORTED_CONTENT_TYPE")


@pytest.mark.parametrize("charset", ["no-such-charset", "base64", "rot13", "x\x00y"])
async def test_an_unknown_or_non_text_charset_is_unsupported(
    client: httpx.AsyncClient, charset: str
) -> None:
    for content_type in ("application/json", "text/plain", "application/x-ndjson"):
        response = await client.post(
            "/ingest",
            content=ONE_LINE,
            headers=[
                (b"content-type", f"{content_type}; charset={charset}".encode()),
                (b"x-tenant-id", b"acme"),
            ],
        )
        assert_error(response, "UNSUPPORTED_CONTENT_TYPE")


@pytest.mark.parametrize("charset", ["unicode_escape", "utf-7", "raw_unicode_escape"])
async def test_a_charset_that_decodes_to_lone_surrogates_is_invalid_body(
    api: Api, charset: str
) -> None:
    """Text must be storable as UTF-8: a codec that yields lone surrogates is not a way around it."""
    bodies = {
        "unicode_escape": b"\\ud800",
        "raw_unicode_escape": b"\\ud800",
        "utf-7": b"+2AA-",
    }
    text = bodies[charset]
    response = await api.client.post(
        "/ingest",
        content=b'{"tenant_id":"acme","log_id":"s","text":"' + text + b'"}',
        headers={"content-type": f"application/json; charset={charset}"},
    )
    assert_error(response, "INVALID_BODY")
    response = await api.client.post(
        "/ingest",
        content=text,
        headers={"content-type": f"text/plain; charset={charset}", "x-tenant-id": "acme"},
    )
    assert_error(response, "INVALID_BODY")
    assert await api.queue.depth() == 0


# -- gzip -----------------------------------------------------------------------------------------


async def test_gzip_json_is_accepted(api: Api) -> None:
    response = await api.client.post(
        "/ingest",
        content=gzipped(ONE_LINE),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert assert_accepted(response)["log_id"] == "g1"
    [delivery] = await api.queue.claim(1, 30.0, "test")
    assert delivery.message.text == "zipped"


async def test_gzip_text_is_accepted(api: Api) -> None:
    response = await api.client.post(
        "/ingest",
        content=gzipped("zipped text ü".encode()),
        headers={"content-type": "text/plain", "content-encoding": "gzip", "x-tenant-id": "acme"},
    )
    assert_accepted(response)
    [delivery] = await api.queue.claim(1, 30.0, "test")
    assert delivery.message.text == "zipped text ü"


async def test_gzip_ndjson_is_accepted(api: Api) -> None:
    body = b"\n".join(orjson.dumps(record(log_id=f"n{i}")) for i in range(3))
    response = await api.client.post(
        "/ingest",
        content=gzipped(body),
        headers={"content-type": "application/x-ndjson", "content-encoding": "gzip"},
    )
    assert assert_accepted(response)["accepted"] == 3


@pytest.mark.parametrize("encoding", ["GZIP", "x-gzip", " gzip "])
async def test_gzip_encoding_names_are_case_insensitive(
    client: httpx.AsyncClient, encoding: str
) -> None:
    response = await client.post(
        "/ingest",
        content=gzipped(ONE_LINE),
        headers={"content-type": "application/json", "content-encoding": encoding},
    )
    assert_accepted(response)


async def test_identity_encoding_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/ingest",
        content=ONE_LINE,
        headers={"content-type": "application/json", "content-encoding": "identity"},
    )
    assert_accepted(response)


@pytest.mark.parametrize(
    "body",
    [
        b"definitely not gzip",
        gzipped(ONE_LINE)[:-12],
        gzipped(ONE_LINE)[:10],
        b"",
        zlib.compress(ONE_LINE),
    ],
    ids=["garbage", "truncated", "header-only", "empty", "zlib-not-gzip"],
)
async def test_a_corrupt_gzip_body_is_invalid_body(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/ingest",
        content=body,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert_error(response, "INVALID_BODY")


async def test_a_gzip_body_with_a_corrupted_checksum_is_invalid_body(
    client: httpx.AsyncClient,
) -> None:
    body = bytearray(gzipped(ONE_LINE))
    body[-8] ^= 0xFF  # CRC32 of the uncompressed data
    response = await client.post(
        "/ingest",
        content=bytes(body),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert_error(response, "INVALID_BODY")


async def test_gzip_of_invalid_utf8_is_invalid_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/ingest",
        content=gzipped(b"caf\xe9"),
        headers={"content-type": "text/plain", "content-encoding": "gzip", "x-tenant-id": "acme"},
    )
    assert_error(response, "INVALID_BODY")


@pytest.mark.parametrize("encoding", ["br", "deflate", "zstd", "compress", "gzip, br"])
async def test_an_unsupported_content_encoding_is_unsupported(
    client: httpx.AsyncClient, encoding: str
) -> None:
    response = await client.post(
        "/ingest",
        content=ONE_LINE,
        headers={"content-type": "application/json", "content-encoding": encoding},
    )
    assert_error(response, "UNSUPPORTED_CONTENT_TYPE")


# -- the byte limit -------------------------------------------------------------------------------


async def test_a_body_at_the_byte_limit_is_read(make_api: ApiFactory) -> None:
    async with make_api(max_body_bytes=len(ONE_LINE)) as api:
        response = await api.client.post(
            "/ingest", content=ONE_LINE, headers={"content-type": "application/json"}
        )
        assert_accepted(response)


async def test_a_body_over_the_byte_limit_is_payload_too_large(make_api: ApiFactory) -> None:
    async with make_api(max_body_bytes=len(ONE_LINE) - 1) as api:
        response = await api.client.post(
            "/ingest", content=ONE_LINE, headers={"content-type": "application/json"}
        )
        assert_error(response, "PAYLOAD_TOO_LARGE")


async def test_a_large_declared_content_length_is_refused_before_reading(
    make_api: ApiFactory,
) -> None:
    async with make_api(max_body_bytes=1024) as api:
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            sent += 1
            yield ONE_LINE

        response = await api.client.post(
            "/ingest",
            content=body(),
            headers={"content-type": "application/json", "content-length": str(10**12)},
        )
        assert_error(response, "PAYLOAD_TOO_LARGE")
        assert sent == 0


async def test_an_endless_streamed_body_is_refused_while_reading(make_api: ApiFactory) -> None:
    """No Content-Length: the limit is checked chunk by chunk, never after buffering everything."""
    async with make_api(max_body_bytes=64 * 1024) as api:
        chunks = 0

        async def endless() -> AsyncIterator[bytes]:
            nonlocal chunks
            while True:
                chunks += 1
                yield b"x" * 4096

        response = await api.client.post(
            "/ingest", content=endless(), headers={"content-type": "text/plain"}
        )
        assert_error(response, "PAYLOAD_TOO_LARGE")
        assert chunks <= 17


async def test_a_gzip_bomb_is_refused_when_it_inflates_past_the_limit(make_api: ApiFactory) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), mtime=0)
    async with make_api(max_body_bytes=64 * 1024) as api:
        assert len(bomb) < 64 * 1024
        response = await api.client.post(
            "/ingest",
            content=bomb,
            headers={
                "content-type": "text/plain",
                "content-encoding": "gzip",
                "x-tenant-id": "acme",
            },
        )
        assert_error(response, "PAYLOAD_TOO_LARGE")


async def test_a_gzip_body_inflating_to_exactly_the_limit_is_read(make_api: ApiFactory) -> None:
    raw = orjson.dumps(record(text="a" * 2000))
    async with make_api(max_body_bytes=len(raw)) as api:
        response = await api.client.post(
            "/ingest",
            content=gzipped(raw),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        assert_accepted(response)


async def test_a_client_that_disconnects_mid_body_has_nothing_enqueued(api: Api) -> None:
    """A truncated upload must never be taken for the whole log."""
    events = [
        {"type": "http.request", "body": b"first half of the log ", "more_body": True},
        {"type": "http.disconnect"},
    ]
    headers = [(b"content-type", b"text/plain"), (b"x-tenant-id", b"acme")]
    status, _, _ = await call_raw(api.app, "POST", "/ingest", headers, events=events)
    assert status == 400
    assert await api.queue.depth() == 0

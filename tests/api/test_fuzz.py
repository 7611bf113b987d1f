"""No request, however malformed, gets a 500: generated bodies, content types, encodings, headers.

Every answer must be a contract error code in the envelope (or a 2xx), with an X-Request-Id.
Examples are derandomized so that the suite is deterministic.
"""

from __future__ import annotations

import encodings.aliases
import gzip
import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.support import ERROR_CODES, Api, call_raw

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

header_bytes = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
content_types = st.one_of(
    st.sampled_from(
        [
            b"application/json",
            b"application/json; charset=utf-8",
            b"application/json; charset=latin-1",
            b"application/json; charset=utf-16",
            b"text/plain",
            b"text/plain; charset=utf-7",
            b"text/plain; charset=idna",
            b"text/plain; charset=undefined",
            b"text/plain; charset=unicode_escape",
            b"text/plain; charset=base64",
            b"text/plain; charset=",
            b'text/plain; charset=""',
            b"application/x-ndjson",
            b"application/x-ndjson; charset=cp1252",
            b"application/xml",
            b"",
        ]
    ),
    st.builds(
        lambda mime, params: mime + b";" + params,
        st.sampled_from([b"application/json", b"text/plain", b"application/x-ndjson"]),
        header_bytes,
    ),
    header_bytes,
)
content_encodings = st.one_of(
    st.sampled_from([None, b"gzip", b"identity", b"br", b"x-gzip", b"", b"GZIP", b"deflate"]),
    header_bytes,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
ids = st.one_of(
    st.sampled_from(["acme", "log-1", "..", ".", "__a__", "a/b", "x" * 129]), st.text(max_size=20)
)
records = st.fixed_dictionaries(
    {},
    optional={
        "tenant_id": st.one_of(ids, json_values),
        "log_id": st.one_of(ids, json_values),
        "text": st.one_of(st.text(max_size=60), json_values),
    },
)


def assert_contract_answer(status: int, headers: dict[bytes, bytes], body: bytes) -> dict[str, Any]:
    assert status < 500 or status == 503, (status, body)
    assert headers.get(b"x-request-id"), headers
    payload = orjson.loads(body)
    assert set(payload) == {"success", "data", "error"}
    if 200 <= status < 300:
        assert payload["success"] is True
        assert payload["error"] is None
    else:
        assert payload["success"] is False
        assert payload["error"]["code"] in ERROR_CODES, payload
        assert ERROR_CODES[payload["error"]["code"]] == status
        assert isinstance(payload["error"]["message"], str)
    return payload


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.one_of(st.none(), content_types),
    encoding=content_encodings,
    compress=st.booleans(),
    tenant=st.one_of(st.none(), header_bytes),
    request_id=st.one_of(st.none(), header_bytes),
    length=st.one_of(
        st.none(),
        st.sampled_from([b"\xb2", b"-1", b"1e9", b"99999999999999999999", b" 7", b""]),
        header_bytes,
    ),
)
async def test_arbitrary_ingest_requests_get_a_contract_answer(
    api: Api,
    body: bytes,
    content_type: bytes | None,
    encoding: bytes | None,
    compress: bool,
    tenant: bytes | None,
    request_id: bytes | None,
    length: bytes | None,
) -> None:
    headers = []
    if content_type is not None:
        headers.append((b"content-type", content_type))
    if encoding is not None:
        headers.append((b"content-encoding", encoding))
        if compress:
            body = gzip.compress(body, mtime=0)
    if tenant is not None:
        headers.append((b"x-tenant-id", tenant))
    if request_id is not None:
        headers.append((b"x-request-id", request_id))
    if length is not None:
        headers.append((b"content-length", length))

    status, response_headers, response_body = await call_raw(
        api.app, "POST", "/ingest", headers, body
    )

    assert status in (202, 400, 413, 415), response_body
    assert_contract_answer(status, response_headers, response_body)


# Every codec Python knows, text encodings and bytes-to-bytes codecs (base64, rot13) alike.
CODECS = sorted(
    set(encodings.aliases.aliases.values())
    | {"idna", "punycode", "undefined", "unicode_escape", "raw_unicode_escape", "utf_7", "mbcs"}
)


@FUZZ
@given(
    mime=st.sampled_from(["application/json", "text/plain", "application/x-ndjson"]),
    charset=st.one_of(st.sampled_from(CODECS), st.text(max_size=12)),
    body=st.one_of(
        st.binary(min_size=1, max_size=80),
        records.map(lambda r: json.dumps(r, ensure_ascii=False).encode()),
        st.sampled_from([b"+2AA-", b"\\ud800", b"aGVsbG8=", b"a" * 70, b"\xff\xfe\x00"]),
    ),
)
async def test_any_declared_charset_gets_a_contract_answer(
    api: Api, mime: str, charset: str, body: bytes
) -> None:
    content_type = f"{mime}; charset={charset}".encode("utf-8", "replace")
    headers = [(b"content-type", content_type), (b"x-tenant-id", b"acme")]
    status, response_headers, response_body = await call_raw(
        api.app, "POST", "/ingest", headers, body
    )

    assert status in (202, 400, 413, 415), response_body
    assert_contract_answer(status, response_headers, response_body)


@FUZZ
@given(record=records)
async def test_arbitrary_json_records_get_a_contract_answer(
    api: Api, record: dict[str, Any]
) -> None:
    body = json.dumps(record, ensure_ascii=False).encode()  # big ints and inf included
    headers = [(b"content-type", b"application/json")]
    status, response_headers, response_body = await call_raw(
        api.app, "POST", "/ingest", headers, body
    )

    assert status in (202, 400, 413), response_body
    payload = assert_contract_answer(status, response_headers, response_body)
    if status == 202:
        assert payload["data"]["log_id"] == record["log_id"]


@FUZZ
@given(
    lines=st.lists(
        st.one_of(records.map(lambda r: json.dumps(r).encode()), st.binary(max_size=40)), max_size=6
    )
)
async def test_arbitrary_ndjson_batches_get_a_contract_answer(api: Api, lines: list[bytes]) -> None:
    body = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    headers = [(b"content-type", b"application/x-ndjson")]
    status, response_headers, response_body = await call_raw(
        api.app, "POST", "/ingest", headers, body
    )

    assert status in (202, 400, 413), response_body
    payload = assert_contract_answer(status, response_headers, response_body)
    if payload["data"] is not None:
        items = payload["data"]["items"]
        assert [item["line"] for item in items] == sorted(item["line"] for item in items)
        assert payload["data"]["accepted"] + payload["data"]["rejected"] == len(items)


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"]),
    segments=st.lists(
        st.one_of(
            st.sampled_from(
                ["tenants", "logs", "acme", "admin", "dead-letters", "replay", "ingest", "..", ""]
            ),
            st.text(max_size=12),
        ),
        max_size=5,
    ),
    query=st.binary(max_size=40),
)
async def test_arbitrary_paths_and_queries_get_a_contract_answer(
    api: Api, method: str, segments: list[str], query: bytes
) -> None:
    path = "/" + "/".join(segments)
    status, headers, body = await call_raw(api.app, method, path, query_string=query)

    assert headers.get(b"x-request-id")
    if path in ("/health", "/metrics", "/docs", "/openapi.json") and method == "GET":
        assert status == 200
        return
    assert_contract_answer(status, headers, body)


@FUZZ
@given(
    limit=st.one_of(st.text(max_size=6), st.integers(-5, 2000).map(str)),
    cursor=st.one_of(st.text(max_size=30), st.binary(max_size=30).map(lambda b: b.hex())),
)
async def test_arbitrary_listing_parameters_get_a_contract_answer(
    api: Api, limit: str, cursor: str
) -> None:
    from urllib.parse import urlencode

    query = urlencode({"limit": limit, "cursor": cursor}).encode()
    status, headers, body = await call_raw(api.app, "GET", "/tenants/acme/logs", query_string=query)

    assert status in (200, 400), body
    assert_contract_answer(status, headers, body)

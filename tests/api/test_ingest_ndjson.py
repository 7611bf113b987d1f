"""POST /ingest with ``Content-Type: application/x-ndjson``: a batch, one JSON object per line.

Each non-blank line gets its own result, in order; a bad line does not sink the rest.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.support import Api, ApiFactory, assert_accepted, assert_error, record


async def test_every_line_is_reported_in_order_with_its_line_number(api: Api) -> None:
    response = await api.post_ndjson([record(log_id="a"), record(log_id="b"), record(log_id="c")])

    data = assert_accepted(response)
    assert data["accepted"] == 3
    assert data["rejected"] == 0
    assert data["items"] == [
        {"line": 1, "status": "accepted", "log_id": "a"},
        {"line": 2, "status": "accepted", "log_id": "b"},
        {"line": 3, "status": "accepted", "log_id": "c"},
    ]


async def test_accepted_lines_are_queued_as_json_uploads_with_the_batch_correlation_id(
    api: Api,
) -> None:
    response = await api.post_ndjson(
        [record("acme", "a", "one"), record("globex", "b", "two")], **{"x-request-id": "batch-7"}
    )
    assert_accepted(response)

    deliveries = await api.queue.claim(10, 30.0, "test")
    got = sorted((d.message.tenant_id, d.message.log_id, d.message.text) for d in deliveries)
    assert got == [("acme", "a", "one"), ("globex", "b", "two")]
    assert {d.message.source for d in deliveries} == {"json_upload"}
    assert {d.message.correlation_id for d in deliveries} == {"batch-7"}


async def test_a_bad_line_is_rejected_with_its_code_and_the_rest_is_accepted(api: Api) -> None:
    lines = [
        record(log_id="ok-1"),
        b"{not json",
        record(log_id="../escape"),
        b"[1, 2]",
        record(log_id="ok-2", text="   "),
        b'{"tenant_id": "acme", "log_id": "bad-utf8", "text": "\xff"}',
        record(log_id="ok-3"),
    ]
    data = assert_accepted(await api.post_ndjson(lines))

    assert (data["accepted"], data["rejected"]) == (2, 5)
    summary = [
        (item["line"], item["status"], item.get("log_id") or item["error"]["code"])
        for item in data["items"]
    ]
    assert summary == [
        (1, "accepted", "ok-1"),
        (2, "rejected", "INVALID_JSON"),
        (3, "rejected", "VALIDATION_ERROR"),
        (4, "rejected", "INVALID_JSON"),
        (5, "rejected", "VALIDATION_ERROR"),
        (6, "rejected", "INVALID_BODY"),
        (7, "accepted", "ok-3"),
    ]
    for item in data["items"]:
        if item["status"] == "rejected":
            assert set(item) == {"line", "status", "error"}
            assert set(item["error"]) == {"code", "message"}
    assert await api.queue.depth() == 2


async def test_blank_lines_are_skipped_but_still_counted_in_line_numbers(api: Api) -> None:
    body = b"\n" + b'{"tenant_id":"acme","log_id":"a","text":"x"}' + b"\n  \n\r\n"
    body += b'{"tenant_id":"acme","log_id":"b","text":"y"}\r\n\n'
    data = assert_accepted(await api.post_ndjson(body))

    assert [(i["line"], i["log_id"]) for i in data["items"]] == [(2, "a"), (5, "b")]


@pytest.mark.parametrize(
    "body", [b"", b"\n", b"\n \n\t\r\n"], ids=["empty", "newline", "blank-lines"]
)
async def test_an_empty_batch_is_a_validation_error(api: Api, body: bytes) -> None:
    assert_error(await api.post_ndjson(body), "VALIDATION_ERROR")


async def test_a_batch_with_no_accepted_line_is_400_and_still_reports_every_line(api: Api) -> None:
    response = await api.post_ndjson([b"nope", record(tenant_id="")])

    payload = assert_error(response, "VALIDATION_ERROR")
    data = payload["data"]
    assert (data["accepted"], data["rejected"]) == (0, 2)
    assert [(i["line"], i["error"]["code"]) for i in data["items"]] == [
        (1, "INVALID_JSON"),
        (2, "VALIDATION_ERROR"),
    ]
    assert await api.queue.depth() == 0


async def test_a_line_whose_text_is_too_long_is_payload_too_large(make_api: ApiFactory) -> None:
    async with make_api(max_text_chars=5) as api:
        data = assert_accepted(
            await api.post_ndjson(
                [record(log_id="short", text="12345"), record(log_id="long", text="123456")]
            )
        )
    assert data["items"][0] == {"line": 1, "status": "accepted", "log_id": "short"}
    assert data["items"][1]["status"] == "rejected"
    assert data["items"][1]["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_batch_over_the_line_limit_is_payload_too_large(make_api: ApiFactory) -> None:
    async with make_api(max_batch_lines=3) as api:
        assert_accepted(await api.post_ndjson([record(log_id=f"l{i}") for i in range(3)]))
        response = await api.post_ndjson([record(log_id=f"l{i}") for i in range(4)])
        assert_error(response, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-ndjson; charset=utf-8",
    ],
)
async def test_the_usual_ndjson_media_types_are_accepted(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await client.post(
        "/ingest",
        content=b'{"tenant_id":"acme","log_id":"a","text":"x"}\n',
        headers={"content-type": content_type},
    )
    assert assert_accepted(response)["accepted"] == 1

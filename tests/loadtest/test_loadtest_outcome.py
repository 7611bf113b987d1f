"""Reading the service's answers: which records were accepted, rejected, or are unknown."""

from __future__ import annotations

import httpx
import orjson

from memory_machines.loadtest.generator import Payload
from memory_machines.loadtest.outcome import read_outcome, transport_failure
from memory_machines.loadtest.stats import TRANSPORT_ERROR


def envelope(data: object = None, code: str | None = None) -> bytes:
    error = {"code": code, "message": "x"} if code else None
    return orjson.dumps({"success": code is None, "data": data, "error": error})


JSON = Payload("json", "t1", "application/json", b"{}", (), ("run-0000001",))
TEXT = Payload("text", "t1", "text/plain", b"hi", (("X-Tenant-ID", "t1"),), ())
BATCH = Payload("ndjson", "t1", "application/x-ndjson", b"", (), ("a", "b", "c"))


def test_an_accepted_json_record_is_known_by_its_id() -> None:
    out = read_outcome(JSON, 202, envelope({"status": "accepted", "log_id": "run-0000001"}))
    assert (out.accepted_ids, out.accepted, out.rejected_codes) == (("run-0000001",), 1, ())


def test_a_text_record_is_known_by_the_id_the_server_chose() -> None:
    out = read_outcome(TEXT, 202, envelope({"status": "accepted", "log_id": "srv-42"}))
    assert out.accepted_ids == ("srv-42",)


def test_a_refusal_rejects_every_record_with_its_code() -> None:
    out = read_outcome(BATCH, 429, envelope(code="RATE_LIMITED"))
    assert out.accepted == 0 and out.rejected_codes == ("RATE_LIMITED",) * 3
    assert read_outcome(JSON, 503, b"<html>").rejected_codes == ("HTTP_503",)


def test_a_batch_answer_is_read_line_by_line() -> None:
    items = [
        {"line": 1, "status": "accepted", "log_id": "a"},
        {"line": 2, "status": "rejected", "error": {"code": "PAYLOAD_TOO_LARGE"}},
        {"line": 3, "status": "accepted"},  # no id echoed: taken from the line we sent
    ]
    out = read_outcome(BATCH, 202, envelope({"accepted": 2, "rejected": 1, "items": items}))
    assert out.accepted_ids == ("a", "c")
    assert out.rejected_codes == ("PAYLOAD_TOO_LARGE",)


def test_an_all_rejected_batch_still_reports_its_lines() -> None:
    items = [{"line": n, "status": "rejected", "error": {"code": "X"}} for n in (1, 2, 3)]
    body = orjson.dumps({"success": False, "data": {"items": items}, "error": {"code": "X"}})
    out = read_outcome(BATCH, 400, body)
    assert out.accepted == 0 and out.rejected_codes == ("X", "X", "X")


def test_no_answer_leaves_the_records_unknown() -> None:
    out = transport_failure(BATCH, httpx.ReadTimeout("slow"))
    assert (out.status, out.unknown, out.error) == (TRANSPORT_ERROR, 3, "ReadTimeout")

"""The load tool against a small in-process fake of the ingest contract, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest
import uvicorn

from memory_machines.loadtest import LoadConfig, Mix, run_load
from memory_machines.loadtest.cli import main
from memory_machines.loadtest.report import to_dict, to_text

Scope = dict[str, Any]


def envelope(data: Any = None, code: str | None = None) -> dict[str, Any]:
    error = {"code": code, "message": code} if code else None
    return {"success": code is None, "data": data, "error": error}


class FakeService:
    """Just enough of the contract: three ingest formats, /metrics, paginated listing.

    Processing happens when /metrics is polled, which first reports the backlog it then clears,
    so a verifier must poll more than once. ``lose`` ids are never stored; ``duplicate`` ids are
    stored twice; every ``throttle_every``-th ingest request is answered 429.
    """

    def __init__(
        self,
        lose: set[str] | None = None,
        duplicate: set[str] | None = None,
        throttle_every: int = 0,
    ) -> None:
        self.lose, self.duplicate = lose or set(), duplicate or set()
        self.throttle_every = throttle_every
        self.ingest_calls = 0
        self.pending: list[tuple[str, str, str]] = []
        self.docs: dict[str, list[dict[str, Any]]] = defaultdict(list)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, doc, extra = self.route(scope["method"], scope["path"], scope, headers, body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *extra],
            }
        )
        await send({"type": "http.response.body", "body": orjson.dumps(doc)})

    def route(
        self, method: str, path: str, scope: Scope, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        if method == "POST" and path == "/ingest":
            return self.ingest(headers, body)
        if method == "GET" and path == "/metrics":
            depth = len(self.pending)
            self.process()
            return 200, {"queue_depth": depth, "in_flight": 0}, []
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 3 and parts[0] == "tenants" and parts[2] == "logs":
            query = parse_qs(scope["query_string"].decode())
            limit = int(query.get("limit", ["50"])[0])
            offset = int(query.get("cursor", ["0"])[0])
            docs = self.docs.get(parts[1], [])
            more = offset + limit < len(docs)
            page = {
                "items": docs[offset : offset + limit],
                "next_cursor": str(offset + limit) if more else None,
            }
            return 200, envelope(page), []
        return 404, envelope(code="NOT_FOUND"), []

    def ingest(
        self, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        self.ingest_calls += 1
        if self.throttle_every and self.ingest_calls % self.throttle_every == 0:
            return 429, envelope(code="RATE_LIMITED"), [(b"retry-after", b"1")]
        kind = headers.get("content-type", "").split(";")[0]
        if kind == "application/json":
            record = orjson.loads(body)
            self.pending.append((record["tenant_id"], record["log_id"], record["text"]))
            return 202, envelope({"status": "accepted", "log_id": record["log_id"]}), []
        if kind == "text/plain":
            log_id = str(uuid.uuid4())
            self.pending.append((headers["x-tenant-id"], log_id, body.decode()))
            return 202, envelope({"status": "accepted", "log_id": log_id}), []
        items = []
        for n, line in enumerate(body.splitlines(), start=1):
            record = orjson.loads(line)
            self.pending.append((record["tenant_id"], record["log_id"], record["text"]))
            items.append({"line": n, "status": "accepted", "log_id": record["log_id"]})
        data = {"accepted": len(items), "rejected": 0, "items": items}
        return 202, envelope(data), []

    def process(self) -> None:
        for tenant, log_id, text in self.pending:
            if log_id in self.lose:
                continue
            copies = 2 if log_id in self.duplicate else 1
            self.docs[tenant].extend(
                {"log_id": log_id, "original_text": text} for _ in range(copies)
            )
        self.pending.clear()


async def cli(argv: list[str]) -> int:
    """The CLI runs its own event loop, so it gets a thread of its own."""
    return await asyncio.to_thread(main, argv)


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start a FakeService on a free localhost port in a background thread."""
    servers: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(app: FakeService) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            app, lifespan="off", ws="none", log_level="warning", access_log=False, loop="asyncio"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "fake service did not start"
            time.sleep(0.01)
        servers.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread, sock in servers:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


async def test_a_verified_run_accounts_for_every_request(serve: Any) -> None:
    """Given a service that throttles every 7th request, the run counts the 429s apart and
    the audit finds every acknowledged log stored exactly once."""
    fake = FakeService(throttle_every=7)
    config = LoadConfig(
        serve(fake),
        rate_rps=50,
        duration_s=0.6,
        concurrency=8,
        mix=Mix(6, 3, 1),
        tenants=2,
        batch_size=4,
        text_chars=80,
        verify=True,
        verify_poll_s=0.05,
        verify_timeout_s=30,
        run_id="ok-run",
        seed=1,
    )
    result = await run_load(config)

    assert result.pacing.sent == result.tally.completed == 30
    assert result.status_counts() == {"202": 26, "429": 4}
    assert result.tally.rejected_by_code.keys() == {"RATE_LIMITED"}
    accepted = sum(len(ids) for ids in result.accepted_ids.values())
    assert accepted == result.tally.records_accepted > 0
    verification = result.verification
    assert verification is not None and verification.ok
    assert (verification.expected, verification.stored) == (accepted, accepted)
    assert (verification.lost, verification.duplicated) == (0, 0)
    assert result.latency is not None and result.latency.count == 30
    summary = json.loads(orjson.dumps(to_dict(result)))
    assert summary["ok"] is True
    assert summary["requests"]["by_status"] == {"202": 26, "429": 4}
    assert "lost 0, duplicated 0" in to_text(result)


async def test_cli_reports_lost_and_duplicated_logs_and_exits_1(
    serve: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeService(lose={"bad-run-0000003"}, duplicate={"bad-run-0000005"})
    url = serve(fake)
    argv = [
        url,
        "--rps",
        "40",
        "--duration",
        "0.5",
        "--mix",
        "2:1:1",
        "--batch-size",
        "3",
        "--tenants",
        "2",
        "--run-id",
        "bad-run",
        "--verify",
        "--verify-timeout",
        "30",
        "--json",
    ]

    code = await cli(argv)

    summary = json.loads(capsys.readouterr().out)
    assert code == 1
    assert summary["ok"] is False
    verification = summary["verification"]
    assert (verification["lost"], verification["duplicated"]) == (1, 1)
    assert verification["lost_sample"][0].endswith("/bad-run-0000003")
    assert verification["duplicated_sample"][0].endswith("/bad-run-0000005")
    assert summary["requests"]["by_status"] == {"202": 20}


async def test_cli_writes_a_text_summary_and_a_plot(
    serve: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    url = serve(FakeService())
    plot = tmp_path / "run.png"

    code = await cli(
        [url, "--rpm", "1200", "--duration", "0.5", "--batch-size", "2", "--plot", str(plot)]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert "status      202: 10" in out
    assert "latency     min" in out
    assert plot.stat().st_size > 0


async def test_an_unreachable_service_is_a_failed_run(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # bound but not listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        code = await cli([url, "--rps", "20", "--duration", "0.2", "--json", "--no-progress"])

    summary = json.loads(capsys.readouterr().out)
    assert code == 1
    assert summary["requests"]["by_status"] == {"error:ConnectError": 4}
    assert summary["records"]["accepted"] == 0
    assert summary["latency_ms"] is None

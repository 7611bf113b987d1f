"""MM_CHAOS_CRASH_RATE: a worker that keeps dying mid-message still loses nothing."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson

from tests.integration.server import ServerProcess, all_log_ids

TOTAL = 200


def test_a_worker_that_keeps_crashing_loses_nothing_once_restarted(tmp_path: Path) -> None:
    # 0.04 per delivery: with 200 messages, no crash at all has a chance of 0.96**200 = 3e-4.
    settings = {
        "chaos_crash_rate": 0.04,
        "work_seconds_per_char": 0.005,
        "worker_concurrency": 10,
        "lease_seconds": 0.5,
    }

    def start() -> ServerProcess:
        server = ServerProcess(tmp_path, **settings)
        try:
            return server.start()
        except RuntimeError:
            assert server.process is not None
            if server.process.returncode != 137:  # anything but the chaos crash is a failure
                raise
            return server  # crashed while starting: the loop below counts it and restarts

    server = start()  # the queue is empty: nothing can crash it before the batch is accepted
    with httpx.Client(base_url=server.url, timeout=10) as client:
        lines = [{"tenant_id": "chaos", "log_id": f"c-{i}", "text": "z" * 40} for i in range(TOTAL)]
        body = b"\n".join(orjson.dumps(line) for line in lines)
        r = client.post("/ingest", content=body, headers={"Content-Type": "application/x-ndjson"})
        assert r.json()["data"]["accepted"] == TOTAL

    # A supervisor's job: restart the process whenever it dies, until the queue is empty.
    crashes = 0
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            crashes += 1
            server = start()
            continue
        try:
            with httpx.Client(base_url=server.url, timeout=5) as client:
                depth = client.get("/metrics").json()["queue_depth"]
                if depth == 0:
                    stored = all_log_ids(client, "chaos")
                    dead = client.get("/admin/dead-letters", params={"limit": 1000}).json()
                    break
        except httpx.HTTPError:
            pass  # it died between two requests; the loop restarts it
        time.sleep(0.1)
    else:
        raise AssertionError("the queue did not drain")
    server.kill()

    dead_ids = [item["log_id"] for item in dead["data"]["items"]]
    assert crashes > 0, "the chaos setting should have crashed the worker at least once"
    assert len(stored) == len(set(stored)), "a log was stored twice"
    # Every accepted log is stored, or dead-lettered after dying with its worker five times.
    assert sorted(stored + dead_ids) == sorted(line["log_id"] for line in lines)

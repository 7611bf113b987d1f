"""MM_CHAOS_CRASH_RATE: a worker that keeps dying mid-message still loses nothing."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson

from tests.integration.server import ServerProcess, all_log_ids

TOTAL = 200


def test_a_worker_that_keeps_crashing_loses_nothing_once_restarted(tmp_path: Path) -> None:
    settings = {
        "chaos_crash_rate": 0.02,
        "work_seconds_per_char": 0.005,
        "worker_concurrency": 10,
        "lease_seconds": 0.5,
    }
    server = ServerProcess(tmp_path, **settings).start()
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
            server = ServerProcess(tmp_path, **settings).start()
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

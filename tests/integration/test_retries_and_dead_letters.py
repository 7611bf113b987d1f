"""The chaos fail marker: exactly MM_MAX_ATTEMPTS attempts with growing delays, then a dead letter."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import httpx
import orjson

from tests.integration.server import ServerProcess, run_cli, wait_for


def _at(entry: dict[str, str]) -> float:
    return datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()


def test_failing_message_is_retried_with_backoff_dead_lettered_and_replayable(
    tmp_path: Path,
) -> None:
    chaos = {
        "chaos_fail_marker": "BOOM",
        "max_attempts": 5,
        "retry_backoff_base_seconds": 0.2,
        "retry_backoff_max_seconds": 10,
        "work_seconds_per_char": 0,
    }
    with (
        ServerProcess(tmp_path, **chaos) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        client.post(
            "/ingest", json={"tenant_id": "acme", "log_id": "poison", "text": "this will BOOM"}
        )
        client.post("/ingest", json={"tenant_id": "acme", "log_id": "fine", "text": "this is fine"})

        wait_for(lambda: len(client.get("/admin/dead-letters").json()["data"]["items"]) == 1, 60)
        [entry] = client.get("/admin/dead-letters").json()["data"]["items"]
        assert (entry["tenant_id"], entry["log_id"], entry["attempts"]) == ("acme", "poison", 5)
        assert "chaos fail marker" in entry["last_error"]
        times = [_at(h) for h in entry["history"]]
        assert len(times) == 5
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(later >= earlier * 0.9 for earlier, later in itertools.pairwise(gaps)), gaps
        assert gaps[-1] > gaps[0]
        assert client.get("/tenants/acme/logs/fine").status_code == 200
        assert client.get("/tenants/acme/logs/poison").status_code == 404
        assert client.get("/metrics").json()["messages_dead_lettered"] == 1

        # Replay through the API: it leaves the list and is attempted afresh (and fails again).
        r = client.post(f"/admin/dead-letters/{entry['id']}/replay")
        assert r.status_code == 200, r.text
        assert client.post(f"/admin/dead-letters/{entry['id']}/replay").status_code == 404
        wait_for(lambda: len(client.get("/admin/dead-letters").json()["data"]["items"]) == 1, 60)
        [again] = client.get("/admin/dead-letters").json()["data"]["items"]
        assert again["attempts"] == 5
        assert [h["attempt"] for h in again["history"]] == [1, 2, 3, 4, 5]

    # Once the cause is gone, the CLI lists the dead letter and replays it into the store.
    listed = run_cli(tmp_path, "dlq", "list")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.strip().splitlines()
    assert orjson.loads(line)["log_id"] == "poison"
    replayed = run_cli(tmp_path, "dlq", "replay", "--all")
    assert replayed.returncode == 0, replayed.stderr
    assert run_cli(tmp_path, "dlq", "list").stdout.strip() == ""

    with (
        ServerProcess(tmp_path, work_seconds_per_char=0) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        wait_for(lambda: client.get("/tenants/acme/logs/poison").status_code == 200, 30)
        assert client.get("/tenants/acme/logs/poison").json()["data"]["delivery_attempt"] == 1

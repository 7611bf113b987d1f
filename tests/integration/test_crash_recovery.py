"""SIGKILL the only process mid-work: after a restart every accepted log is stored exactly once."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import orjson

from tests.integration.server import ServerProcess, all_log_ids, wait_for

TOTAL = 300


def _accept(client: httpx.Client, prefix: str) -> set[str]:
    accepted: set[str] = set()
    for start in range(0, TOTAL, 50):
        # Texts of 1 to 100 characters: at 0.05 s/char, work finishes spread over five seconds.
        lines = [
            {"tenant_id": "crash", "log_id": f"{prefix}-{i}", "text": "x" * (i % 100 + 1)}
            for i in range(start, start + 50)
        ]
        r = client.post(
            "/ingest",
            content=b"\n".join(orjson.dumps(line) for line in lines),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert r.status_code == 202, r.text
        accepted |= {
            item["log_id"] for item in r.json()["data"]["items"] if item["status"] == "accepted"
        }
    return accepted


def _restart_and_verify(tmp_path: Path, accepted: set[str]) -> list[dict[str, object]]:
    with (
        ServerProcess(tmp_path, work_seconds_per_char=0.001, lease_seconds=1) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        wait_for(
            lambda: len(all_log_ids(client, "crash")) >= len(accepted),
            90,
            "accepted logs were lost",
        )
        wait_for(
            lambda: client.get("/metrics").json()["queue_depth"] == 0, 60, "queue did not drain"
        )
        ids = all_log_ids(client, "crash")
        assert len(ids) == len(set(ids)), "a log was stored twice"
        assert set(ids) == accepted
        return [client.get(f"/tenants/crash/logs/{i}").json()["data"] for i in sorted(accepted)]


def test_sigkill_mid_processing_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    # Given a server whose messages take up to five seconds each, with a short lease
    server = ServerProcess(tmp_path, work_seconds_per_char=0.05, lease_seconds=1).start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        accepted = _accept(client, "mid")
        # When it is killed after some logs were stored and while others are in flight
        seen: list[int] = []

        def some_but_not_half_stored() -> bool:
            seen.append(len(all_log_ids(client, "crash")))
            return 0 < seen[-1] < TOTAL // 2

        wait_for(some_but_not_half_stored, 30, "no moment with some but not half stored", 0.02)
        server.kill()
    stored_before_kill = seen[-1]
    # Then a restarted server stores every accepted log exactly once
    assert len(accepted) == TOTAL
    documents = _restart_and_verify(tmp_path, accepted)
    redelivered = [d for d in documents if int(str(d["delivery_attempt"])) >= 2]
    assert 0 < stored_before_kill < TOTAL
    assert redelivered, "messages in flight at the kill should have been delivered again"


def test_sigkill_right_after_the_202s_loses_nothing(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, work_seconds_per_char=10, lease_seconds=2).start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        accepted = _accept(client, "after")
    server.kill()
    _restart_and_verify(tmp_path, accepted)


def test_sigterm_drains_or_releases_in_flight_work(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path, work_seconds_per_char=0.02, lease_seconds=30, shutdown_grace_seconds=2
    ).start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        accepted = _accept(client, "term")
    # uvicorn re-raises SIGTERM after its graceful shutdown, as process managers expect.
    assert server.terminate(timeout_s=60) in (0, -signal.SIGTERM)
    assert '"msg":"stopped"' in server.logs()
    # Released leases are visible at once: no wait for a 30 s lease to expire.
    _restart_and_verify(tmp_path, accepted)

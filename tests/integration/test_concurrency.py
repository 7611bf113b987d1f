"""One worker process keeps hundreds of slow messages in flight at once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson

from tests.integration.server import ServerProcess, all_log_ids, wait_for


def test_200_messages_of_5_seconds_each_finish_in_well_under_10_seconds(tmp_path: Path) -> None:
    # 200 x 100 chars x 0.05 s/char: 1000 s of sleeping if done one at a time.
    with (
        ServerProcess(tmp_path, work_seconds_per_char=0.05) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        lines = [{"tenant_id": "busy", "log_id": f"m-{i}", "text": "y" * 100} for i in range(200)]
        started = time.monotonic()
        r = client.post(
            "/ingest",
            content=b"\n".join(orjson.dumps(x) for x in lines),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert r.json()["data"]["accepted"] == 200
        wait_for(lambda: len(all_log_ids(client, "busy")) == 200, 60, interval_s=0.25)
        elapsed_s = time.monotonic() - started
    assert elapsed_s < 10, f"took {elapsed_s:.1f} s"

"""Stage 5: resident memory of ``memory-machines serve`` with many messages in flight.

The worker may hold ``in_flight`` messages at once (``MM_WORKER_CONCURRENCY``) and each sleeps
for minutes, so once they are all claimed the process holds every one of them (message, task,
lease). VmRSS is read from /proc/PID/status.
"""

from __future__ import annotations

import time
import urllib.request

from benchmarks import payloads
from benchmarks.context import Context
from benchmarks.report import Row, Target
from benchmarks.server import Server, rss_mib

STAGE = "5 memory"
TEXT_CHARS = 200
SLEEP_S = 300.0  # far longer than the measurement: nothing finishes meanwhile
BATCH = 1000


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        f"{url}/ingest", data=body, headers={"Content-Type": "application/x-ndjson"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as response:
        return int(response.status)


def _wait_in_flight(server: Server, wanted: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    in_flight = 0
    while time.monotonic() < deadline:
        value = server.metrics().get("in_flight")
        in_flight = value if isinstance(value, int) else 0
        if in_flight >= wanted:
            break
        time.sleep(0.2)
    return in_flight


def run(ctx: Context) -> list[Row]:
    wanted = ctx.budget.memory_in_flight
    settings = {
        "MM_WORKER_CONCURRENCY": wanted,
        "MM_WORK_SECONDS_PER_CHAR": SLEEP_S / TEXT_CHARS,
    }
    text = payloads.log_text(TEXT_CHARS)
    with Server(ctx.new_dir("memory-serve"), role="serve", settings=settings) as service:
        idle = rss_mib(service.pid)
        ctx.log(f"  {wanted:,} messages in flight")
        for first in range(0, wanted, BATCH):
            size = min(BATCH, wanted - first)
            body = payloads.ndjson_batch("mem", first, size, text)
            if _post(service.url, body) != 202:
                raise RuntimeError("the service refused a batch")
        in_flight = _wait_in_flight(service, wanted, timeout_s=60)
        if in_flight < wanted:
            raise RuntimeError(f"only {in_flight} of {wanted} messages got in flight")
        samples = []
        for _ in range(10):  # over 2 s: a metrics scrape or two, maybe a lease extension
            samples.append(rss_mib(service.pid))
            time.sleep(0.2)
        peak = rss_mib(service.pid, "VmHWM")
    return [
        Row(
            STAGE,
            f"RSS of serve with {wanted:,} messages in flight",
            max(samples),
            "MiB",
            Target("<", 300),
            f"idle {idle:.0f} MiB, peak (VmHWM) {peak:.0f} MiB; {TEXT_CHARS}-char texts",
        )
    ]

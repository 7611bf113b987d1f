"""Stage 2: NDJSON batches of 100 and 1,000 records per request, records accepted per second.

An ``api`` server as in stage 1 (no worker), a fresh one per batch size. Every record has a
unique log_id and passes validation, so each 202 means the whole batch was committed in one
transaction.
"""

from __future__ import annotations

import time

from benchmarks import loadgen
from benchmarks.context import Context
from benchmarks.report import Row, Target
from benchmarks.server import NO_DEPTH_LIMIT, Server

STAGE = "2 ingest NDJSON"
BATCHES = (100, 1000)
CONNECTIONS = 16  # big bodies: fewer connections keep the client's share of the CPU small


def measure(ctx: Context, batch: int) -> Row:
    budget = ctx.budget
    with Server(ctx.new_dir(f"ndjson-{batch}"), role="api", settings=NO_DEPTH_LIMIT) as service:
        ctx.log(f"  batches of {batch} ({budget.repeats} x {budget.load_s:g} s)")
        busy_before, started = service.writer_busy_s(), time.monotonic()
        stats = loadgen.max_throughput(
            ctx, service.url, "ndjson", f"nd{batch}", batch=batch, connections=CONNECTIONS
        )
        # The share of the stage the single SQLite writer was busy: near 100% it is the limit.
        writer = (service.writer_busy_s() - busy_before) / (time.monotonic() - started)
        stats.check(f"NDJSON x{batch}")
        rejected = service.metrics().get("records_rejected")
    if rejected:
        raise RuntimeError(f"the service rejected {rejected} records")
    return Row(
        STAGE,
        f"batches of {batch:,}",
        stats.rps * batch,
        "records/s",
        Target(">=", 150_000),
        f"{stats.rps:,.0f} req/s, p99 {stats.p99_ms:.1f} ms, {stats.tool}, "
        f"{CONNECTIONS} connections, median of {budget.repeats}; SQLite writer busy {writer:.0%}",
    )


def run(ctx: Context) -> list[Row]:
    return [measure(ctx, batch) for batch in BATCHES]

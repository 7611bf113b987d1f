"""Stage 1: ``POST /ingest`` with one JSON record, against the service and the raw ASGI ceiling.

The service runs as ``memory-machines api`` (no worker: the queue only fills, so the numbers are
the ingest path alone, every 202 after a SQLite commit with fsync). The raw app runs on the same
uvicorn settings. The two are loaded in turn, run after run, and the ratio is the median of the
pairs: on a shared machine a slow spell then lands on both sides of a ratio. Max throughput is closed-loop; the latency target is measured open-loop at a
fixed 1,000 requests/s, where queueing in the client cannot hide a slow server.
"""

from __future__ import annotations

from benchmarks import loadgen
from benchmarks.context import Context
from benchmarks.report import Row, Target
from benchmarks.server import NO_DEPTH_LIMIT, Server

STAGE = "1 ingest JSON"


def run(ctx: Context) -> list[Row]:
    budget = ctx.budget
    conns = budget.connections
    with (
        Server(ctx.new_dir("ingest-api"), role="api", settings=NO_DEPTH_LIMIT) as service,
        Server(ctx.new_dir("ingest-raw"), role="raw") as raw_app,
    ):
        ctx.log(
            f"  service and raw ASGI max throughput, in turn ({budget.pairs} x "
            f"{budget.pair_s:g} s each)"
        )
        svc_runs, raw_runs = loadgen.paired_max_throughput(
            ctx,
            [service.url, raw_app.url],
            "json",
            ["ingest", "raw"],
            rounds=budget.pairs,
            seconds=budget.pair_s,
        )
        svc, raw = loadgen.median_run(svc_runs), loadgen.median_run(raw_runs)
        svc.check("service")
        raw.check("raw ASGI")
        ratios = sorted(s.rps / r.rps for s, r in zip(svc_runs, raw_runs, strict=True))
        ctx.log(
            f"  service at {budget.fixed_rate_rps:g} req/s "
            f"({budget.repeats} x {budget.fixed_rate_s:g} s)"
        )
        svc_fixed = loadgen.fixed_rate(
            service.url, "fixed", budget.fixed_rate_rps, budget.fixed_rate_s, repeats=budget.repeats
        )
        svc_fixed.check("service at a fixed rate")
        raw_fixed = loadgen.fixed_rate(
            raw_app.url, "fixed", budget.fixed_rate_rps, budget.fixed_rate_s, repeats=budget.repeats
        )
    how = f"{svc.tool}, {conns} connections, median of {budget.pairs} x {budget.pair_s:g} s"
    rate = f"{budget.fixed_rate_rps:,.0f} req/s"
    return [
        Row(STAGE, "service throughput", svc.rps, "req/s", Target(">=", 10_000), how),
        Row(STAGE, "service latency p50 at max throughput", svc.p50_ms, "ms", note=how),
        Row(STAGE, "service latency p99 at max throughput", svc.p99_ms, "ms", note=how),
        Row(STAGE, "raw ASGI throughput (ceiling)", raw.rps, "req/s", note=how),
        Row(
            STAGE,
            "service / raw ASGI",
            100 * ratios[len(ratios) // 2],
            "%",
            Target(">=", 50),
            f"median of {len(ratios)} back-to-back pairs, "
            f"{100 * ratios[0]:.1f} to {100 * ratios[-1]:.1f}",
        ),
        Row(
            STAGE,
            f"service latency p99 at {rate}",
            svc_fixed.p99_ms,
            "ms",
            Target("<=", 10),
            f"open loop, median of {budget.repeats} x {budget.fixed_rate_s:g} s; "
            f"p50 {svc_fixed.p50_ms:.2f} ms, max {svc_fixed.max_ms:.1f} ms",
        ),
        Row(
            STAGE,
            f"raw ASGI latency p99 at {rate}",
            raw_fixed.p99_ms,
            "ms",
            note="the client's own floor",
        ),
    ]

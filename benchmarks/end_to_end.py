"""Stage 4: sustained load at a fixed rate against ``memory-machines serve``, then an audit.

The load tool (``memory_machines.loadtest.run_load``) sends its default mix (JSON, text and
NDJSON batches of 100 over 5 tenants) open-loop, waits for the queue to drain, and lists every
tenant through the API: every acknowledged log must be stored exactly once. The heavy step is
shortened (``MM_WORK_SECONDS_PER_CHAR``) so the drain fits the run; the path is the real one.
"""

from __future__ import annotations

import asyncio

from benchmarks.context import Context
from benchmarks.report import Row, Target
from benchmarks.server import Server

STAGE = "4 end to end"


def run(ctx: Context) -> list[Row]:
    from memory_machines.loadtest import LoadConfig, run_load

    budget = ctx.budget
    settings = {"MM_WORK_SECONDS_PER_CHAR": budget.e2e_seconds_per_char}
    with Server(ctx.new_dir("e2e-serve"), role="serve", settings=settings) as service:
        config = LoadConfig(
            service.url,
            rate_rps=budget.e2e_rps,
            duration_s=budget.e2e_s,
            verify=True,
            verify_timeout_s=120 + budget.e2e_s,
            seed=1,
        )
        ctx.log(f"  {budget.e2e_rps:g} req/s for {budget.e2e_s:g} s, then verify")
        result = asyncio.run(run_load(config))
    verification = result.verification
    assert verification is not None
    if verification.listing_errors:
        raise RuntimeError(f"listing failed: {'; '.join(verification.listing_errors)}")
    latency = result.latency
    p99 = f"p99 {latency.p99_s * 1000:.1f} ms" if latency else "no answers"
    rate_note = (
        f"{result.achieved_rps:,.0f} req/s ({'held' if result.pacing.rate_held else 'NOT held'}), "
        f"{p99}, {result.records_per_s:,.0f} records/s"
    )
    drained = "drained" if verification.drained else f"NOT drained: {verification.drain_note}"
    return [
        Row(
            STAGE,
            f"records acknowledged at {budget.e2e_rps:g} req/s for {budget.e2e_s:g} s",
            verification.expected,
            "records",
            note=rate_note,
        ),
        Row(
            STAGE,
            "acknowledged but not stored (lost)",
            verification.lost,
            "records",
            Target("==", 0),
            f"{drained} in {verification.drain_wait_s:.1f} s",
        ),
        Row(STAGE, "stored more than once", verification.duplicated, "records", Target("==", 0)),
    ]

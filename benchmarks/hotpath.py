"""Profiles of the three hot paths under load: JSON ingest, NDJSON ingest, the worker at sleep 0.

Each is sampled with py-spy; the raw stacks stay in the work directory (``profile-*.txt``,
collapsed-stack format) and a text summary goes into the report. py-spy sees no Python frames
inside compiled code, so the profiled processes run every unit interpreted: the same source,
each of its functions in view.
"""

from __future__ import annotations

import dataclasses
import subprocess
import threading
import time

from benchmarks import loadgen, worker_pipeline
from benchmarks.context import Context
from benchmarks.profile import Summary, profile_command, profile_pid, summarise
from benchmarks.server import NO_DEPTH_LIMIT, Server, child_env
from memory_machines.native import INTERPRETED, UNITS

_ALL_INTERPRETED = {unit.environment: INTERPRETED for unit in UNITS}


def _server_under_load(
    ctx: Context, name: str, kind: loadgen.Kind, batch: int, connections: int
) -> Summary:
    duration_s = ctx.budget.profile_s
    # The load runs a little longer than the sampling, which starts once it is going.
    budget = dataclasses.replace(ctx.budget, load_s=duration_s + 2, warmup_s=0, repeats=1)
    load_ctx = dataclasses.replace(ctx, budget=budget)
    out = ctx.work_dir / f"profile-{name}.txt"
    settings = {**NO_DEPTH_LIMIT, **_ALL_INTERPRETED}
    with Server(ctx.new_dir(f"profile-{name}"), role="api", settings=settings) as service:
        load = threading.Thread(
            target=loadgen.max_throughput,
            args=(load_ctx, service.url, kind, f"prof{name}"),
            kwargs={"batch": batch, "connections": connections},
        )
        load.start()
        time.sleep(0.5)
        try:
            profile_pid(service.pid, duration_s, out)
        finally:
            load.join(timeout=duration_s + 120)
    return summarise(out)


def _worker(ctx: Context) -> Summary:
    job = worker_pipeline.Job(max(ctx.budget.worker_messages, 10_000), 1000, 0.0)
    data_dir = ctx.new_dir("profile-worker")
    out = ctx.work_dir / "profile-worker.txt"
    env = child_env(_ALL_INTERPRETED)
    fill = subprocess.run(
        job.argv(data_dir, "--fill-only"), env=env, capture_output=True, timeout=600, check=False
    )
    if fill.returncode != 0:
        raise RuntimeError(f"filling the queue failed: {fill.stderr[-2000:]!r}")
    profile_command(job.argv(data_dir, "--no-fill"), out, env, timeout_s=600)
    return summarise(out)


def run(ctx: Context) -> dict[str, Summary]:
    ctx.log("  JSON ingest under load")
    summaries = {"ingest JSON (api)": _server_under_load(ctx, "json", "json", 1, 64)}
    ctx.log("  NDJSON x1000 ingest under load")
    summaries["ingest NDJSON x1000 (api)"] = _server_under_load(ctx, "ndjson", "ndjson", 1000, 16)
    ctx.log("  worker, sleep 0")
    summaries["worker, sleep 0"] = _worker(ctx)
    return summaries

"""Run the benchmarks and print one table: every stage, its target, PASS or MISS.

    python -m benchmarks.run                      # all stages, full length (~4 min)
    python -m benchmarks.run --quick              # shorter runs (~1.5 min)
    python -m benchmarks.run --stages ingest,worker --json out.json
    python -m benchmarks.run --profile --docs docs/benchmarks.md

Exit status 1 when a stage failed to measure (ERROR); a MISS is a result, not a failure.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from benchmarks import end_to_end, ingest, machine, memory, ndjson, worker_pipeline
from benchmarks.context import BUDGETS, Context
from benchmarks.docs import write_results
from benchmarks.profile import Summary
from benchmarks.report import Row, text_table

STAGES: dict[str, tuple[str, Callable[[Context], list[Row]]]] = {
    "ingest": (ingest.STAGE, ingest.run),
    "ndjson": (ndjson.STAGE, ndjson.run),
    "worker": (worker_pipeline.STAGE, worker_pipeline.run),
    "e2e": (end_to_end.STAGE, end_to_end.run),
    "memory": (memory.STAGE, memory.run),
}


BUSY_PERCENT = 10.0  # CPUs busier than this in the second before the start: other work runs
STEAL_WARNING_PERCENT = 2.0  # hypervisor steal above this: the host is busy, figures read low


def _stages(spec: str) -> list[str]:
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in STAGES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown stage(s) {', '.join(unknown) or spec!r}; choose from {', '.join(STAGES)}"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="shorter runs")
    size.add_argument("--smoke", action="store_true", help="tiny runs that only check the harness")
    p.add_argument("--stages", type=_stages, default=list(STAGES), help=", ".join(STAGES))
    p.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    p.add_argument("--docs", type=Path, metavar="FILE", help="write the results into FILE")
    p.add_argument("--profile", action="store_true", help="also profile the hot paths (py-spy)")
    p.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    p.add_argument("--work-dir", type=Path, help="scratch directory (default: a temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    return p


def find_wrk(disabled: bool, log: Callable[[str], None]) -> str | None:
    if disabled:
        return None
    wrk = shutil.which("wrk")
    if wrk is None:
        log(
            "WARNING: wrk not found (Debian/Ubuntu: apt-get install wrk); falling back to the "
            "Python load generator, which needs more CPU per request: throughput reads lower."
        )
    return wrk


def run_stage(ctx: Context, name: str) -> list[Row]:
    label, fn = STAGES[name]
    ctx.log(label)
    before = machine.cpu_times()
    try:
        return fn(ctx)
    except Exception as exc:
        ctx.log(traceback.format_exc())
        return [Row(label, "failed", None, "", note=f"{type(exc).__name__}: {exc}"[:300])]
    finally:
        steal = machine.steal_percent(before, machine.cpu_times())
        if steal >= STEAL_WARNING_PERCENT:
            ctx.log(f"  WARNING: the hypervisor took {steal:.1f}% of the CPU time of this stage")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    budget = BUDGETS["quick" if args.quick else "smoke" if args.smoke else "full"]
    work_dir = Path(tempfile.mkdtemp(prefix="mm-bench-", dir=args.work_dir))
    ctx = Context(budget, work_dir, None)
    ctx.wrk = find_wrk(args.no_wrk, ctx.log)
    command = shlex.join(["python", "-m", "benchmarks.run", *(argv or sys.argv[1:])])
    started = datetime.now(UTC)
    start_load = machine.load_average()
    start_busy = machine.busy_now()
    if start_busy > BUSY_PERCENT:
        ctx.log(
            f"WARNING: the CPUs were {start_busy:.0f}% busy before the first stage: other work "
            "is running on this machine and the numbers will read low"
        )
    rows: list[Row] = []
    profiles: dict[str, Summary] = {}
    cpu_at_start = machine.cpu_times()
    try:
        for name in args.stages:
            rows += run_stage(ctx, name)
        if args.profile:
            from benchmarks import hotpath

            ctx.log("profiles (py-spy)")
            profiles = hotpath.run(ctx)
    finally:
        if args.keep:
            ctx.log(f"scratch kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    steal = machine.steal_percent(cpu_at_start, machine.cpu_times())
    described = {
        **machine.describe(ctx.wrk),
        "load average at start": f"{start_load:.2f}",
        "CPUs busy in the second before the start": f"{start_busy:.0f}%",
        "CPU time taken by the hypervisor": f"{steal:.1f}% during the run",
    }
    print(text_table(rows))
    for title, summary in profiles.items():
        print(f"\nprofile: {title}\n{summary.to_text()}")
    if args.json:
        doc = {
            "date": started.isoformat(timespec="seconds"),
            "command": command,
            "budget": budget.name,
            "machine": described,
            "rows": [r.to_dict() for r in rows],
            "profiles": {t: s.to_text() for t, s in profiles.items()},
        }
        args.json.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    if args.docs:
        write_results(args.docs, rows, profiles, described, command, started)
    return 1 if any(r.verdict == "ERROR" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())

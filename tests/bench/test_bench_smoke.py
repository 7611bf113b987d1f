"""The benchmark harness: its pieces on their own, then a whole run in the smoke budget.

No timing is asserted: these tests check that every stage measures and reports its rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from benchmarks import loadgen, machine
from benchmarks.context import SMOKE, Context
from benchmarks.docs import BEGIN, END, write_results
from benchmarks.machine import CpuTimes
from benchmarks.profile import summarise
from benchmarks.report import Row, Target, markdown_table, text_table
from benchmarks.server import Server
from benchmarks.worker_pipeline import steady_rate

ROOT = Path(__file__).resolve().parents[2]

# (stage, start of metric) for every row a full run reports, in order.
EXPECTED_ROWS = [
    ("1 ingest JSON", "service throughput"),
    ("1 ingest JSON", "service latency p50 at max throughput"),
    ("1 ingest JSON", "service latency p99 at max throughput"),
    ("1 ingest JSON", "raw ASGI throughput"),
    ("1 ingest JSON", "service / raw ASGI"),
    ("1 ingest JSON", "service latency p99 at"),
    ("1 ingest JSON", "raw ASGI latency p99 at"),
    ("2 ingest NDJSON", "batches of 100"),
    ("2 ingest NDJSON", "batches of 1,000"),
    ("3 worker pipeline", "sleep 0: queue to stored document"),
    ("3 worker pipeline", "sleep 0, random log_ids (UUIDv4): queue to stored document"),
    ("3 worker pipeline", "sleep 0, 1,000 documents stored and 1,000 more messages queued"),
    ("3 worker pipeline", "sleep 0.15-0.45 s"),
    ("3 worker pipeline", "sleep 0.3 s, all 50 in lockstep"),
    ("4 end to end", "records acknowledged"),
    ("4 end to end", "acknowledged but not stored"),
    ("4 end to end", "stored more than once"),
    ("5 memory", "RSS of serve with 300 messages in flight"),
]


def test_a_row_passes_or_misses_its_target_and_errors_without_a_value() -> None:
    assert Row("s", "m", 10, "req/s", Target(">=", 10)).verdict == "PASS"
    assert Row("s", "m", 9.9, "req/s", Target(">=", 10)).verdict == "MISS"
    assert Row("s", "m", 0, "records", Target("==", 0)).verdict == "PASS"
    assert Row("s", "m", 3.0, "ms").verdict == "-"
    assert Row("s", "m", None, "").verdict == "ERROR"


def test_steal_is_the_share_of_cpu_time_the_hypervisor_took() -> None:
    before, after = CpuTimes(10, 500, 1_000), CpuTimes(30, 900, 2_000)
    assert machine.steal_percent(before, after) == pytest.approx(2.0)
    nothing = CpuTimes(0, 0, 0)  # no /proc/stat: nothing to report
    assert machine.steal_percent(nothing, nothing) == 0.0
    stolen, idle, total = machine.cpu_times()
    assert 0 <= stolen <= total and 0 <= idle <= total and total > 0  # Linux: /proc/stat


def test_busy_is_the_share_of_cpu_time_neither_idle_nor_stolen() -> None:
    """400 of 1,000 jiffies idle and 20 stolen: processes here used the other 58%."""
    assert machine.busy_percent(CpuTimes(10, 500, 1_000), CpuTimes(30, 900, 2_000)) == (
        pytest.approx(58.0)
    )
    assert machine.busy_percent(CpuTimes(0, 0, 0), CpuTimes(0, 0, 0)) == 0.0
    assert 0.0 <= machine.busy_now(0.05) <= 100.0


def test_tables_show_value_target_and_verdict() -> None:
    rows = [Row("1 ingest", "throughput", 12_345.6, "req/s", Target(">=", 10_000), "wrk")]
    assert "12,346 req/s" in text_table(rows)
    assert "| 1 ingest | throughput | 12,346 req/s | ≥ 10,000 req/s | PASS | wrk |" in (
        markdown_table(rows)
    )


def test_docs_block_is_replaced_and_the_prose_kept(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Benchmarks\n\nprose\n\n{BEGIN}\nold\n{END}\n\nmore prose\n")
    rows = [Row("5 memory", "RSS", 80.0, "MiB", Target("<", 300))]
    write_results(page, rows, {}, {"cpu": "test"}, "cmd", datetime(2024, 1, 1, tzinfo=UTC))
    text = page.read_text()
    assert "prose" in text and "more prose" in text and "old" not in text
    assert text.count(BEGIN) == 1 and "| 5 memory | RSS | 80 MiB | < 300 MiB | PASS |  |" in text


def test_profile_summary_splits_threads_and_drops_idle_waits(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "thread (0x1): MainThread;main (a.py);handle (b.py);parse (c.py) 3\n"
        "thread (0x1): MainThread;main (a.py);handle (b.py) 1\n"
        "thread (0x2): sqlite-writer;_commit (d.py) 4\n"
        "thread (0x3): sqlite-reader_0;_worker (concurrent/futures/thread.py) 9\n"
    )
    summary = summarise(raw)
    assert (summary.samples, summary.idle) == (8, 9)
    main, writer = summary.threads
    assert main.name == "MainThread" and main.self_time["parse (c.py)"] == 3
    assert main.total_time["handle (b.py)"] == 4 and "main (a.py)" not in main.total_time
    assert writer.name == "sqlite-writer" and writer.samples == 4
    assert "MainThread: 50.0% of busy samples" in summary.to_text()


def test_steady_rate_is_measured_between_warm_up_and_the_end_of_the_backlog() -> None:
    series = [[0.0, 0], [1.0, 0], [2.0, 100], [3.0, 200], [4.0, 300], [5.0, 350]]
    assert steady_rate(series, after_s=2.0, until_count=300) == 100.0


@pytest.mark.integration
def test_python_load_generator_measures_the_raw_app(tmp_path: Path) -> None:
    """Without wrk, closed-loop and open-loop load come from the Python client."""
    ctx = Context(SMOKE, tmp_path, wrk=None, log=lambda _: None)
    with Server(ctx.new_dir("raw"), role="raw") as raw:
        closed = loadgen.max_throughput(ctx, raw.url, "ndjson", "t", batch=10, connections=4)
        fixed = loadgen.fixed_rate(raw.url, "t", rate_rps=100, duration_s=0.5, connections=4)
    assert closed.tool == "python" and closed.requests > 0 and closed.failed == 0
    assert fixed.requests == 50 and fixed.failed == 0 and fixed.p99_ms > 0


@pytest.mark.integration
@pytest.mark.timeout(150)
def test_a_smoke_run_reports_every_stage_in_one_table(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    argv = [sys.executable, "-m", "benchmarks.run", "--smoke", "--json", str(out)]
    done = subprocess.run(
        [*argv, "--work-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=140,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == len(EXPECTED_ROWS), rows
    for row, (stage, metric) in zip(rows, EXPECTED_ROWS, strict=True):
        assert row["stage"] == stage and row["metric"].startswith(metric), row
        assert row["verdict"] in ("PASS", "MISS", "-"), row
        assert isinstance(row["value"], int | float)
    assert "service / raw ASGI" in done.stdout and "result" in done.stdout

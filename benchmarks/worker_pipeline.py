"""Stage 3: the worker pipeline, queue to stored document, in one worker process.

The SQLite queue is pre-filled directly through the queue adapter, then a worker built by
``Service.build(settings, with_worker=True)`` starts and the clock runs until every message is
stored. Each measurement is a child process (``python -m benchmarks.worker_pipeline``) on
uvloop, with the garbage collector set up as a server process sets it up, so nothing of the
harness shares its interpreter.

* sleep 0: messages per second, i.e. the worker's own cost per message (claim, duplicate
  check, redaction, store + ack in one transaction); once with ordered log_ids and once with
  random ones (UUIDv4, what text/plain ingest assigns), which scatter the documents' keys
  over the tenant's key index; then ordered ones again with a store and a queue that have
  grown (documents stored before the worker starts, messages queued beyond those measured),
  where any per-batch cost that reads the store or the backlog shows.
* a realistic sleep: ``concurrency`` messages in flight, texts of 100-300 characters so each
  sleeps 1-3 s (mean 2 s); the steady-state rate (after the first cohort, while the queue
  still has a backlog) as a share of the theoretical ``concurrency / mean sleep``.
* the same with identical sleeps: every cohort finishes in the same instant, so the cost of
  storing it and claiming the next is paid once per round (total messages / total time).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks import payloads
from benchmarks.context import Context
from benchmarks.report import Row, Target
from benchmarks.server import child_env

STAGE = "3 worker pipeline"
FILL_CHUNK = 2000
STORE_CHUNK = 20_000
SERIES_EVERY_S = 0.01


def text_length(n: int, spread: bool) -> int:
    """200 characters, or spread evenly over 100-300 (mean 200) in a fixed shuffled order."""
    return 100 + (n * 7919) % 201 if spread else 200


async def fill(
    data_dir: Path, messages: int, spread: bool, random_ids: bool = False, stored: int = 0
) -> None:
    """Queue ``messages``, after storing ``stored`` documents of earlier ones (random log_ids)."""
    from memory_machines.message import Message, new_uuid4
    from memory_machines.queue.sqlite import SqliteQueue
    from memory_machines.sqlite.database import SqliteDatabase

    queue = SqliteQueue(SqliteDatabase(data_dir / "memory-machines.db"))
    await queue.start()
    try:
        for first in range(0, stored, STORE_CHUNK):
            await store_documents(queue.db, min(STORE_CHUNK, stored - first))
        for first in range(0, messages, FILL_CHUNK):
            await queue.enqueue(
                [
                    Message.create(
                        tenant_id=payloads.TENANT,
                        log_id=new_uuid4() if random_ids else f"wp-{n}",
                        text=payloads.log_text(text_length(n, spread)),
                        source="json_upload",
                        correlation_id=f"wp-{n}",
                    )
                    for n in range(first, min(messages, first + FILL_CHUNK))
                ]
            )
    finally:
        await queue.close()


async def store_documents(db: Any, count: int) -> None:
    """``count`` documents as the worker stores them, in one transaction."""
    from memory_machines.document import Document
    from memory_machines.message import content_hash, new_uuid4, utc_now_iso
    from memory_machines.store.sqlite import put_document

    text = payloads.log_text(200)
    now = utc_now_iso()
    documents = [
        Document(
            payloads.TENANT,
            new_uuid4(),
            "json_upload",
            text,
            text,
            now,
            content_hash(text),
            "earlier",
            now,
            1,
            0.0,
            {},
        )
        for _ in range(count)
    ]
    await db.write(lambda conn: [put_document(conn, document) for document in documents])


async def drain(
    data_dir: Path, messages: int, concurrency: int, seconds_per_char: float
) -> dict[str, Any]:
    """Start a worker on the filled queue and follow it until ``messages`` are stored."""
    from memory_machines.runtime import prepare_collector
    from memory_machines.service import Service
    from memory_machines.settings import Settings

    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        worker_concurrency=concurrency,
        work_seconds_per_char=seconds_per_char,
    )
    service = Service.build(settings, with_worker=True)
    prepare_collector(settings.gc_young_threshold)  # as `memory-machines worker` does
    metrics = service.metrics
    timeout_s = 60 + messages / 500 + 3 * seconds_per_char * 300 * messages / concurrency
    series: list[tuple[float, int]] = []
    start = time.perf_counter()
    await service.start()
    try:
        now, deadline, next_sample = start, start + timeout_s, start
        while metrics.processed + metrics.duplicates < messages and now < deadline:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            if now >= next_sample:
                series.append((round(now - start, 4), metrics.processed))
                next_sample = now + SERIES_EVERY_S
        elapsed = time.perf_counter() - start
    finally:
        await service.close()
    with sqlite3.connect(settings.sqlite_path) as conn:
        stored = conn.execute("SELECT count(*) FROM processed_logs").fetchone()[0]
    series.append((round(elapsed, 4), metrics.processed))
    return {"messages": messages, "stored": stored, "elapsed_s": elapsed, "series": series}


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one worker-pipeline measurement")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--seconds-per-char", type=float, default=0.0)
    parser.add_argument("--spread", action="store_true", help="texts of 100-300 characters")
    parser.add_argument("--random-ids", action="store_true", help="UUIDv4 log_ids, not ordered")
    parser.add_argument("--stored", type=int, default=0, help="documents stored beforehand")
    parser.add_argument(
        "--backlog", type=int, default=0, help="messages queued beyond those waited for"
    )
    parser.add_argument("--fill-only", action="store_true", help="fill the queue and exit")
    parser.add_argument("--no-fill", action="store_true", help="drain an already filled queue")
    args = parser.parse_args(argv)

    import uvloop

    from memory_machines.logs import configure_logging

    configure_logging("WARNING")
    if not args.no_fill:
        uvloop.run(
            fill(
                args.data_dir,
                args.messages + args.backlog,
                args.spread,
                args.random_ids,
                args.stored,
            )
        )
    if args.fill_only:
        return 0
    result = uvloop.run(
        drain(args.data_dir, args.messages, args.concurrency, args.seconds_per_char)
    )
    print(orjson.dumps(result).decode(), flush=True)
    return 0


@dataclass(frozen=True, slots=True)
class Job:
    messages: int
    concurrency: int
    seconds_per_char: float
    spread: bool = False
    random_ids: bool = False
    stored: int = 0  # documents in the store before the worker starts
    backlog: int = 0  # messages left queued when the measured ones are done

    def argv(self, data_dir: Path, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "benchmarks.worker_pipeline",
            str(data_dir),
            f"--messages={self.messages}",
            f"--concurrency={self.concurrency}",
            f"--seconds-per-char={self.seconds_per_char}",
            *(["--spread"] if self.spread else []),
            *(["--random-ids"] if self.random_ids else []),
            f"--stored={self.stored}",
            f"--backlog={self.backlog}",
            *extra,
        ]


def measure(data_dir: Path, job: Job) -> dict[str, Any]:
    out = subprocess.run(
        job.argv(data_dir),
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker pipeline child failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    stored = result["stored"] - job.stored
    # With a backlog the worker may finish a few more before it stops.
    if stored < job.messages or (stored > job.messages and not job.backlog):
        raise RuntimeError(f"stored {stored} documents for {job.messages} messages")
    return result


def steady_rate(series: list[list[float]], after_s: float, until_count: int) -> float:
    """Completions per second from ``after_s`` until ``until_count`` messages were stored."""
    begin = next(p for p in series if p[0] >= after_s)
    end = next(p for p in series if p[1] >= until_count)
    if end[0] <= begin[0]:
        raise RuntimeError("no steady-state window: fill more messages")
    return (end[1] - begin[1]) / (end[0] - begin[0])


def run(ctx: Context) -> list[Row]:
    budget = ctx.budget
    n = budget.worker_messages
    ctx.log(f"  sleep 0: {n:,} messages")
    fast = measure(ctx.new_dir("worker-sleep0"), Job(n, 1000, 0.0))
    ctx.log(f"  sleep 0, random log_ids: {n:,} messages")
    scattered = measure(ctx.new_dir("worker-sleep0-random"), Job(n, 1000, 0.0, random_ids=True))
    grown = budget.worker_grown
    ctx.log(f"  sleep 0, {grown:,} documents stored and {grown:,} more messages queued")
    at_scale = measure(
        ctx.new_dir("worker-sleep0-grown"), Job(n, 1000, 0.0, stored=grown, backlog=grown)
    )

    conc, sleep_s = budget.slow_concurrency, budget.slow_sleep_s
    per_char = sleep_s / 200
    theoretical = conc / sleep_s
    warm_s = 2.5 * sleep_s  # the synchronized start has settled (cohorts 1-2 are done)
    spread_n = conc + round(theoretical * (warm_s + budget.slow_window_s))
    ctx.log(
        f"  sleep {sleep_s / 2:g}-{sleep_s * 1.5:g} s: {spread_n:,} messages, {conc:,} in flight"
    )
    spread = measure(ctx.new_dir("worker-spread"), Job(spread_n, conc, per_char, spread=True))
    achieved = steady_rate(spread["series"], warm_s, spread_n - conc)

    lock_n = conc * budget.slow_rounds
    ctx.log(f"  sleep {sleep_s:g} s, lockstep: {lock_n:,} messages, {conc:,} in flight")
    lock = measure(ctx.new_dir("worker-lockstep"), Job(lock_n, conc, per_char))
    lock_rate = lock_n / lock["elapsed_s"]
    return [
        Row(
            STAGE,
            "sleep 0: queue to stored document",
            n / fast["elapsed_s"],
            "msg/s",
            Target(">=", 5000),
            f"{n:,} messages in {fast['elapsed_s']:.2f} s, 1 process",
        ),
        Row(
            STAGE,
            "sleep 0, random log_ids (UUIDv4): queue to stored document",
            n / scattered["elapsed_s"],
            "msg/s",
            Target(">=", 5000),
            f"{n:,} messages in {scattered['elapsed_s']:.2f} s; each document's key lands in its "
            "own place of the tenant's key index",
        ),
        Row(
            STAGE,
            f"sleep 0, {grown:,} documents stored and {grown:,} more messages queued",
            n / at_scale["elapsed_s"],
            "msg/s",
            Target(">=", 5000),
            f"{n:,} messages in {at_scale['elapsed_s']:.2f} s; the first row's work, with a "
            "store and a backlog that have grown",
        ),
        Row(
            STAGE,
            f"sleep {sleep_s / 2:g}-{sleep_s * 1.5:g} s (mean {sleep_s:g}), {conc:,} in flight: "
            "share of concurrency/sleep",
            100 * achieved / theoretical,
            "%",
            Target(">=", 95),
            f"steady state {achieved:,.0f} of {theoretical:,.0f} msg/s",
        ),
        Row(
            STAGE,
            f"sleep {sleep_s:g} s, all {conc:,} in lockstep: share of concurrency/sleep",
            100 * lock_rate / theoretical,
            "%",
            note=f"{lock_rate:,.0f} msg/s over {budget.slow_rounds} rounds, start to last",
        ),
    ]


if __name__ == "__main__":
    raise SystemExit(child_main())

"""Load generation for the HTTP stages: wrk when installed, the Python client otherwise.

``max_throughput`` is closed-loop (as many requests as ``connections`` keep going);
``fixed_rate`` is open-loop at a given rate. Both return the same :class:`LoadStats`.
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson

from benchmarks import payloads, pyclient
from benchmarks.context import Context

WRK_DIR = Path(__file__).resolve().parent / "wrk"
Kind = Literal["json", "ndjson"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoadStats:
    tool: str
    requests: int
    duration_s: float
    failed: int  # non-2xx answers and socket errors
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    def check(self, what: str) -> None:
        """A benchmark of failing requests measures nothing: refuse to report it."""
        if self.requests == 0 or self.failed > self.requests // 100:
            raise RuntimeError(f"{what}: {self.failed} of {self.requests} requests failed")


def _run_async(coro: Coroutine[Any, Any, T]) -> T:
    import uvloop

    return uvloop.run(coro)


def _pct(sorted_s: list[float], q: float) -> float:
    if not sorted_s:
        return math.nan
    return sorted_s[max(0, math.ceil(q / 100 * len(sorted_s)) - 1)] * 1000


def _from_samples(tool: str, samples: pyclient.Samples, elapsed_s: float) -> LoadStats:
    lat = sorted(samples.latencies_s)
    return LoadStats(
        tool=tool,
        requests=len(lat),
        duration_s=elapsed_s,
        failed=samples.non_2xx + samples.errors,
        p50_ms=_pct(lat, 50),
        p99_ms=_pct(lat, 99),
        max_ms=lat[-1] * 1000 if lat else math.nan,
    )


def request_maker(kind: Kind, run_id: str, batch: int, text: str) -> pyclient.MakeRequest:
    if kind == "json":
        return lambda n: payloads.http_post(
            payloads.json_record(run_id, n, text), "application/json"
        )
    return lambda n: payloads.http_post(
        payloads.ndjson_batch(run_id, n * batch, batch, text), "application/x-ndjson"
    )


def run_wrk(
    wrk: str,
    url: str,
    kind: Kind,
    *,
    run_id: str,
    text: str,
    batch: int,
    connections: int,
    duration_s: float,
    threads: int = 1,
) -> LoadStats:
    script = WRK_DIR / f"ingest_{kind}.lua"
    env = {
        **os.environ,
        "BENCH_RUN": run_id,
        "BENCH_TENANT": payloads.TENANT,
        "BENCH_TEXT": text,
        "BENCH_BATCH": str(batch),
        "BENCH_COMMON_LUA": str(WRK_DIR / "common.lua"),
    }
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"{url}/ingest",
    ]
    out = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=duration_s + 60, check=False
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    r = orjson.loads(line.removeprefix("BENCH_RESULT "))
    errors = sum(
        r[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return LoadStats(
        tool="wrk",
        requests=r["requests"],
        duration_s=r["duration_us"] / 1e6,
        failed=errors,
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        max_ms=r["max_us"] / 1000,
    )


def max_throughput(
    ctx: Context,
    url: str,
    kind: Kind,
    run_id: str,
    *,
    batch: int = 1,
    connections: int | None = None,
    text_chars: int = 200,
) -> LoadStats:
    """After a short warm-up, ``repeats`` closed-loop runs of ``load_s``; the median run by
    throughput is returned (this machine's neighbours make single runs noisy)."""
    runs = paired_max_throughput(
        ctx, [url], kind, [run_id], batch=batch, connections=connections, text_chars=text_chars
    )
    return median_run(runs[0])


def paired_max_throughput(
    ctx: Context,
    urls: list[str],
    kind: Kind,
    run_ids: list[str],
    *,
    batch: int = 1,
    connections: int | None = None,
    text_chars: int = 200,
    rounds: int | None = None,
    seconds: float | None = None,
) -> list[list[LoadStats]]:
    """``rounds`` (default: ``repeats``) rounds of one closed-loop run of ``seconds`` (default:
    ``load_s``) against each URL in turn, after a warm-up of each: a slow spell of a shared
    machine then falls on both sides of a ratio, not on one. Every other round visits the URLs
    in reverse, so neither side always runs first after the other.

    Returns the runs of each URL, in the order of ``urls``."""
    budget, text = ctx.budget, payloads.log_text(text_chars)
    conns = connections or budget.connections
    rounds = rounds or budget.repeats
    seconds = seconds or budget.load_s
    if budget.warmup_s > 0:
        for url, run_id in zip(urls, run_ids, strict=True):
            _closed_loop(ctx.wrk, url, kind, f"{run_id}w", text, batch, conns, budget.warmup_s)
    runs: list[list[LoadStats]] = [[] for _ in urls]
    visits = list(zip(urls, run_ids, runs, strict=True))
    for i in range(rounds):
        for url, run_id, out in visits if i % 2 == 0 else reversed(visits):
            out.append(
                _closed_loop(ctx.wrk, url, kind, f"{run_id}{i}", text, batch, conns, seconds)
            )
    return runs


def median_run(runs: list[LoadStats]) -> LoadStats:
    """The median run by throughput."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def _closed_loop(
    wrk: str | None,
    url: str,
    kind: Kind,
    run_id: str,
    text: str,
    batch: int,
    connections: int,
    duration_s: float,
) -> LoadStats:
    if wrk is not None:
        return run_wrk(
            wrk,
            url,
            kind,
            run_id=run_id,
            text=text,
            batch=batch,
            connections=connections,
            duration_s=duration_s,
        )
    make = request_maker(kind, run_id, batch, text)
    samples, elapsed = _run_async(pyclient.closed_loop(url, make, connections, duration_s))
    return _from_samples("python", samples, elapsed)


def fixed_rate(
    url: str,
    run_id: str,
    rate_rps: float,
    duration_s: float,
    *,
    repeats: int = 1,
    connections: int = 32,
) -> LoadStats:
    """Open loop: one JSON record per request at ``rate_rps`` for ``duration_s``; of
    ``repeats`` runs, the one with the median p99 is returned."""
    runs = []
    for i in range(repeats):
        make = request_maker("json", f"{run_id}{i}", 1, payloads.log_text())
        samples, elapsed = _run_async(
            pyclient.open_loop(url, make, rate_rps, duration_s, connections)
        )
        runs.append(_from_samples("python open loop", samples, elapsed))
    return sorted(runs, key=lambda r: r.p99_ms)[len(runs) // 2]

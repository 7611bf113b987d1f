"""How long and how hard each stage runs (the budget), and what every stage is handed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Budget:
    """Every duration and count of a run; presets below, all bounded."""

    name: str
    load_s: float  # one closed-loop max-throughput run
    repeats: int  # such runs per measurement; the median one is reported
    warmup_s: float
    # Stage 1's ratio: rounds of one short run against the service, then the raw app. On a
    # shared machine whose speed moves by half from one second to the next, many short pairs
    # give a steadier median than a few long ones.
    pairs: int
    pair_s: float
    connections: int
    fixed_rate_rps: float
    fixed_rate_s: float
    worker_messages: int  # worker pipeline, sleep 0
    worker_grown: int  # documents already stored, and messages queued beyond those measured
    slow_concurrency: int  # worker pipeline with a realistic sleep
    slow_sleep_s: float
    slow_window_s: float  # steady-state window of the spread-sleep run
    slow_rounds: int  # cohorts of the lockstep run
    e2e_rps: float
    e2e_s: float
    e2e_seconds_per_char: float
    memory_in_flight: int
    profile_s: float


FULL = Budget(
    name="full",
    load_s=6,
    repeats=3,
    warmup_s=2,
    pairs=9,
    pair_s=2,
    connections=64,
    fixed_rate_rps=1000,
    fixed_rate_s=8,
    worker_messages=20_000,
    worker_grown=200_000,
    slow_concurrency=1000,
    slow_sleep_s=2.0,
    slow_window_s=10,
    slow_rounds=5,
    e2e_rps=200,
    e2e_s=60,
    e2e_seconds_per_char=0.001,
    memory_in_flight=10_000,
    profile_s=10,
)
QUICK = Budget(
    name="quick",
    load_s=4,
    repeats=1,
    warmup_s=1,
    pairs=3,
    pair_s=2,
    connections=64,
    fixed_rate_rps=1000,
    fixed_rate_s=5,
    worker_messages=5000,
    worker_grown=50_000,
    slow_concurrency=1000,
    slow_sleep_s=2.0,
    slow_window_s=4,
    slow_rounds=2,
    e2e_rps=200,
    e2e_s=10,
    e2e_seconds_per_char=0.001,
    memory_in_flight=10_000,
    profile_s=5,
)
# For the test suite: every stage runs, briefly and small; the numbers mean little.
SMOKE = Budget(
    name="smoke",
    load_s=1,
    repeats=1,
    warmup_s=0,
    pairs=1,
    pair_s=1,
    connections=8,
    fixed_rate_rps=200,
    fixed_rate_s=1,
    worker_messages=300,
    worker_grown=1000,
    slow_concurrency=50,
    slow_sleep_s=0.3,
    slow_window_s=1,
    slow_rounds=2,
    e2e_rps=50,
    e2e_s=1,
    e2e_seconds_per_char=0.0001,
    memory_in_flight=300,
    profile_s=1,
)
BUDGETS = {b.name: b for b in (FULL, QUICK, SMOKE)}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(slots=True)
class Context:
    budget: Budget
    work_dir: Path  # scratch space: one data directory per server started
    wrk: str | None  # path of the wrk binary, or None to use the Python load generator
    log: Callable[[str], None] = _stderr
    _dirs: int = field(default=0)

    def new_dir(self, name: str) -> Path:
        self._dirs += 1
        path = self.work_dir / f"{self._dirs:02d}-{name}"
        path.mkdir(parents=True)
        return path

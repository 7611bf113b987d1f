"""A one-paragraph description of the machine the numbers were measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from memory_machines import BUILDS


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _wrk_version(wrk: str | None) -> str:
    if wrk is None:
        return "wrk not installed (Python load generator)"
    out = subprocess.run(
        [wrk, "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split("[")[0].strip() if first else "wrk"


def load_average() -> float:
    """The 1-minute load average, recorded beside a run. It stays up for minutes after work has
    stopped: `busy_now` says whether other work is running."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


class CpuTimes(NamedTuple):
    """Jiffies of all CPUs since boot, from /proc/stat (all 0 elsewhere)."""

    stolen: int  # given by the hypervisor to other machines
    idle: int  # idle or waiting for I/O
    total: int


def cpu_times() -> CpuTimes:
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return CpuTimes(0, 0, 0)
    stolen = values[7] if len(values) == 8 else 0
    return CpuTimes(stolen, sum(values[3:5]), sum(values))


def steal_percent(before: CpuTimes, after: CpuTimes) -> float:
    """The share of CPU time between two readings that the hypervisor gave to other machines.

    A virtual machine whose host is busy loses cycles without any process here using them:
    every figure then reads low, and runs a minute apart differ by more than the changes
    being measured."""
    total = after.total - before.total
    return 100 * (after.stolen - before.stolen) / total if total > 0 else 0.0


def busy_percent(before: CpuTimes, after: CpuTimes) -> float:
    """The share of CPU time between two readings that processes of this machine used.

    Unlike the load average, which takes minutes to fall back after work has stopped, this says
    whether other work is running now."""
    total = after.total - before.total
    used = total - (after.idle - before.idle) - (after.stolen - before.stolen)
    return 100 * used / total if total > 0 else 0.0


def busy_now(window_s: float = 1.0) -> float:
    """busy_percent over the next ``window_s``."""
    before = cpu_times()
    time.sleep(window_s)
    return busy_percent(before, cpu_times())


def python_reference_ms() -> float:
    """CPU time of a fixed pure-Python loop (best of five): how fast this machine runs Python.

    Cloud machines sold as the same size differ by two or three times in this figure; comparing
    it says whether two runs' absolute numbers can be compared at all (ratios always can)."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        best = min(best, time.process_time() - started)
    return best * 1000


def describe(wrk: str | None = None) -> dict[str, str]:
    memory = _memory_gib()
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "redaction engine": BUILDS["redaction"],
        "request path": BUILDS["request_path"],
        "load generator": _wrk_version(wrk),
        "python reference loop": f"{python_reference_ms():.0f} ms (1M iterations; lower is faster)",
    }

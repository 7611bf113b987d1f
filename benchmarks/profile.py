"""Where the time goes: py-spy samples of a server under load, summarised as text.

``profile_pid`` attaches py-spy (``pip install py-spy``) to a running process for a while and
keeps the raw collapsed stacks (one ``frame;frame;... count`` line per distinct stack, which
flamegraph tools and speedscope read); ``summarise`` turns them into, per thread, its share of
the samples and its functions by self time and including callees.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_THREAD = re.compile(r"^thread \((\w+)\)(?:: (.*))?$")


def py_spy() -> str | None:
    """py-spy next to this interpreter (a virtualenv), else on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def _record(target: list[str], out: Path, timeout_s: float, env: dict[str, str] | None) -> Path:
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy is not installed: pip install py-spy")
    # Sampled without pausing the process: pausing it 250 times a second (ptrace) perturbs
    # what is measured, and showed its socket writes at about twice their share.
    options = ["--rate=250", "--format=raw", "--threads", "--nolineno", "--nonblocking"]
    argv = [exe, "record", *options, f"--output={out}", *target]
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"py-spy failed: {done.stderr.strip()[-500:]}")
    return out


def profile_pid(pid: int, duration_s: float, out: Path) -> Path:
    """Sample a running process for ``duration_s``."""
    target = [f"--pid={pid}", f"--duration={max(1, round(duration_s))}"]
    return _record(target, out, duration_s + 60, None)


def profile_command(argv: list[str], out: Path, env: dict[str, str], timeout_s: float) -> Path:
    """Run ``argv`` under py-spy from start to exit."""
    return _record(["--", *argv], out, timeout_s, env)


# Leaf frames that mean "blocked waiting for work" in C calls py-spy does not see as idle.
IDLE_LEAVES = (
    "_worker (concurrent/futures/thread.py)",  # a thread-pool worker waiting for a job
    "SqliteDatabase._write_loop (memory_machines/sqlite/database.py)",  # writer waiting
)
_SCAFFOLDING = (
    "<frozen runpy>",
    "<module> (",
    "main (",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "asyncio/runners.py",
    "asyncio/base_events.py",
    "uvloop/__init__.py",
    "(threading.py)",
)


@dataclass(slots=True)
class ThreadProfile:
    name: str
    samples: int = 0
    self_time: Counter[str] = field(default_factory=Counter)
    total_time: Counter[str] = field(default_factory=Counter)

    def add(self, frames: list[str], count: int) -> None:
        self.samples += count
        if frames:
            self.self_time[frames[-1]] += count
        for frame in set(frames):
            if not any(part in frame for part in _SCAFFOLDING):
                self.total_time[frame] += count


@dataclass(frozen=True, slots=True)
class Summary:
    samples: int  # busy samples, all threads
    idle: int  # samples dropped as waiting for work
    threads: list[ThreadProfile]  # busiest first

    def to_text(self, top: int = 10, min_share: float = 0.03) -> str:
        lines = [f"{self.samples} busy samples ({self.idle} idle-wait samples dropped)"]
        for thread in self.threads:
            share = thread.samples / self.samples if self.samples else 0.0
            if share < min_share:
                continue
            lines.append(f"{thread.name}: {100 * share:.1f}% of busy samples")
            lines.append("  self time (share of this thread):")
            lines += [_line(f, n, thread.samples) for f, n in thread.self_time.most_common(top)]
            lines.append("  including callees:")
            lines += [_line(f, n, thread.samples) for f, n in thread.total_time.most_common(top)]
        return "\n".join(lines)


def _line(frame: str, count: int, total: int) -> str:
    return f"    {100 * count / total:5.1f}%  {frame}"


def _thread_name(match: re.Match[str]) -> str:
    name = match.group(2) or "unnamed thread"
    return re.sub(r"_\d+$", "", name)  # sqlite-reader_0 and sqlite-reader_1 count together


def summarise(raw: Path) -> Summary:
    threads: dict[str, ThreadProfile] = {}
    idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        name = "process"
        match = _THREAD.match(frames[0])
        if match:
            name = _thread_name(match)
            frames = frames[1:]
        if frames and frames[-1] in IDLE_LEAVES:
            idle += count
            continue
        threads.setdefault(name, ThreadProfile(name)).add(frames, count)
    ordered = sorted(threads.values(), key=lambda t: t.samples, reverse=True)
    return Summary(sum(t.samples for t in ordered), idle, ordered)

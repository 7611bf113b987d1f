"""Latency over time and throughput per second as a PNG; matplotlib is optional."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memory_machines.loadtest.result import LoadResult
from memory_machines.loadtest.stats import TRANSPORT_ERROR, percentile

INSTALL_HINT = "plotting needs matplotlib: pip install 'memory-machines[bench]'"


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only; never open a window
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailable(INSTALL_HINT) from exc
    return plt


def ensure_available() -> None:
    """Fail before a long run rather than after it."""
    _pyplot()


def write_plot(result: LoadResult, path: Path) -> None:
    plt = _pyplot()
    s = result.samples
    answered = [
        (o, lat * 1000)
        for o, lat, st in zip(s.offsets_s, s.latencies_s, s.statuses, strict=True)
        if st != TRANSPORT_ERROR
    ]
    buckets = result.samples.per_second()
    seconds = [b.second for b in buckets]
    p99 = [percentile(sorted(b.latencies_s), 99) * 1000 if b.latencies_s else 0 for b in buckets]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    top.scatter(
        [o for o, _ in answered],
        [ms for _, ms in answered],
        s=3,
        alpha=0.4,
        label="request (by scheduled time)",
    )
    top.plot([x + 0.5 for x in seconds], p99, color="tab:red", label="p99 per second")
    top.set_ylabel("latency (ms)")
    top.set_yscale("log")
    top.legend(loc="upper left")
    top.set_title(f"{result.config.base_url}  run {result.config.run_id}")

    bottom.bar(
        seconds, [b.requests for b in buckets], width=0.9, align="edge", label="requests answered/s"
    )
    records = bottom.twinx()
    records.plot(
        [x + 0.5 for x in seconds],
        [b.records_accepted for b in buckets],
        color="tab:green",
        label="records accepted/s",
    )
    bottom.set_xlabel("seconds since start")
    bottom.set_ylabel("requests/s")
    records.set_ylabel("records/s")
    records.set_ylim(bottom=0)
    bottom.axhline(result.config.rate_rps, color="grey", linestyle="--", label="target req/s")
    bottom.legend(loc="upper left")
    records.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

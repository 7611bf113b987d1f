"""Counters, gauges and one latency histogram, rendered as JSON or Prometheus text.

Single-threaded by design: everything that updates it runs on the event loop.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from typing import Any, Literal, NamedTuple

from memory_machines import BUILDS
from memory_machines.native import COMPILED, INTERPRETED

# How this process runs each compiled unit, for the build_info series: compiled, or
# interpreted for any reason.
_BUILD_LABELS = ",".join(
    f'{unit}="{COMPILED if build == COMPILED else INTERPRETED}"' for unit, build in BUILDS.items()
)

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Histogram:
    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS_S) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1


class Stat(NamedTuple):
    """One named figure, a counter or a gauge: the process's own, or one an adapter reports
    about itself (the SQLite writer's load, say).

    ``name`` is the Prometheus name without the ``mm_`` prefix; JSON uses it as the key."""

    name: str
    kind: Literal["counter", "gauge"]
    help: str
    value: float


class Metrics:
    def __init__(self) -> None:
        self.started_at = time.time()
        self.requests: Counter[str] = Counter()  # by outcome: accepted or an error code
        self.records: Counter[str] = Counter()  # NDJSON lines count one record each
        self.processed = 0
        self.duplicates = 0
        self.retries = 0
        self.dead_lettered = 0
        self.in_flight = 0
        self.processing_latency = Histogram()
        self.end_to_end_latency = Histogram()

    def to_json(self, queue_depth: int | None, backend: tuple[Stat, ...] = ()) -> dict[str, Any]:
        accepted = self.requests.get("accepted", 0)
        return {
            "uptime_s": round(time.time() - self.started_at, 3),
            "requests_total": sum(self.requests.values()),
            "requests_accepted": accepted,
            "requests_rejected": sum(self.requests.values()) - accepted,
            "requests_by_outcome": dict(self.requests),
            "records_accepted": self.records.get("accepted", 0),
            "records_rejected": self.records.get("rejected", 0),
            "messages_processed": self.processed,
            "messages_duplicate": self.duplicates,
            "messages_retried": self.retries,
            "messages_dead_lettered": self.dead_lettered,
            "queue_depth": queue_depth,
            "in_flight": self.in_flight,
            "processing_seconds": _histogram_json(self.processing_latency),
            "redaction_build": BUILDS["redaction"],
            "request_path_build": BUILDS["request_path"],
            "backend": {stat.name: round(stat.value, 6) for stat in backend},
        }

    def to_prometheus(self, queue_depth: int | None, backend: tuple[Stat, ...] = ()) -> str:
        lines = [
            "# HELP mm_build_info How this process runs: each compiled unit's build.",
            "# TYPE mm_build_info gauge",
            f"mm_build_info{{{_BUILD_LABELS}}} 1",
            "# HELP mm_requests_total Ingest requests by outcome (accepted or error code).",
            "# TYPE mm_requests_total counter",
        ]
        for outcome, n in sorted(self.requests.items()):
            lines.append(f'mm_requests_total{{outcome="{outcome}"}} {n}')
        lines += [
            "# HELP mm_records_total Records (NDJSON lines count one each) by outcome.",
            "# TYPE mm_records_total counter",
        ]
        for outcome, n in sorted(self.records.items()):
            lines.append(f'mm_records_total{{outcome="{outcome}"}} {n}')
        scalars = [
            Stat(
                "messages_processed_total",
                "counter",
                "Messages processed and stored.",
                self.processed,
            ),
            Stat(
                "messages_duplicate_total",
                "counter",
                "Redeliveries absorbed as duplicates.",
                self.duplicates,
            ),
            Stat(
                "messages_retried_total",
                "counter",
                "Failed attempts scheduled for retry.",
                self.retries,
            ),
            Stat(
                "messages_dead_lettered_total",
                "counter",
                "Messages dead-lettered.",
                self.dead_lettered,
            ),
            Stat("in_flight", "gauge", "Messages being processed by this process.", self.in_flight),
        ]
        if queue_depth is not None:
            scalars.append(
                Stat("queue_depth", "gauge", "Messages waiting or in flight.", queue_depth)
            )
        for stat in (*scalars, *backend):
            name = f"mm_{stat.name}"
            lines += [
                f"# HELP {name} {stat.help}",
                f"# TYPE {name} {stat.kind}",
                f"{name} {round(stat.value, 6)}",
            ]
        lines += _histogram_prometheus(
            "mm_processing_seconds", "Time from claim to stored document.", self.processing_latency
        )
        return "\n".join(lines) + "\n"


def _histogram_json(h: Histogram) -> dict[str, Any]:
    cumulative, buckets = 0, {}
    for bound, n in zip((*h.buckets, float("inf")), h.counts, strict=True):
        cumulative += n
        buckets["+Inf" if bound == float("inf") else str(bound)] = cumulative
    return {"count": h.count, "sum": round(h.total, 6), "buckets": buckets}


def _histogram_prometheus(name: str, help_text: str, h: Histogram) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for le, cumulative in _histogram_json(h)["buckets"].items():
        lines.append(f'{name}_bucket{{le="{le}"}} {cumulative}')
    lines += [f"{name}_sum {round(h.total, 6)}", f"{name}_count {h.count}"]
    return lines

"""Per-request samples and what is computed from them: percentiles, counts, per-second series.

Samples are stored in columns (``array``) rather than one object per request so a long run at
thousands of requests per second stays within a few tens of megabytes.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from memory_machines.loadtest.config import KINDS, Kind

TRANSPORT_ERROR = 0  # status recorded when no HTTP response arrived


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (a value that was actually observed) of ascending data."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True, slots=True)
class LatencySummary:
    count: int
    min_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    max_s: float
    mean_s: float

    @classmethod
    def of(cls, values: Sequence[float]) -> LatencySummary | None:
        if not values:
            return None
        ordered = sorted(values)
        return cls(
            count=len(ordered),
            min_s=ordered[0],
            p50_s=percentile(ordered, 50),
            p95_s=percentile(ordered, 95),
            p99_s=percentile(ordered, 99),
            max_s=ordered[-1],
            mean_s=math.fsum(ordered) / len(ordered),
        )

    def as_ms(self) -> dict[str, float]:
        pairs = [
            ("min", self.min_s),
            ("p50", self.p50_s),
            ("p95", self.p95_s),
            ("p99", self.p99_s),
            ("max", self.max_s),
            ("mean", self.mean_s),
        ]
        return {name: round(value * 1000, 3) for name, value in pairs}


@dataclass(slots=True)
class SecondBucket:
    """What happened during one second of the run (by completion time)."""

    second: int
    requests: int = 0
    records_accepted: int = 0
    latencies_s: list[float] = field(default_factory=list)


@dataclass(slots=True)
class SampleLog:
    """One row per completed request: due offset, latency, status, kind, accepted records."""

    offsets_s: array[float] = field(default_factory=lambda: array("d"))
    latencies_s: array[float] = field(default_factory=lambda: array("d"))
    statuses: array[int] = field(default_factory=lambda: array("H"))
    kinds: array[int] = field(default_factory=lambda: array("B"))
    accepted: array[int] = field(default_factory=lambda: array("I"))

    def add(self, offset_s: float, latency_s: float, status: int, kind: Kind, ok: int) -> None:
        self.offsets_s.append(offset_s)
        self.latencies_s.append(latency_s)
        self.statuses.append(status)
        self.kinds.append(KINDS.index(kind))
        self.accepted.append(ok)

    def __len__(self) -> int:
        return len(self.latencies_s)

    def status_counts(self) -> Counter[int]:
        return Counter(self.statuses)

    def latency(self, kind: Kind | None = None) -> LatencySummary | None:
        """Latency of answered requests; a transport failure has no meaningful latency."""
        code = None if kind is None else KINDS.index(kind)
        values = [
            lat
            for lat, status, k in zip(self.latencies_s, self.statuses, self.kinds, strict=True)
            if status != TRANSPORT_ERROR and (code is None or k == code)
        ]
        return LatencySummary.of(values)

    def per_second(self) -> list[SecondBucket]:
        """Throughput and latency per whole second of completion time, gaps included."""
        if not self:
            return []
        done = [o + lat for o, lat in zip(self.offsets_s, self.latencies_s, strict=True)]
        buckets = [SecondBucket(s) for s in range(int(max(done)) + 1)]
        for end, lat, ok in zip(done, self.latencies_s, self.accepted, strict=True):
            bucket = buckets[max(0, int(end))]
            bucket.requests += 1
            bucket.records_accepted += ok
            bucket.latencies_s.append(lat)
        return buckets

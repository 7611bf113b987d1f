"""The outcome of a run, as a harness or the report reads it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from memory_machines.loadtest.config import LoadConfig
from memory_machines.loadtest.generator import Payload
from memory_machines.loadtest.outcome import Outcome
from memory_machines.loadtest.pacer import PacingStats
from memory_machines.loadtest.stats import TRANSPORT_ERROR, LatencySummary, SampleLog
from memory_machines.loadtest.verify import VerifyResult


@dataclass(slots=True)
class Tally:
    """Running counts, updated as answers arrive (the progress line reads them live)."""

    started: int = 0
    completed: int = 0
    ok: int = 0  # requests answered 2xx
    records_sent: int = 0
    records_accepted: int = 0
    records_unknown: int = 0
    rejected_by_code: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    accepted_ids: dict[str, list[str]] = field(default_factory=dict)
    samples: SampleLog = field(default_factory=SampleLog)

    def record(self, payload: Payload, offset_s: float, latency_s: float, out: Outcome) -> None:
        self.completed += 1
        self.ok += 200 <= out.status < 300
        self.records_sent += payload.records
        self.records_accepted += out.accepted
        self.records_unknown += out.unknown
        self.rejected_by_code.update(out.rejected_codes)
        if out.error is not None:
            self.transport_errors[out.error] += 1
        if out.accepted_ids:
            self.accepted_ids.setdefault(payload.tenant_id, []).extend(out.accepted_ids)
        self.samples.add(offset_s, latency_s, out.status, payload.kind, out.accepted)


@dataclass(slots=True)
class LoadResult:
    """Everything measured in one run; ``verification`` is set when the run was verified."""

    config: LoadConfig
    started_at: datetime
    elapsed_s: float  # first due send to last answer
    pacing: PacingStats
    tally: Tally
    verification: VerifyResult | None = None

    @property
    def samples(self) -> SampleLog:
        return self.tally.samples

    @property
    def accepted_ids(self) -> dict[str, list[str]]:
        """Tenant -> log ids the service acknowledged with a 2xx."""
        return self.tally.accepted_ids

    @property
    def records_rejected(self) -> int:
        return sum(self.tally.rejected_by_code.values())

    @property
    def achieved_rps(self) -> float:
        return self.tally.completed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def records_per_s(self) -> float:
        """Accepted records per second: the ingest throughput that matters."""
        return self.tally.records_accepted / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def latency(self) -> LatencySummary | None:
        return self.tally.samples.latency()

    def status_counts(self) -> dict[str, int]:
        """Counts by HTTP status; requests without an answer are keyed by error name."""
        counts = {
            str(status): n
            for status, n in sorted(self.tally.samples.status_counts().items())
            if status != TRANSPORT_ERROR
        }
        for name, n in sorted(self.tally.transport_errors.items()):
            counts[f"error:{name}"] = n
        return counts

    @property
    def ok(self) -> bool:
        """Something got through, and verification (if run) found nothing lost or doubled."""
        verified = self.verification is None or self.verification.ok
        return self.tally.ok > 0 and verified

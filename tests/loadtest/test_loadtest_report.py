"""What people and machines read at the end of a run, and the live progress line."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from memory_machines.loadtest.config import LoadConfig
from memory_machines.loadtest.generator import Payload
from memory_machines.loadtest.outcome import Outcome
from memory_machines.loadtest.pacer import PacingStats
from memory_machines.loadtest.progress import ProgressLine, progress_for, render
from memory_machines.loadtest.report import pacing_warning, to_dict, to_text
from memory_machines.loadtest.result import LoadResult, Tally
from memory_machines.loadtest.runner import Snapshot
from memory_machines.loadtest.verify import VerifyResult


def finished_run(pacing: PacingStats, verification: VerifyResult | None = None) -> LoadResult:
    cfg = LoadConfig("http://127.0.0.1:8080", rate_rps=2, duration_s=2, run_id="r1", tenants=1)
    tally = Tally()
    payload = Payload("json", "r1-t1", "application/json", b"{}", (), ("r1-0000000",))
    tally.record(payload, 0.0, 0.010, Outcome(202, ("r1-0000000",), 1, (), 0))
    tally.record(payload, 0.5, 0.020, Outcome(429, (), 0, ("RATE_LIMITED",), 0))
    tally.record(payload, 1.0, 0.030, Outcome(202, ("r1-0000002",), 1, (), 0))
    tally.record(payload, 1.5, 5.000, Outcome(0, (), 0, (), 1, "ReadTimeout"))
    result = LoadResult(cfg, datetime(2024, 1, 1, tzinfo=UTC), 2.0, pacing, tally)
    result.verification = verification
    return result


def on_time() -> PacingStats:
    stats = PacingStats(4, 0.5, 0.05)
    for i in range(4):
        stats.note_send(0.001, i * 0.5)
    return stats


def test_the_summary_counts_statuses_rates_and_latency() -> None:
    result = finished_run(on_time())
    summary = json.loads(json.dumps(to_dict(result)))

    assert summary["requests"]["by_status"] == {"202": 2, "429": 1, "error:ReadTimeout": 1}
    assert summary["records"] == {
        "sent": 4,
        "accepted": 2,
        "rejected": 1,
        "unknown": 1,
        "rejected_by_code": {"RATE_LIMITED": 1},
    }
    assert summary["rate"]["achieved_rps"] == 2.0
    assert summary["rate"]["records_per_s"] == 1.0
    assert summary["latency_ms"]["max"] == 30.0  # the timeout has no latency
    assert summary["pacing"]["rate_held"] is True
    assert summary["verification"] is None
    assert summary["ok"] is True

    text = to_text(result)
    assert "202: 2  429: 1  error:ReadTimeout: 1" in text
    assert "target rate held" in text


def test_a_late_run_says_whether_the_service_or_the_client_was_slow() -> None:
    pacing = PacingStats(4, 0.5, 0.05)
    pacing.note_send(0.0, 0.0)
    pacing.note_send(0.9, 1.4, waited_for_slot=True)
    pacing.note_send(0.8, 1.8)
    pacing.note_send(0.0, 1.5)
    warning = pacing_warning(finished_run(pacing))

    assert warning is not None
    assert "2 of 4 sends started more than 50.0 ms late" in warning
    assert "1 waited for one of the 50 concurrency slots" in warning
    assert "1 were late because the client itself fell behind" in warning
    assert "WARNING target rate not held" in to_text(finished_run(pacing))


def test_a_failed_audit_fails_the_run_and_names_the_ids() -> None:
    verification = VerifyResult(
        drained=True,
        drain_wait_s=1.0,
        drain_note=None,
        expected=2,
        stored=1,
        lost=1,
        duplicated=0,
        unacknowledged=0,
        unidentified=0,
        lost_sample=("r1-t1/r1-0000002",),
    )
    result = finished_run(on_time(), verification)
    assert not result.ok
    assert to_dict(result)["verification"]["lost_sample"] == ["r1-t1/r1-0000002"]
    assert "verify      FAILED" in to_text(result)
    assert "lost: r1-t1/r1-0000002" in to_text(result)


def snapshot(**changes: object) -> Snapshot:
    base: dict[str, object] = {
        "elapsed_s": 5.0,
        "duration_s": 10,
        "scheduled": 100,
        "due": 50,
        "started": 50,
        "completed": 45,
        "ok": 40,
    }
    return Snapshot(**(base | changes))  # type: ignore[arg-type]


def test_the_progress_line_shows_position_counts_and_lag() -> None:
    line = render(snapshot())
    assert line.startswith("[############------------]  50%")
    assert "sent 50  2xx 40  other 5  in-flight 5" in line
    assert "BEHIND" not in line
    assert "BEHIND 30" in render(snapshot(due=80))


def test_progress_redraws_one_line_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_for(io.StringIO()) is None
    terminal = Terminal()
    sink = progress_for(terminal)
    assert isinstance(sink, ProgressLine)
    sink.update(snapshot())
    sink.update(snapshot(started=60))
    sink.status("verify: draining")
    sink.status("verify: listing")
    sink.close()
    bar, status = terminal.getvalue().split("\n")[:2]
    assert bar.count("\r") == 2 and "sent 60" in bar.rsplit("\r", 1)[1]
    assert status.count("\r") == 2 and status.rsplit("\r", 1)[1].startswith("verify: listing")
    assert terminal.getvalue().endswith("\n")

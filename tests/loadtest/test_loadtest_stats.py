"""Percentiles, latency summaries and per-second series."""

from __future__ import annotations

import pytest

from memory_machines.loadtest.stats import TRANSPORT_ERROR, LatencySummary, SampleLog, percentile


def test_nearest_rank_percentiles_are_observed_values() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, q) for q in (0, 50, 95, 99, 100)] == [1, 50, 95, 99, 100]
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0], 50) == 1.0


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0], 101), ([1.0], -1)])
def test_percentile_refuses_nonsense(values: list[float], q: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile(values, q)


def test_a_latency_summary_sorts_its_input() -> None:
    summary = LatencySummary.of([0.3, 0.1, 0.2, 0.4])
    assert summary is not None
    assert (summary.min_s, summary.p50_s, summary.max_s) == (0.1, 0.2, 0.4)
    assert summary.mean_s == pytest.approx(0.25)
    assert summary.as_ms()["p99"] == 400.0
    assert LatencySummary.of([]) is None


def test_latency_ignores_requests_that_got_no_answer() -> None:
    log = SampleLog()
    log.add(0.0, 0.010, 202, "json", 1)
    log.add(0.1, 0.020, 429, "text", 0)
    log.add(0.2, 9.000, TRANSPORT_ERROR, "ndjson", 0)
    log.add(0.3, 0.040, 202, "ndjson", 100)

    overall = log.latency()
    assert overall is not None and overall.count == 3 and overall.max_s == 0.040
    ndjson = log.latency("ndjson")
    assert ndjson is not None and ndjson.count == 1
    assert log.status_counts() == {202: 2, 429: 1, TRANSPORT_ERROR: 1}


def test_per_second_buckets_count_by_completion_time_and_keep_gaps() -> None:
    log = SampleLog()
    log.add(0.2, 0.1, 202, "json", 1)  # done at 0.3
    log.add(0.9, 0.2, 202, "ndjson", 10)  # done at 1.1
    log.add(2.5, 0.1, 202, "json", 1)  # done at 2.6

    buckets = log.per_second()
    assert [(b.second, b.requests, b.records_accepted) for b in buckets] == [
        (0, 1, 1),
        (1, 1, 10),
        (2, 1, 1),
    ]
    assert SampleLog().per_second() == []


def test_per_second_includes_empty_seconds() -> None:
    log = SampleLog()
    log.add(0.0, 0.1, 202, "json", 1)
    log.add(3.0, 0.1, 202, "json", 1)
    assert [b.requests for b in log.per_second()] == [1, 0, 0, 1]

"""Rendering: what adapters report about themselves appears in both formats, under one name."""

from __future__ import annotations

from memory_machines.metrics import Metrics, Stat

WRITER = (
    Stat("sqlite_commits_total", "counter", "Commits.", 12),
    Stat("sqlite_writer_busy_seconds_total", "counter", "Busy seconds.", 0.1234567),
)


def test_backend_figures_are_prometheus_series_with_help_and_type() -> None:
    text = Metrics().to_prometheus(5, WRITER)
    assert "# HELP mm_sqlite_commits_total Commits.\n" in text
    assert "# TYPE mm_sqlite_commits_total counter\nmm_sqlite_commits_total 12\n" in text
    assert "mm_sqlite_writer_busy_seconds_total 0.123457\n" in text


def test_backend_figures_are_one_json_object() -> None:
    doc = Metrics().to_json(5, WRITER)
    assert doc["backend"] == {
        "sqlite_commits_total": 12,
        "sqlite_writer_busy_seconds_total": 0.123457,
    }
    assert Metrics().to_json(None)["backend"] == {}  # an adapter with nothing to tell

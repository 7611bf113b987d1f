"""The labelled corpus, the scoring rules and the benchmark command."""

from __future__ import annotations

import json

import pytest
from benchmarks.redaction import baseline, presidio_engine
from benchmarks.redaction.bench import format_report, main, run
from benchmarks.redaction.corpus import (
    SAMPLE_LINES,
    SAMPLE_PATH,
    SAMPLE_SEED,
    corpus,
    generate,
    read_jsonl,
)
from benchmarks.redaction.scoring import Score, score_record
from benchmarks.redaction.tricky import parse

from memory_machines.redaction import ALL_KINDS, Redactor


def test_the_generator_is_a_pure_function_of_its_seed() -> None:
    assert generate(200, seed=7) == generate(200, seed=7)
    assert generate(200, seed=7) != generate(200, seed=8)


def test_labels_are_inside_the_text_in_order_and_never_overlap() -> None:
    for record in corpus(500, seed=3):
        previous_end = 0
        for start, end, kind in record.spans:
            assert kind in ALL_KINDS
            assert previous_end <= start < end <= len(record.text)
            previous_end = end


def test_the_committed_sample_is_what_the_generator_makes() -> None:
    """Rebuild with `python -m benchmarks.redaction.corpus` when the generator changes."""
    assert list(read_jsonl(SAMPLE_PATH)) == corpus(SAMPLE_LINES, SAMPLE_SEED)


def test_inline_labels_become_spans() -> None:
    text, spans = parse("call {{phone|555-0199}} or mail {{email|a@example.com}}.")
    assert text == "call 555-0199 or mail a@example.com."
    assert [text[s:e] for s, e, _ in spans] == ["555-0199", "a@example.com"]


def test_the_engine_meets_its_accuracy_targets_on_the_sample() -> None:
    redactor = Redactor()
    score = Score()
    for record in read_jsonl(SAMPLE_PATH):
        score_record(record.text, record.spans, redactor.spans(record.text), score)
    assert score.overall.f1 >= 0.99
    for kind, tally in score.kinds.items():
        assert tally.f1 >= 0.97, kind


def test_a_partly_redacted_value_counts_as_missed() -> None:
    text = "call 555-123-4567"
    score = Score()
    score_record(text, [(5, 17, "phone")], [(9, 17, "phone")], score)
    assert score.overall.recall == 0.0
    assert score.overall.precision == 1.0


def test_the_original_regexes_are_scored_on_the_original_text() -> None:
    """They run one after another on rewritten text; spans map back to the input."""
    text = "x 555-0199 y a@example.com z 10.0.0.1"
    assert baseline.redact(text) == "x [REDACTED] y [REDACTED] z [REDACTED]"
    assert [(text[s:e], k) for s, e, k in baseline.spans(text)] == [
        ("555-0199", "phone"),
        ("a@example.com", "email"),
        ("10.0.0.1", "ipv4"),
    ]


def test_the_report_compares_engines_per_kind_and_overall() -> None:
    report = run(corpus(60, seed=1), with_presidio=False, min_seconds=0.0)
    ours = report["engines"]["memory-machines"]
    assert ours["accuracy"]["overall"]["f1"] > 0.9
    assert ours["throughput"]["per_record_mb_per_s"] > 0
    assert ours["throughput"]["batch_mb_per_s"] > 0  # the worker's way
    assert ours["throughput"]["bulk_mb_per_s"] > 0
    assert "batch_mb_per_s" not in report["engines"]["original"]["throughput"]
    assert report["engines"]["original"]["accuracy"]["iban"] is None  # not covered
    targets = {check["metric"]: check for check in report["targets"]}
    assert targets["F1 overall"]["verdict"] == "PASS"
    assert {check["verdict"] for check in report["targets"]} <= {"PASS", "MISS"}
    assert targets["worker batches"]["unit"] == "MB/s"
    assert not any("Presidio" in metric for metric in targets)  # it did not run
    text = format_report(report)
    assert "overall" in text
    assert "MB/s" in text
    assert "targets" in text


def test_the_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lines", "40", "--no-presidio", "--json", "--min-seconds", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["engines"]) == {"memory-machines", "original"}


@pytest.mark.skipif(not presidio_engine.available(), reason="presidio-analyzer not installed")
def test_presidio_runs_offline_with_pattern_recognizers_only() -> None:
    engine = presidio_engine.PresidioEngine()
    found = engine.spans("mail jane@example.com from 10.1.2.3 or fe80::1ff:fe23:4567:890a")
    kinds = {kind for _, _, kind in found}
    assert {"email", "ipv4", "ipv6"} <= kinds


@pytest.mark.skipif(not presidio_engine.available(), reason="presidio-analyzer not installed")
def test_the_stand_in_nlp_engine_for_older_presidio_produces_empty_artifacts() -> None:
    engine = presidio_engine._legacy_stub_engine()
    artifacts = engine.process_text("10.1.2.3", "en")
    assert artifacts.entities == []
    assert engine.get_supported_languages() == ["en"]

"""Accuracy and throughput of three redaction engines on one labelled corpus, in one run.

Engines: this product's `Redactor`, the original service's four regexes, and Microsoft Presidio's
pattern recognizers (skipped, with a note, when `presidio-analyzer` is not installed).
Throughput is measured on the texts of the same corpus three ways: one call per record (a library
user's call), claimed batches of 100 records in one call (as the worker redacts), and 64 KiB
blocks of lines (as `memory-machines redact` reads a file). The ways are timed in alternating
rounds, so a machine that changes speed mid-run shifts them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.machine import python_reference_ms
from benchmarks.redaction import baseline, presidio_engine
from benchmarks.redaction.corpus import corpus, read_jsonl
from benchmarks.redaction.records import Record
from benchmarks.redaction.scoring import OVERALL, Score, score_record
from benchmarks.report import Row, Target, fmt_target
from memory_machines.redaction import BUILD, Redactor
from memory_machines.redaction.kinds import PRECEDENCE

OURS, ORIGINAL, PRESIDIO = "memory-machines", "original", "presidio"
COVERS: dict[str, frozenset[str]] = {
    OURS: frozenset(PRECEDENCE),
    ORIGINAL: frozenset({"phone", "email", "ipv4", "ssn"}),
    PRESIDIO: presidio_engine.SUPPORTED_KINDS,
}
COMMON = "overall (presidio's kinds)"
BLOCK_BYTES = 64 * 1024
WORKER_BATCH = 100  # the worker redacts its claims in scans of this many messages


@dataclass(slots=True)
class Engine:
    name: str
    spans: Callable[[str], list[tuple[int, int, str]]]
    redact: Callable[[str], object]
    redact_many: Callable[[Sequence[str]], object] | None = None


def _engines(with_presidio: bool) -> tuple[list[Engine], str | None]:
    redactor = Redactor()
    engines = [
        Engine(OURS, redactor.spans, redactor.redact, redactor.redact_many),
        Engine(ORIGINAL, baseline.spans, baseline.redact),
    ]
    if not with_presidio:
        return engines, "presidio skipped (--no-presidio)"
    if not presidio_engine.available():
        return engines, "presidio skipped: presidio-analyzer is not installed (extra [bench])"
    presidio = presidio_engine.PresidioEngine()
    engines.append(Engine(PRESIDIO, presidio.spans, presidio.analyze))
    return engines, None


def _score(engine: Engine, records: Sequence[Record]) -> Score:
    score = Score()
    for record in records:
        score_record(record.text, record.spans, engine.spans(record.text), score)
    return score


def _throughputs(
    ways: dict[str, tuple[Callable[[], object], int]], min_seconds: float
) -> dict[str, float]:
    """MB/s (10^6 bytes of UTF-8) of each way, given as (one pass over the texts, their size).

    The ways take turns, one pass each, until every one has run for `min_seconds` (at least one
    pass each). CPU time of this process, not wall-clock time: the figure is per core, and
    other processes on the machine distort it less.
    """
    spent = dict.fromkeys(ways, 0.0)
    rounds = dict.fromkeys(ways, 0)
    while True:
        for name, (one_pass, _) in ways.items():
            started = time.process_time()
            one_pass()
            spent[name] += time.process_time() - started
            rounds[name] += 1
        if min(spent.values()) >= min_seconds:
            break
    return {name: size * rounds[name] / spent[name] / 1e6 for name, (_, size) in ways.items()}


def _each(call: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], object]:
    def one_pass() -> None:
        for item in items:
            call(item)

    return one_pass


def _blocks(texts: Sequence[str], size: int = BLOCK_BYTES) -> list[str]:
    """The texts as newline-joined blocks of about `size` characters, as the CLI reads a file."""
    blocks: list[str] = []
    current: list[str] = []
    length = 0
    for text in texts:
        current.append(text)
        length += len(text) + 1
        if length >= size:
            blocks.append("\n".join(current))
            current, length = [], 0
    if current:
        blocks.append("\n".join(current))
    return blocks


def run(records: Sequence[Record], with_presidio: bool, min_seconds: float) -> dict[str, Any]:
    """Score and time every engine; return a JSON-ready report."""
    engines, note = _engines(with_presidio)
    kinds = [kind for kind in PRECEDENCE if any(s[2] == kind for r in records for s in r.spans)]
    texts = [record.text for record in records]
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python_reference_ms": round(python_reference_ms(), 1),
            "engine_build": BUILD,
        },
        "corpus": {
            "records": len(records),
            "bytes": sum(len(t.encode("utf-8")) for t in texts),
            "labelled_spans": sum(len(r.spans) for r in records),
        },
        "note": note,
        "engines": {},
    }
    for engine in engines:
        score = _score(engine, records)
        rows = {
            kind: _row(score.tally(kind)) if kind in COVERS[engine.name] else None for kind in kinds
        }
        rows[OVERALL] = _row(score.overall)
        rows[COMMON] = _row(score.subset(presidio_engine.SUPPORTED_KINDS))
        size = report["corpus"]["bytes"]
        ways = {"per_record_mb_per_s": (_each(engine.redact, texts), size)}
        if engine.name != PRESIDIO:  # Presidio: one pass is plenty at its speed
            if engine.redact_many is not None:
                batches = [
                    texts[at : at + WORKER_BATCH] for at in range(0, len(texts), WORKER_BATCH)
                ]
                ways["batch_mb_per_s"] = (_each(engine.redact_many, batches), size)
            blocks = _blocks(texts)
            ways["bulk_mb_per_s"] = (_each(engine.redact, blocks), size)  # the records' bytes
        throughput = _throughputs(ways, 0.0 if engine.name == PRESIDIO else min_seconds)
        report["engines"][engine.name] = {"accuracy": rows, "throughput": throughput}
    ours = report["engines"][OURS]["throughput"]["per_record_mb_per_s"]
    for data in report["engines"].values():
        data["throughput"]["ours_times_faster"] = ours / data["throughput"]["per_record_mb_per_s"]
    report["gold_counts"] = {
        kind: sum(1 for r in records for s in r.spans if s[2] == kind) for kind in kinds
    }
    report["targets"] = _targets(report)
    return report


# What the engine is held to: accuracy on the corpus, speed on one core, and speed against
# Presidio (judged only when Presidio ran).
F1_OVERALL = Target(">=", 0.99)
F1_EACH_KIND = Target(">=", 0.97)
MB_PER_S = Target(">=", 20.0)
TIMES_PRESIDIO = Target(">=", 100.0)


def _targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    ours = report["engines"][OURS]
    accuracy = ours["accuracy"]
    kinds = [kind for kind in report["gold_counts"] if accuracy.get(kind) is not None]
    worst = min(kinds, key=lambda kind: accuracy[kind]["f1"]) if kinds else OVERALL
    speed = ours["throughput"]
    rows = [
        Row("redaction", "F1 overall", accuracy[OVERALL]["f1"], "", F1_OVERALL),
        Row("redaction", f"F1, weakest kind ({worst})", accuracy[worst]["f1"], "", F1_EACH_KIND),
        Row("redaction", "per record", speed["per_record_mb_per_s"], "MB/s", MB_PER_S),
        Row("redaction", "worker batches", speed["batch_mb_per_s"], "MB/s", MB_PER_S),
        Row("redaction", "bulk blocks", speed["bulk_mb_per_s"], "MB/s", MB_PER_S),
    ]
    if PRESIDIO in report["engines"]:
        ratio = report["engines"][PRESIDIO]["throughput"]["ours_times_faster"]
        rows.append(Row("redaction", "per record, times Presidio", ratio, "x", TIMES_PRESIDIO))
    return [{**row.to_dict(), "target": fmt_target(row.target, row.unit)} for row in rows]


def _row(tally: Any) -> dict[str, float]:
    return {
        "precision": tally.precision,
        "recall": tally.recall,
        "f1": tally.f1,
        "gold": tally.gold,
        "predicted": tally.predicted,
    }


def format_report(report: dict[str, Any]) -> str:
    """Render the report as fixed-width tables."""
    names = list(report["engines"])
    lines = [
        f"corpus: {report['corpus']['records']} records, {report['corpus']['bytes']} bytes, "
        f"{report['corpus']['labelled_spans']} labelled spans",
        f"machine: {report['machine']['cpus']} cpus, {report['machine']['processor']}, "
        f"Python {report['machine']['python']}, Python reference loop "
        f"{report['machine']['python_reference_ms']:.0f} ms (lower is faster)",
        f"memory-machines engine: {report['machine']['engine_build']}",
    ]
    if report["note"]:
        lines.append(report["note"])
    header = f"{'kind':<27}{'n':>6}" + "".join(f"  {name[:18]:>20}" for name in names)
    lines += ["", "accuracy (P / R / F1; '-' = kind not covered by that engine)", header]
    sub = " " * 33 + "".join(f"  {'P     R     F1':>20}" for _ in names)
    lines.append(sub)
    row_names = [*report["gold_counts"], OVERALL, COMMON]
    for kind in row_names:
        count = report["gold_counts"].get(kind)
        if count is None:
            count = report["engines"][names[0]]["accuracy"][kind]["gold"]
        cells = []
        for name in names:
            row = report["engines"][name]["accuracy"][kind]
            cells.append(
                "-"
                if row is None
                else f"{row['precision']:.3f} {row['recall']:.3f} {row['f1']:.3f}"
            )
        if kind == OVERALL:
            lines.append("-" * len(header))
        lines.append(f"{kind:<27}{count:>6}" + "".join(f"  {cell:>20}" for cell in cells))
    lines += [
        "",
        "throughput, MB/s of CPU time on one core",
        f"{'':<18}{'per record':>12}{'batch':>10}{'bulk':>10}   (batch: 100 records a call, as the "
        "worker redacts; bulk: 64 KiB blocks of lines, as the CLI reads)",
    ]
    for name in names:
        data = report["engines"][name]["throughput"]
        cells = [data.get(way) for way in ("batch_mb_per_s", "bulk_mb_per_s")]
        lines.append(
            f"{name:<18}{data['per_record_mb_per_s']:>12.3f}"
            + "".join(f"{'-' if cell is None else f'{cell:.3f}':>10}" for cell in cells)
            + f"   memory-machines per record is {data['ours_times_faster']:,.1f}x this"
        )
    lines += ["", "targets (MB/s depend on the machine: see its Python reference loop above)"]
    for check in report["targets"]:
        lines.append(
            f"  {check['metric']:<36}{check['value']:>10.3f} {check['unit']:<5} "
            f"{check['target']:<10}{check['verdict']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="memory-machines bench-redaction",
        description="Precision, recall, F1 and MB/s of this redactor, the original regexes and "
        "Presidio on one labelled corpus.",
    )
    parser.add_argument("--lines", type=int, default=5000, help="generated records (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--sample", type=Path, help="score this labelled JSONL file instead")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--no-presidio", action="store_true", help="leave Presidio out")
    parser.add_argument(
        "--min-seconds", type=float, default=2.0, help="time each fast engine at least this long"
    )
    args = parser.parse_args(argv)
    records = list(read_jsonl(args.sample)) if args.sample else corpus(args.lines, args.seed)
    report = run(records, not args.no_presidio, args.min_seconds)
    report["corpus"]["seed"] = None if args.sample else args.seed
    sys.stdout.write((json.dumps(report, indent=2) if args.json else format_report(report)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Writes a run's results into the benchmarks page, between two marker comments.

Everything outside the markers (the prose) is kept; a page without them gets the block
appended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from benchmarks.profile import Summary
from benchmarks.report import Row, markdown_table

BEGIN = "<!-- results:begin (written by python -m benchmarks.run --docs) -->"
END = "<!-- results:end -->"


def results_block(
    rows: Sequence[Row],
    profiles: Mapping[str, Summary],
    described: Mapping[str, str],
    command: str,
    started: datetime,
) -> str:
    lines = [
        BEGIN,
        f"Measured {started:%Y-%m-%d %H:%M} UTC with `{command}`.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in described.items()),
        "",
        markdown_table(rows),
    ]
    for title, summary in profiles.items():
        lines += ["", f"Profile: {title}", "", "```text", summary.to_text(), "```"]
    lines.append(END)
    return "\n".join(lines)


def write_results(
    path: Path,
    rows: Sequence[Row],
    profiles: Mapping[str, Summary],
    described: Mapping[str, str],
    command: str,
    started: datetime,
) -> None:
    block = results_block(rows, profiles, described, command, started)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = f"{head}{block}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text)

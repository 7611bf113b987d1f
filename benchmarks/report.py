"""Result rows, their verdicts, and the table printed (and written to the docs) at the end."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Target:
    op: str  # one of >=, <=, <, ==
    value: float

    def met_by(self, measured: float) -> bool:
        return _OPS[self.op](measured, self.value)


@dataclass(frozen=True, slots=True)
class Row:
    stage: str
    metric: str
    value: float | None  # None: the stage failed before measuring it
    unit: str
    target: Target | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "ERROR"
        if self.target is None:
            return "-"
        return "PASS" if self.target.met_by(self.value) else "MISS"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def fmt_number(value: float, unit: str) -> str:
    if unit in ("ms",):
        text = f"{value:.2f}" if value < 100 else f"{value:,.0f}"
    elif unit == "%":
        text = f"{value:.1f}"
    elif value >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def fmt_target(target: Target | None, unit: str) -> str:
    if target is None:
        return ""
    op = "≥" if target.op == ">=" else "≤" if target.op == "<=" else target.op
    if target.op == "==":
        op = "="
    return f"{op} {fmt_number(target.value, unit)}"


def _cells(row: Row) -> list[str]:
    value = "-" if row.value is None else fmt_number(row.value, row.unit)
    return [row.stage, row.metric, value, fmt_target(row.target, row.unit), row.verdict, row.note]


HEADER = ["stage", "metric", "measured", "target", "result", "notes"]


def text_table(rows: Sequence[Row]) -> str:
    cells = [HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(HEADER))).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in _cells(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)

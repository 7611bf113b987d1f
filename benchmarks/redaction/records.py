"""Labelled records: a log text and the spans of the sensitive values in it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Record:
    """One log record and the spans of sensitive values in it."""

    text: str
    spans: tuple[tuple[int, int, str], ...]
    source: str

    def to_json(self) -> str:
        return json.dumps(
            {"source": self.source, "text": self.text, "spans": [list(s) for s in self.spans]},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> Record:
        data = json.loads(line)
        spans = tuple((int(s), int(e), str(k)) for s, e, k in data["spans"])
        return cls(str(data["text"]), spans, str(data.get("source", "")))


@dataclass(slots=True)
class Builder:
    """Append text and labelled values, keeping track of where each value lands."""

    parts: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    size: int = 0

    def add(self, text: str) -> Builder:
        self.parts.append(text)
        self.size += len(text)
        return self

    def pii(self, kind: str, value: str) -> Builder:
        self.spans.append((self.size, self.size + len(value), kind))
        return self.add(value)

    def build(self, source: str) -> Record:
        return Record("".join(self.parts), tuple(self.spans), source)

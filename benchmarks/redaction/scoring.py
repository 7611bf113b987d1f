"""Precision, recall and F1 of predicted redaction spans against labelled spans.

Rules (the same for every engine):

* Predictions are first merged as a redactor would apply them (overlaps fused into one span).
* A labelled span is *recalled* when every letter and digit in it is covered by predicted spans:
  a partly redacted value leaks, so it counts as missed.
* A predicted span is *correct* when it overlaps a labelled span: redacting more than the value
  costs nothing here, redacting something that is not sensitive at all is a false positive.
* Per kind, both sides must agree on the kind (a card number reported as a phone is a false
  positive for phone and a miss for credit_card). The overall row ignores kinds: it measures
  what leaks and what is destroyed, which is what redaction is for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from memory_machines.redaction.engine import merge

Span = tuple[int, int, str]
OVERALL = "overall"


@dataclass(slots=True)
class Tally:
    """Counts behind one row of the table."""

    gold: int = 0
    recalled: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Score:
    """Per-kind and overall tallies of one engine over a corpus."""

    kinds: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)

    def tally(self, kind: str) -> Tally:
        return self.kinds.setdefault(kind, Tally())

    def subset(self, kinds: Iterable[str]) -> Tally:
        """Micro-averaged tally over some kinds (kind-aware, as the per-kind rows)."""
        total = Tally()
        for kind in kinds:
            row = self.kinds.get(kind)
            if row is not None:
                total.gold += row.gold
                total.recalled += row.recalled
                total.predicted += row.predicted
                total.correct += row.correct
        return total


def _covered(text: str, span: Span, predictions: Sequence[Span]) -> bool:
    start, end, _ = span
    for index in range(start, end):
        if text[index].isalnum() and not any(s <= index < e for s, e, _ in predictions):
            return False
    return True


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span[0] < other[1] and other[0] < span[1] for other in others)


def score_record(text: str, gold: Sequence[Span], predicted: list[Span], score: Score) -> None:
    """Add one record's outcome to `score`."""
    merged = merge(list(predicted))
    for span in gold:
        kind = span[2]
        same_kind = [p for p in merged if p[2] == kind]
        row = score.tally(kind)
        row.gold += 1
        row.recalled += _covered(text, span, same_kind)
        score.overall.gold += 1
        score.overall.recalled += _covered(text, span, merged)
    for span in merged:
        kind = span[2]
        row = score.tally(kind)
        row.predicted += 1
        row.correct += _overlaps(span, [g for g in gold if g[2] == kind])
        score.overall.predicted += 1
        score.overall.correct += _overlaps(span, gold)

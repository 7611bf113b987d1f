"""The redaction engine: find sensitive spans, merge overlaps, replace each with one marker.

Pure and thread-safe: a `Redactor` holds only compiled, immutable state, so one instance can
serve every worker task at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from mypy_extensions import mypyc_attr

from memory_machines.redaction.kinds import ALL_KINDS, RANK, marker
from memory_machines.redaction.plan import Span, build_plan


class Redaction(NamedTuple):
    """The redacted text and how many spans of each kind were replaced.

    An immutable pair. A named tuple rather than a frozen dataclass: one is built per log
    message, and building a frozen dataclass costs twice as much.
    """

    text: str
    counts: dict[str, int]


# Texts redacted together are joined by this: every detector but one reads a single line.
_JOIN = "\n"
# ... and that one, a PEM private key, may run on over lines: a text that could start one is
# redacted on its own, so that a key cut short never reaches into the next text.
_MULTILINE_START = "-----BEGIN"

# Builds a `Redaction` without the Python-level `__new__` of the named tuple (a third cheaper).
_build = tuple.__new__


def merge(spans: list[Span]) -> list[Span]:
    """Sort spans and fuse overlapping ones, so each sensitive region gets exactly one marker.

    Fusing (instead of dropping the loser) guarantees that no fragment of either detection
    survives; the fused span keeps the kind with the highest precedence.
    """
    if len(spans) < 2:
        return spans
    spans.sort()
    merged: list[Span] = [spans[0]]
    for start, end, kind in spans[1:]:
        last_start, last_end, last_kind = merged[-1]
        if start < last_end:
            best = kind if RANK[kind] < RANK[last_kind] else last_kind
            merged[-1] = (last_start, max(end, last_end), best)
        else:
            merged.append((start, end, kind))
    return merged


# Compiled (memory_machines.native), and still subclassable from plain Python.
@mypyc_attr(allow_interpreted_subclasses=True)
class Redactor:
    """Replace PII and secrets in log text with `[REDACTED]` (or `[REDACTED:KIND]`)."""

    __slots__ = ("_find", "_markers")

    def __init__(self, kinds: Iterable[str] | None = None, typed_markers: bool = False) -> None:
        selected = ALL_KINDS if kinds is None else frozenset(kinds)
        unknown = selected - ALL_KINDS
        if unknown:
            raise ValueError(f"unknown redaction kind(s): {', '.join(sorted(unknown))}")
        self._find = build_plan(selected).find
        self._markers = {kind: marker(kind, typed=typed_markers) for kind in selected}

    def spans(self, text: str) -> list[Span]:
        """Return the `(start, end, kind)` spans that `redact` would replace, in order."""
        return merge(self._find(text))

    def redact(self, text: str) -> Redaction:
        """Return `text` with every sensitive span replaced; text outside spans is unchanged."""
        spans = self._find(text)
        if not spans:
            return _build(Redaction, (text, {}))
        markers = self._markers
        if len(spans) == 1:
            start, end, kind = spans[0]
            return _build(Redaction, (f"{text[:start]}{markers[kind]}{text[end:]}", {kind: 1}))
        # Merge (as `merge` does) and write in one pass: bulk text carries hundreds of spans.
        spans.sort()
        pieces: list[str] = []
        counts: dict[str, int] = {}
        position = 0
        start, end, kind = spans[0]
        for next_start, next_end, next_kind in spans[1:]:
            if next_start < end:  # overlap: fuse, keep the more specific kind
                if next_end > end:
                    end = next_end
                if RANK[next_kind] < RANK[kind]:
                    kind = next_kind
                continue
            pieces += (text[position:start], markers[kind])
            counts[kind] = counts.get(kind, 0) + 1
            position = end
            start, end, kind = next_start, next_end, next_kind
        pieces += (text[position:start], markers[kind], text[end:])
        counts[kind] = counts.get(kind, 0) + 1
        return _build(Redaction, ("".join(pieces), counts))

    def redact_many(self, texts: Sequence[str]) -> list[Redaction]:
        """Redact each of `texts`: the same results as `redact` on each, from one scan.

        The worker claims messages in batches. Scanning a batch joined by newlines pays the
        scan's fixed costs (the regex scanner, the passes' word tests, the calls) once instead
        of once per message (see docs/redaction.md). Detection is line-local, so no text's
        result depends on its neighbours: the one detector that reads on over lines, a private
        key block, is only run on its text alone, and should a span still reach from one text
        into the next, the batch is redone one text at a time.
        """
        if len(texts) < 2:
            return [self.redact(text) for text in texts]
        joined = _JOIN.join(texts)
        if _MULTILINE_START not in joined:
            results = self._redact_joined(texts, joined)
            return [self.redact(text) for text in texts] if results is None else results
        alone = [_MULTILINE_START in text for text in texts]
        others = [text for text, skip in zip(texts, alone, strict=True) if not skip]
        joined_results = self._redact_joined(others, _JOIN.join(others))
        if joined_results is None:
            return [self.redact(text) for text in texts]
        rest = iter(joined_results)
        return [
            self.redact(text) if skip else next(rest)
            for text, skip in zip(texts, alone, strict=True)
        ]

    def _redact_joined(self, texts: Sequence[str], joined: str) -> list[Redaction] | None:
        """Hand the spans found in `joined` back to its `texts`; None if one is not inside one."""
        spans = merge(self._find(joined))
        markers = self._markers
        results: list[Redaction] = []
        span_count, next_span = len(spans), 0
        start = spans[0][0] if spans else len(joined)  # where the next span starts
        offset = 0  # where the current text starts in `joined`
        for text in texts:
            end_of_text = offset + len(text)
            if start >= end_of_text:  # nothing to redact in this text
                results.append(_build(Redaction, (text, {})))
                offset = end_of_text + len(_JOIN)
                continue
            pieces: list[str] = []
            counts: dict[str, int] = {}
            position = offset
            while start < end_of_text:
                _, end, kind = spans[next_span]
                if start < offset or end > end_of_text:  # begins before this text or runs on
                    return None
                pieces += (joined[position:start], markers[kind])
                counts[kind] = counts.get(kind, 0) + 1
                position = end
                next_span += 1
                start = spans[next_span][0] if next_span < span_count else len(joined)
            pieces.append(joined[position:end_of_text])
            results.append(_build(Redaction, ("".join(pieces), counts)))
            offset = end_of_text + len(_JOIN)
        return results

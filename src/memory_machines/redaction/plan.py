"""Compile the detectors of the selected kinds into single-sweep regular expressions.

Each branch of a compiled pass is `body` followed by an empty marker group. The marker is the
last group to close, so `match.lastindex` says which detector matched without trying them one
by one in Python; placing it at the end (not around the body) keeps each branch's first
character visible to the regex engine's one-character rejection test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from memory_machines.redaction.assignments import find_assignments, may_assign
from memory_machines.redaction.detectors import (
    BOUNDARY,
    FAMILIES,
    HEADS,
    REJECT,
    SKIP,
    Check,
    Detector,
    Pass,
)
from memory_machines.redaction.emails import find_emails
from memory_machines.redaction.numbers import NUMBERS
from memory_machines.redaction.tokens import AWS_SECRET, TOKENS

Span = tuple[int, int, str]


# What a marker group stands for: the kind, the check, and the groups holding the sensitive part
# (empty: the whole match after the boundary). A plain tuple: this is read once per match.
_Branch = tuple[str, Check | None, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class CompiledPass:
    """One compiled sweep: the regex and, per marker group, which detector matched."""

    regex: re.Pattern[str]
    branches: dict[int, _Branch]
    skip: int  # width of the boundary consumed before each candidate (0 or 1)

    def scan(self, text: str, out: list[Span], pos: int = 0, endpos: int | None = None) -> None:
        """Append this pass's confirmed spans of `text[pos:endpos]` to `out`, left to right."""
        skip = self.skip
        if endpos is None:
            endpos = len(text)
        if skip:  # a newline in front, so that a value at the very start has a boundary
            text = "\n" + text
            endpos += 1
        branches = self.branches
        finditer = self.regex.finditer
        while True:
            for match in finditer(text, pos, endpos):
                kind, check, groups = branches[match.lastindex]  # type: ignore[index]
                start, end = match.span()
                start += skip
                if groups:  # the sensitive part is a group: the first one that matched
                    for group in groups:
                        if match.start(group) >= 0:
                            start, end = match.span(group)
                            break
                if check is not None:
                    accepted = check(text, start, end)
                    if accepted != end:
                        if accepted == SKIP:
                            continue  # not sensitive, nor anything inside: sweep on after it
                        if accepted == REJECT:
                            # Sweep again from just after where it began: a value may start
                            # inside the rejected candidate.
                            pos = match.start() + 1
                        else:  # cut short: what follows may start another value
                            out.append((start - skip, accepted - skip, kind))
                            pos = accepted
                        break
                out.append((start - skip, end - skip, kind))
            else:
                return


def _alternative(detector: Detector, prefix: str) -> str:
    return detector.body.replace("@_", prefix + "_") + f"(?P<{prefix}>)"


def _head_alternatives(
    head: str, detectors: list[Detector], markers: dict[str, Detector], guarded: bool
) -> str:
    """The bodies that follow `head`, in order, each family's members under its one prefix.

    With `guarded=False` every member gets the family's first character but not its
    look-ahead, each on its own: the same matches, more slowly (the tests compare the two).
    """
    slots: list[tuple[str, list[str]]] = []  # (family prefix or "", alternatives)
    family_slots: dict[str, list[str]] = {}
    for detector in detectors:
        if head not in detector.heads:
            continue
        prefix = f"{detector.name}__{head}"
        markers[prefix] = detector
        alternative = _alternative(detector, prefix)
        if not detector.family:
            slots.append(("", [alternative]))
        elif not guarded:
            slots.append(("", [FAMILIES[detector.family][0] + alternative]))
        elif detector.family in family_slots:
            family_slots[detector.family].append(alternative)
        else:  # the family stands where its first member does
            family_slots[detector.family] = [alternative]
            slots.append(("".join(FAMILIES[detector.family]), family_slots[detector.family]))
    return "|".join(
        family + "(?:" + "|".join(members) + ")" if family else members[0]
        for family, members in slots
    )


def _compile_sweep(detectors: list[Detector], guarded: bool = True) -> CompiledPass | None:
    """`BOUNDARY(?:head1(?:bodies...)|head2(?:bodies...)|...)`: see `detectors.HEADS`."""
    markers: dict[str, Detector] = {}
    groups = []
    for head, head_regex in HEADS:
        alternatives = _head_alternatives(head, detectors, markers, guarded)
        if alternatives:
            groups.append(head_regex + "(?:" + alternatives + ")")
    if not groups:
        return None
    regex = re.compile(BOUNDARY + "(?:" + "|".join(groups) + ")")
    return CompiledPass(regex, _branches(regex, markers), 1)


def _compile_pass(spec: Pass, kinds: frozenset[str]) -> CompiledPass | None:
    """A pass without boundary or heads: its bodies are complete patterns."""
    markers = {d.name: d for d in spec.detectors if d.kind in kinds}
    if not markers:
        return None
    regex = re.compile("(?:" + "|".join(_alternative(d, n) for n, d in markers.items()) + ")")
    return CompiledPass(regex, _branches(regex, markers), spec.skip)


def _branches(regex: re.Pattern[str], markers: dict[str, Detector]) -> dict[int, _Branch]:
    """Map each marker group's index to its detector's kind, check and value groups."""
    branches = {}
    for prefix, detector in markers.items():
        value = prefix + "_v"
        value_groups = tuple(
            index
            for group, index in sorted(regex.groupindex.items(), key=lambda item: item[1])
            if group == value or (group.startswith(value) and group[len(value) :].isdigit())
        )
        branches[regex.groupindex[prefix]] = (detector.kind, detector.check, value_groups)
    return branches


def _lower_ascii(text: str) -> str:
    """`text` with ASCII letters lower-cased and the same length (key names are ASCII).

    `str.lower()` is slow on text that is not pure ASCII (one `µs` makes it so) and may change
    its length (`İ`); through Latin-1 bytes it is a few fast copies and one character stays one.
    """
    if text.isascii():
        return text.lower()
    return text.encode("latin-1", "replace").lower().decode("latin-1")


def _scan_lines_mentioning(sweep: CompiledPass, text: str, lowered: str, out: list[Span]) -> None:
    """Scan only the lines of `text` that mention AWS or a secret: the key needs that context."""
    scanned: set[int] = set()
    for word in ("aws", "secret"):
        at = lowered.find(word)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            if start not in scanned:
                scanned.add(start)
                end = text.find("\n", at)
                sweep.scan(text, out, start, len(text) if end < 0 else end)
            at = lowered.find(word, at + 1)


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything needed to find the spans of one selection of kinds."""

    sweep: CompiledPass | None
    aws_secret: CompiledPass | None
    assignments: bool
    emails: bool

    def find(self, text: str) -> list[Span]:
        """Return candidate spans; spans found by different passes may overlap."""
        spans: list[Span] = []
        if self.sweep is not None:
            self.sweep.scan(text, spans)
        if self.assignments or self.aws_secret is not None:
            lowered = text.lower() if text.isascii() else _lower_ascii(text)
            secret = "secret" in lowered  # both passes need to know
            if self.aws_secret is not None and (secret or ("w" in lowered and "aws" in lowered)):
                _scan_lines_mentioning(self.aws_secret, text, lowered, spans)
            if self.assignments and may_assign(lowered, secret):
                find_assignments(text, lowered, spans)
        if self.emails and ("@" in text or "%" in text):  # most texts: no call at all
            find_emails(text, spans)
        return spans


@lru_cache(maxsize=64)
def build_plan(kinds: frozenset[str]) -> Plan:
    """Compile (once per distinct selection of kinds) what finds `kinds`."""
    return Plan(
        sweep=_compile_sweep([d for d in (*NUMBERS, *TOKENS) if d.kind in kinds]),
        aws_secret=_compile_pass(AWS_SECRET, kinds),
        assignments="secret_assignment" in kinds,
        emails="email" in kinds,
    )

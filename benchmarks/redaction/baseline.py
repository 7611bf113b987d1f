"""The original service's redaction: four regular expressions applied one after another.

Kept verbatim in spirit (phone with an extra 7-digit form, e-mail, IPv4, SSN, each `re.sub`
on the output of the previous one) so the benchmark compares against what ran in production.
"""

from __future__ import annotations

import re

MARKER = "[REDACTED]"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("phone", re.compile(r"\b\d{3}[-.]?\d{3}[-.]?\d{4}\b")),
    ("phone", re.compile(r"\b\d{3}-\d{4}\b")),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b")),
    ("ipv4", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
)


def redact(text: str) -> str:
    """Redact exactly as the original service did."""
    for _, pattern in PATTERNS:
        text = pattern.sub(MARKER, text)
    return text


def spans(text: str) -> list[tuple[int, int, str]]:
    """Return what `redact` replaces, as spans of the *original* text.

    Each substitution runs on the output of the previous one, so every character of the working
    text remembers which original characters it stands for.
    """
    origin: list[tuple[int, int]] = [(i, i + 1) for i in range(len(text))]
    found: list[tuple[int, int, str]] = []
    for kind, pattern in PATTERNS:
        pieces: list[str] = []
        new_origin: list[tuple[int, int]] = []
        position = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            pieces.append(text[position:start])
            new_origin.extend(origin[position:start])
            lo, hi = origin[start][0], origin[end - 1][1]
            found.append((lo, hi, kind))
            pieces.append(MARKER)
            new_origin.extend([(lo, hi)] * len(MARKER))
            position = end
        pieces.append(text[position:])
        new_origin.extend(origin[position:])
        text, origin = "".join(pieces), new_origin
    return found

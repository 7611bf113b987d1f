"""What a detector is, and how detectors are grouped into passes.

A detector is a regular-expression body plus a check. The regex only finds candidates and is
written so that ordinary log content (timestamps, versions, ids, hashes) fails inside the regex
engine; the check (checksum, range, context) runs in Python on the rare candidates left.
Nearly all detectors share one *sweep* (see BOUNDARY and HEADS below) that `plan.py` compiles
into a single alternation, so a text is scanned once for phones, cards, addresses and tokens
together.

Conventions for bodies:

* `@_` inside a group name is replaced by a unique prefix, so groups stay unique when all bodies
  of a pass are joined (`(?P<@_s>-)` becomes `(?P<phone_nanp_s>-)`).
* Groups named `@_v`, `@_v2`, ... mark the sensitive part when it is not the whole match.
* A body continues after its head character and starts with a literal or a character class
  (never a group or an assertion): the regex engine then rejects a branch by looking at one
  character, which is what keeps a sweep over thirty detectors fast.
* A check receives `(text, start, end)` of the sensitive part and returns the end to redact
  (shorter, to drop trailing text that was swallowed), -1 (REJECT) when the candidate is not
  this detector's (the sweep goes on right after where it began), or SKIP when the candidate is
  not sensitive and nothing inside it is either (the sweep goes on after it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Check = Callable[[str, int, int], int]
REJECT = -1
SKIP = -2


@dataclass(frozen=True, slots=True)
class Detector:
    """One way of writing one kind of sensitive value."""

    name: str
    kind: str
    body: str
    check: Check | None = None
    heads: tuple[str, ...] = ()  # in the sweep: the heads (see HEADS) this body follows


@dataclass(frozen=True, slots=True)
class Pass:
    """Detectors compiled together and swept over the text in one go."""

    name: str
    detectors: tuple[Detector, ...]
    skip: int = 0  # 1 when every body starts by consuming one boundary character


# --- the sweep: one boundary character, then a head, then a detector body ----------------------
#
# A value must start right after a boundary character: not after a letter, digit, `_`, `.`, `-`,
# `+` or `#`. That alone keeps `ORD-555-0199`, `v1.2.3.4`, `#12345` and the inside of hashes and
# UUIDs from ever starting a candidate, and lets the regex engine skip whole words in C: it only
# stops at boundary characters. Then comes the first character of the value, the *head*, tested
# against three classes only; each body continues after its head. A body that needs a specific
# head (`A` for `AKIA...`) says so with a look-behind placed after its own first character, where
# it costs nothing unless that character already matched.
BOUNDARY = r"[^A-Za-z0-9_.+\-#]"

# Shapes of the numbers that fill logs and are never sensitive, tested once right after a digit
# head so that none of the number bodies is tried on them. Each must be unable to begin any
# sensitive value: a phone, card or SSN continues with a digit, a separator or a hex letter.
NOT_SENSITIVE_NUMBERS: tuple[str, ...] = (
    r"[0-9]{0,7}+(?:[^0-9A-Fa-f .:(\-]|\Z)",  # short number: 200, 123ms, 5123", 15/Jan
    r"[0-9]{0,7}+ (?![0-9(])",  # number then a word: 200 OK, 3 times
    r"[0-9]{3}-[0-9]{2}-",  # date: 2024-01-15
    r"[0-9]?:[0-9]{2}:[0-9]{2}(?![0-9A-Fa-f:])",  # time: 10:23:45
    r"[0-9]{3}:[0-9]{2}:[0-9]{2}:[0-9]{2}(?![0-9A-Fa-f:])",  # web log time: 2024:10:23:45
    r"[0-9]{0,7}+\.[0-9]++(?![0-9A-Fa-f.:])",  # decimal: 1.532s, 1234.56 EUR
)

DIGIT, LETTER, PUNCT = "digit", "letter", "punct"
HEADS: tuple[tuple[str, str], ...] = (
    # A digit after `:` that follows a digit is inside a time or a port (`10:23:45`, `:8080`).
    (DIGIT, r"[0-9](?<![0-9]:.)(?!" + "|".join(NOT_SENSITIVE_NUMBERS) + ")"),
    # Letters that begin some value: hex digits (MAC, IPv6), capitals (IBAN, AKIA, Bearer) and
    # the first letters of token prefixes (ghp_, xoxb-, sk_live_, whsec_, npm_, hooks.slack).
    (LETTER, "[A-Za-fghnrswx]"),
    (PUNCT, r"[:+(/\-]"),  # ::1, +44 ..., (555) ..., ://user:password@, -----BEGIN
)

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
  character, which is what keeps a sweep over thirty detectors fast. A body of a *family* (see
  FAMILIES) continues after the family's shared prefix instead.
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
    family: str = ""  # in the sweep: the family (see FAMILIES) whose prefix this body follows


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
#
# The shapes that start alike share their prefix (the test is one look-ahead, so the order of
# the shapes is free): the engine then reads a number's digits once instead of once per shape.
# A number of k digits then a space and a digit begins a value only for k = 3 or 4 (SSN, phone
# and card groups), a trunk `1`, or a leading 0 (national numbers; `00` prefixes, whose first
# group may run on: `00441234 5678`). The look-behinds after the space read k and the head.
_SPACED = (
    r"(?<=[^0-9][2-9] )",  # k = 1: 5 times
    r"(?<=[^0-9][1-9][0-9] )",  # k = 2: Jan 15 10:23:45
    r"(?<=[^0-9][1-9][0-9]{2} )(?![0-9]{2} |[0-9]{3}[\- ])",  # 200 12345, not 555 123 4567
    r"(?<=[^0-9][1-9][0-9]{4} )",  # k = 5 to 8: 8080 12345, 20100101 42
    r"(?<=[^0-9][1-9][0-9]{5} )",
    r"(?<=[^0-9][1-9][0-9]{6} )",
    r"(?<=[^0-9][1-9][0-9]{7} )",
)
NOT_SENSITIVE_NUMBERS: tuple[str, ...] = (
    r"[0-9]{0,7}+(?:"
    r"[^0-9A-Fa-f .:(\-]|\Z"  # short number: 200, 123ms, 5123", 15/Jan
    r"| (?:(?![0-9(])|" + "|".join(_SPACED) + ")"  # number then a word, or a number that is not
    # the next group of a value
    r"|\.(?:"
    r"[0-9]++(?![0-9A-Fa-f.:])"  # decimal: 1.532s, 1234.56 EUR
    r"|(?<![0-9]{4}\.)[0-9]{1,3}\.[0-9]{1,3}(?![0-9.])"  # three-part version: 1.25.3
    "))",
    r"[0-9]{3}(?:"
    r"-[0-9]{2}-"  # date: 2024-01-15
    r"|:[0-9]{2}:[0-9]{2}:[0-9]{2}(?![0-9A-Fa-f:])"  # web log time: 2024:10:23:45
    ")",
    r"[0-9]?:[0-9]{2}:[0-9]{2}(?![0-9A-Fa-f:])",  # time: 10:23:45
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

# Detectors whose bodies would each be tried on the same common text share a *family*: one
# prefix, tried once, then the bodies. The prefix consumes the character after the head (so the
# engine still rejects the family by looking at that one character), then looks ahead for what
# every member needs: a word starting with two hex letters (`deployed`) or a number that
# survived NOT_SENSITIVE_NUMBERS (`200 12345`) then costs one failed look-ahead instead of one
# failed body per member. A family is compiled where its first member stands among the head's
# bodies, so a detector placed between its members must never match the same text.
HEX_ADDRESS = "hex_address"  # MAC, Cisco MAC, IPv6
GROUPED_BY_4 = "grouped_by_4"  # cards: four digits, then a space or `-`
GROUPED_BY_3 = "grouped_by_3"  # SSN, phones: three digits, then a separator
LONG_RUN = "long_run"  # bare cards, SSNs, phones: nine digits or more
DOTTED = "dotted"  # IPv4 whose first octet has two or three digits
FAMILIES: dict[str, tuple[str, str]] = {  # name: (the character after the head, look-ahead)
    # `a4-`/`a4:` (MAC), `0011.` (Cisco), `2a00:`/`::` (IPv6); not `10.` (IPv4), `deployed`
    HEX_ADDRESS: (
        "[0-9A-Fa-f:]",
        r"(?:(?<=:)|(?=[:\-]|[0-9A-Fa-f](?:[0-9A-Fa-f]\.|[0-9A-Fa-f]?:)))",
    ),
    GROUPED_BY_4: ("[0-9]", r"(?=[0-9]{2}[ \-])"),
    # `078-05-`, `555 123`, `555.123.4567`; not `192.168.` (IPv4)
    GROUPED_BY_3: ("[0-9]", r"(?=[0-9](?:[\- ]|\.[0-9]{3}\.[0-9]{4}))"),
    LONG_RUN: ("[0-9]", r"(?=[0-9]{7})"),
    DOTTED: ("[0-9]", r"(?=[0-9]?\.)"),
}

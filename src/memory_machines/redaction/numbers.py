"""Numbers and addresses: phones, payment cards, SSNs, IBANs, IPv4, IPv6 and MAC addresses.

Part of the sweep (see `detectors.HEADS`): each body continues after its head character, so
`[0-9]{2}-[0-9]{4}` under the `digit` head matches `555-0199`.
"""

from __future__ import annotations

import re

from memory_machines.redaction import validators as v
from memory_machines.redaction.detectors import (
    DIGIT,
    DOTTED,
    GROUPED_BY_3,
    GROUPED_BY_4,
    HEX_ADDRESS,
    LETTER,
    LONG_RUN,
    PUNCT,
    REJECT,
    SKIP,
    Detector,
)

# Right boundaries: no letter, digit or `_`, and no `.5` / `-5` continuation of a number.
_NUM_END = r"(?![A-Za-z0-9_]|[.+\-][0-9])"
_HEX_END = r"(?![A-Za-z0-9_:\-])"
_WORD_END = r"(?![A-Za-z0-9_])"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|0?[0-9]?[0-9])"  # 0-255, zero-padded too
_IPV4 = r"(?:" + _OCTET + r"\.){3}" + _OCTET
# The last three octets, an optional prefix, and an optional second address of a range
# (`10.0.0.1-10.0.0.255`, one span: the second address follows a `-`, never a boundary).
_OCTETS = (
    _OCTET + r"\." + _OCTET + r"\." + _OCTET + r"(?:/(?:3[0-2]|[12]?[0-9]))?"
    r"(?:-" + _IPV4 + r"(?:/(?:3[0-2]|[12]?[0-9]))?)?" + _NUM_END
)

# What precedes a dotted quad that is a version, not an address (`version 2.0.0.1`).
_VERSION_WORDS = ("version", "ver", "release", "build", "firmware", "fw", "rev", "v")


def _line_before(text: str, start: int, window: int) -> str:
    """Up to `window` characters before `start`, on the same line, lower-cased.

    Context stays within the line so that a block of lines redacts exactly as its lines do one
    by one.
    """
    before = text[max(0, start - window) : start]
    return before[before.rfind("\n") + 1 :].lower()


def _named_by(*words: str) -> re.Pattern[str]:
    """Match, on the reversed text before a number, one of `words` naming that number.

    The word must stand on its own (`tel`, not `hotel`) and only letters, blanks and `"':=_-`
    may lie between it and the number: `"phone":"`, `tel: `, `call me at `. A digit, bracket or
    field separator in between means the word names something else (`"phone":"..." | 42`).
    """
    reversed_words = "|".join(word[::-1] for word in words)
    return re.compile(r"[a-z \t\"':=_\-]*?(?:" + reversed_words + r")(?![a-z])")


_PHONE_NAMED = _named_by(
    "phone", "tel", "mobile", "cell", "msisdn", "fax", "sms", "call", "contact"
)
_SSN_NAMED = _named_by("ssn", "social", "tin")


def _preceded_by(text: str, start: int, named: re.Pattern[str], window: int = 32) -> bool:
    return named.match(_line_before(text, start, window)[::-1]) is not None


def _check_card(text: str, start: int, end: int) -> int:
    return end if v.card_ok(text[start:end]) else SKIP


def _check_ssn(text: str, start: int, end: int) -> int:
    c = text[start:end]
    return end if v.ssn_ok(c[0:3], c[4:6], c[7:11]) else SKIP


def _check_ssn_bare(text: str, start: int, end: int) -> int:
    c = text[start:end]
    ok = v.ssn_ok(c[0:3], c[3:5], c[5:9])
    return end if ok and _preceded_by(text, start, _SSN_NAMED) else SKIP


def _check_phone_trunk(text: str, start: int, end: int) -> int:
    return end if text[start + 1] == text[start + 5] == text[start + 9] else SKIP


def _check_phone_nanp(text: str, start: int, end: int) -> int:
    if text[start + 3] == " ":  # `555 123 4567`: only when it follows the plan, or is named
        ok = v.nanp_ok(text[start : start + 3], text[start + 4 : start + 7])
        return end if ok or _preceded_by(text, start, _PHONE_NAMED) else SKIP
    return end


def _check_phone_bare(text: str, start: int, end: int) -> int:
    """Ten bare digits are a phone only next to words that say so: byte counts look the same."""
    ok = v.nanp_ok(text[start : start + 3], text[start + 3 : start + 6])
    return end if ok and _preceded_by(text, start, _PHONE_NAMED) else SKIP


def _digit_count(candidate: str) -> int:
    """Digits in a phone candidate, which holds nothing else but ` .-()+` (ASCII, one C pass)."""
    return len(candidate.encode().translate(None, b" .-()+"))


def _trim_groups(candidate: str, most: int) -> str:
    """Drop trailing digit groups until at most `most` digits remain: they belong to what follows."""
    while _digit_count(candidate) > most:
        cut = max(candidate.rfind(" "), candidate.rfind("-"), candidate.rfind("."))
        if cut <= 0:
            return ""
        candidate = candidate[:cut]
    return candidate


def _check_phone_intl(text: str, start: int, end: int) -> int:
    """Accept E.164-sized numbers (8-15 digits; 11 for +1) after `+` or `00`."""
    zeros = 0 if text[start] == "+" else 2  # the `00` of `0044 ...` is not part of the number
    candidate = _trim_groups(text[start:end], 15 + zeros)
    count = _digit_count(candidate) - zeros
    if count < 8 or (candidate[max(1, zeros)] == "1" and count != 11):
        return SKIP
    return start + len(candidate)


def _check_phone_national(text: str, start: int, end: int) -> int:
    candidate = _trim_groups(text[start:end], 11)
    return start + len(candidate) if _digit_count(candidate) >= 10 else REJECT


_IPV4_RESERVED = ("0.0.0.0", "127.", "255.255.255.255")  # noqa: S104  any, loopback, broadcast


# The last letters of the version words: most addresses follow `from `, `ip=` or `"ip":"`, and
# one character then settles that no version word precedes them.
_VERSION_LAST = frozenset(word[-1] for word in _VERSION_WORDS) | frozenset(
    word[-1].upper() for word in _VERSION_WORDS
)


def _check_ipv4(text: str, start: int, end: int) -> int:
    """Octets are checked by the regex; here: reserved addresses and version numbers."""
    if text.startswith(_IPV4_RESERVED, start) and "-" not in text[start:end]:
        return SKIP  # no host, no person
    if text[end : end + 1] in ("-", "+") and text[end + 1 : end + 2].isalnum():
        return SKIP  # `1.2.3.4-beta` is a version
    # The word before, within 12 characters and past blanks, quotes and `=:/`. A newline cannot
    # be part of it, so a word on the line above never ends it.
    words = text[max(0, start - 12) : start].rstrip(" \t=:/\"'")
    last = words[-1:]
    if not last.isalpha():
        return end
    if text[start - 1] == "/" and text[start - 2] != "/":
        return SKIP  # `agent/1.2.3.4` (but `http://1.2.3.4` is an address)
    if last in _VERSION_LAST and words.lower().endswith(_VERSION_WORDS):
        return SKIP  # `version 2.0.0.1`
    return end


def _check_ipv6(text: str, start: int, end: int) -> int:
    if text[start - 1] == ":":
        return REJECT  # the tail of something longer
    address, _, prefix = text[start:end].partition("/")
    if prefix and int(prefix) > 128:
        return REJECT
    return end if v.ipv6_ok(address) else REJECT


def _check_iban(text: str, start: int, end: int) -> int:
    """Accept a mod-97-valid IBAN, cutting off a trailing group that is not part of it."""
    expected = v.IBAN_LENGTHS.get(text[start : start + 2])
    if expected is None:
        return SKIP
    candidate = text[start:end]
    compact = candidate.replace(" ", "")
    if len(compact) < expected:
        return SKIP
    if len(compact) > expected:  # `DE89 3704 0044 0532 0130 00 EUR`: the last group is not ours
        cut = 0
        kept = 0
        while kept < expected:
            kept += candidate[cut] != " "
            cut += 1
        if cut < len(candidate) and candidate[cut] != " ":
            return SKIP
        candidate, compact = candidate[:cut], compact[:expected]
    # A well-formed IBAN with a bad checksum (a typo, a test value) is skipped whole: its digit
    # groups must not be read as phone numbers one by one.
    return start + len(candidate) if v.iban_ok(compact) else SKIP


_HEX_ANY = (DIGIT, LETTER)

NUMBERS: tuple[Detector, ...] = (
    # After a digit. Order matters only where two bodies can match the same text. A body in a
    # family (see `detectors.FAMILIES`) continues after the family's prefix, the second
    # character of the value.
    Detector(
        "phone_trunk",  # 1-800-555-0199
        "phone",
        r"[\-. ](?<=1[\-. ])[0-9]{3}[\-. ][0-9]{3}[\-. ][0-9]{4}" + _NUM_END,
        _check_phone_trunk,
        (DIGIT,),
    ),
    Detector(
        "phone_trunk_paren",  # 1 (800) 555-0199
        "phone",
        r"[ (](?<=1[ (])(?:(?<=\()|\()[0-9]{3}\)[ ]?[0-9]{3}[\-. ][0-9]{4}" + _NUM_END,
        None,
        (DIGIT,),
    ),
    Detector(
        "mac",
        "mac",
        r"(?<=[0-9A-Fa-f]{2})(?P<@_s>[:\-])[0-9A-Fa-f]{2}(?:(?P=@_s)[0-9A-Fa-f]{2}){4}" + _HEX_END,
        None,
        _HEX_ANY,
        HEX_ADDRESS,
    ),
    Detector(
        "mac_dotted",  # Cisco: 0011.2233.4455
        "mac",
        r"(?<=[0-9A-Fa-f]{2})[0-9A-Fa-f]{2}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![A-Za-z0-9_.])",
        None,
        _HEX_ANY,
        HEX_ADDRESS,
    ),
    # IPv6: look-aheads demand a first group of at most four hex digits (or `::`), then `::` or
    # enough colons, before more is consumed, so `10:23:45` fails at once; the address itself
    # is validated in Python. The first group ending in `:` within five characters, no number
    # body below can match where this one does.
    Detector(
        "ipv6",
        "ipv6",
        r"(?<=[0-9A-Fa-f:]{2})(?=(?<=:)|[0-9A-Fa-f]{0,2}:)"
        r"(?=(?<=::)|(?<=:):|[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]*:){5})"
        r"[0-9A-Fa-f:]*(?:(?<=:)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?"
        r"(?:%[0-9A-Za-z_.\-]+)?(?:/[0-9]{1,3})?(?![0-9A-Za-z_:]|\.[0-9])",
        _check_ipv6,
        (*_HEX_ANY, PUNCT),
        HEX_ADDRESS,
    ),
    Detector(
        "card_grouped",  # 4111 1111 1111 1111, 4-4-4-4-3
        "credit_card",
        r"[0-9]{2}(?P<@_s>[ \-])[0-9]{4}(?P=@_s)[0-9]{4}(?P=@_s)[0-9]{1,4}"
        r"(?:(?P=@_s)[0-9]{1,3})?" + _NUM_END,
        _check_card,
        (DIGIT,),
        GROUPED_BY_4,
    ),
    Detector(
        "card_amex",  # 3782 822463 10005
        "credit_card",
        r"[0-9]{2}(?P<@_s>[ \-])[0-9]{6}(?P=@_s)[0-9]{4,5}" + _NUM_END,
        _check_card,
        (DIGIT,),
        GROUPED_BY_4,
    ),
    Detector(
        "card_plain",  # the issuer digit (2-6) is checked in the regex: ms timestamps start 1
        "credit_card",
        r"(?<=[2-6][0-9])[0-9]{11,17}" + _NUM_END,
        _check_card,
        (DIGIT,),
        LONG_RUN,
    ),
    Detector("ssn_bare", "ssn", r"[0-9]{7}" + _NUM_END, _check_ssn_bare, (DIGIT,), LONG_RUN),
    Detector(
        "phone_bare",
        "phone",
        r"(?<=[2-9][0-9])[0-9]{8}" + _NUM_END,
        _check_phone_bare,
        (DIGIT,),
        LONG_RUN,
    ),
    Detector(
        "ssn",
        "ssn",
        r"[0-9](?P<@_s>[\- ])[0-9]{2}(?P=@_s)[0-9]{4}" + _NUM_END,
        _check_ssn,
        (DIGIT,),
        GROUPED_BY_3,
    ),
    Detector(
        "phone_nanp",  # 555-123-4567, 555.123.4567, 555 123 4567
        "phone",
        r"[0-9](?:(?P<@_s>[\-.])[0-9]{3}(?P=@_s)|[ ][0-9]{3}[\- ])[0-9]{4}" + _NUM_END,
        _check_phone_nanp,
        (DIGIT,),
        GROUPED_BY_3,
    ),
    Detector("phone_local", "phone", r"[0-9]-[0-9]{4}" + _NUM_END, None, (DIGIT,), GROUPED_BY_3),
    # The digit head is the first octet's first digit; `_OCTETS` checks the other three.
    Detector("ipv4", "ipv4", r"\." + _OCTETS, _check_ipv4, (DIGIT,)),
    Detector("ipv4_2", "ipv4", r"\." + _OCTETS, _check_ipv4, (DIGIT,), DOTTED),
    Detector(
        "ipv4_3",
        "ipv4",
        r"[0-9](?<=0[0-9]{2}|1[0-9]{2}|2[0-4][0-9]|25[0-5])\." + _OCTETS,
        _check_ipv4,
        (DIGIT,),
        DOTTED,
    ),
    Detector(
        "phone_national",  # trunk 0: 020 7946 0958, 01 23 45 67 89, 030 12345678
        "phone",
        r"[1-9](?<=0[1-9])[0-9]{0,3}(?:[ .\-][0-9]{2,8}){1,4}" + _NUM_END,
        _check_phone_national,
        (DIGIT,),
    ),
    Detector(
        "iban",
        "iban",
        # the check digits before the look-behind: `GET`, `HTTP` fail without it
        r"[A-Z][0-9](?<=[A-Z]{2}[0-9])[0-9](?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?"
        + _WORD_END,
        _check_iban,
        (LETTER,),
    ),
    Detector(
        "phone_intl_00",  # 0044 20 7946 0958: the international prefix written as 00
        "phone",
        r"0(?<=00)[1-9][0-9]{0,3}+(?:[ .\-]?[0-9]{1,8}+)*" + _NUM_END,
        _check_phone_intl,
        (DIGIT,),
    ),
    Detector(
        "phone_intl",
        "phone",
        r"[1-9](?<=\+[1-9])[0-9]{0,3}+(?:[ .\-]?\([0-9]{1,4}\))?+(?:[ .\-]?[0-9]{1,8}+)*"
        + _NUM_END,
        _check_phone_intl,
        (PUNCT,),
    ),
    Detector(
        "phone_paren",
        "phone",
        r"[0-9](?<=\([0-9])[0-9]{2}\)[ ]?[0-9]{3}[\-. ][0-9]{4}" + _NUM_END,
        None,
        (PUNCT,),
    ),
)

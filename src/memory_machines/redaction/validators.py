"""Checksums and range rules that tell a real identifier from a number that merely looks like one.

Regular expressions only find candidates; these functions decide. All are pure, take ASCII
strings already shaped by a detector and never raise on such input.
"""

from __future__ import annotations

import base64
import binascii
import re

# Registered IBAN lengths by country (ISO 13616 registry). A candidate whose country is missing
# or whose length differs is not an IBAN, whatever its checksum.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")  # digit * 2, its digits summed


def luhn_ok(digits: str) -> bool:
    """Return True when the decimal string passes the Luhn (mod 10) check used by payment cards."""
    # Summing the bytes of the ASCII digits (each is its value + 48) keeps the loop in C; bytes
    # slice and translate faster than str.
    data = digits.encode()
    doubled = data[-2::-2].translate(_DOUBLED)
    return (sum(data[-1::-2]) + sum(doubled) - 48 * len(data)) % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """Return True when the number starts with a major network's issuer range, at its length.

    About one random number in ten passes Luhn, so the issuer prefix and the lengths that
    network issues (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro) are what
    keep long order ids and millisecond timestamps out.
    """
    size = len(digits)
    first = digits[0]
    if first == "4":
        return size in (13, 16, 19)  # Visa
    two = int(digits[:2])
    if first == "5":
        return size == 16 if 51 <= two <= 55 else size >= 12  # Mastercard; Maestro 50, 56-59
    if first == "3":
        if two in (34, 37):
            return size == 15  # Amex
        return two in (35, 36, 38, 39) or 300 <= int(digits[:3]) <= 305  # JCB, Diners
    if first == "6":
        return size >= 16  # Discover, UnionPay, RuPay, Maestro
    if first == "2":
        return size == 16 and 2221 <= int(digits[:4]) <= 2720  # Mastercard 2-series
    return False


def card_groups_ok(groups: list[int]) -> bool:
    """Return True for the ways card numbers are grouped when printed (4-4-4-4, 4-6-5, ...)."""
    if len(groups) == 1:
        return True
    if groups[:2] == [4, 6]:
        return len(groups) == 3 and groups[2] in (4, 5)
    return all(size == 4 for size in groups[:-1]) and 1 <= groups[-1] <= 4


def card_ok(candidate: str) -> bool:
    """Return True for a plausible payment card number: 13-19 digits, issuer, grouping, Luhn."""
    if candidate.isdigit():
        digits = candidate
    else:
        groups = candidate.replace("-", " ").split(" ")
        if not card_groups_ok([len(group) for group in groups]):
            return False
        digits = "".join(groups)
    return (
        13 <= len(digits) <= 19 and digits.isdigit() and card_prefix_ok(digits) and luhn_ok(digits)
    )


_IBAN_LETTERS = {ord(letter): str(ord(letter) - 55) for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def iban_ok(compact: str) -> bool:
    """Return True when an IBAN without spaces has its country's length and a valid mod-97 sum."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    digits = (compact[4:] + compact[:4]).translate(_IBAN_LETTERS)
    return digits.isdigit() and int(digits) % 97 == 1


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """Return True for a US Social Security number the SSA could have issued.

    Area 000, 666 and 900-999, group 00 and serial 0000 are never assigned.
    """
    area_number = int(area)
    return 0 < area_number < 900 and area_number != 666 and group != "00" and serial != "0000"


def ipv4_ok(address: str) -> bool:
    """Return True for a dotted quad whose four parts are decimal octets (0-255)."""
    parts = address.split(".")
    return len(parts) == 4 and all(
        part.isdigit() and len(part) <= 3 and int(part) <= 255 for part in parts
    )


def ipv4_reserved(address: str) -> bool:
    """Return True for addresses that name no host or person: any, loopback, broadcast.

    `0.0.0.0:8080` and `127.0.0.1` carry debugging value and no personal data.
    """
    return address == "0.0.0.0" or address.startswith("127.") or address == "255.255.255.255"  # noqa: S104


_HEX_GROUPS = re.compile(r"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*").fullmatch
_DIGIT = re.compile("[0-9]").search


def ipv6_ok(address: str) -> bool:
    """Return True for a valid IPv6 address (zone allowed) that names a host.

    The unspecified and loopback addresses and digit-free forms such as `dead::beef`, which are
    far more often code (`std::vector`) than addresses, are refused.
    """
    address, percent, zone = address.partition("%")
    if percent and not zone:
        return False
    if _DIGIT(address) is None or address in ("::", "::1"):
        return False
    if "." in address:  # IPv4 tail: two groups' worth
        head, _, tail = address.rpartition(":")
        if not ipv4_ok(tail):
            return False
        address = head + ":0:0"
    if address.count("::") > 1:
        return False
    if "::" in address:  # each side: groups of 1-4 hex digits; together at most seven
        left, _, right = address.partition("::")
        if (left and _HEX_GROUPS(left) is None) or (right and _HEX_GROUPS(right) is None):
            return False
        return bool(left) + left.count(":") + bool(right) + right.count(":") <= 7
    return address.count(":") == 7 and _HEX_GROUPS(address) is not None


def nanp_ok(area: str, exchange: str) -> bool:
    """Return True when area code and exchange follow the North American Numbering Plan."""
    return area[0] in "23456789" and exchange[0] in "23456789" and area[1:] != "11"


def _b64decode(data: str, *, urlsafe: bool) -> bytes | None:
    padded = data + "=" * (-len(data) % 4)
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def jwt_header_ok(token: str) -> bool:
    """Return True when the first segment of a JWT decodes to a JSON header naming an algorithm."""
    header = _b64decode(token.split(".", 1)[0], urlsafe=True)
    return header is not None and header.lstrip().startswith(b"{") and b'"alg"' in header


def basic_credentials_ok(encoded: str) -> bool:
    """Return True when an HTTP Basic value decodes to printable `user:password` text."""
    decoded = _b64decode(encoded.rstrip("="), urlsafe=False)
    if decoded is None or b":" not in decoded:
        return False
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.isprintable()


def mixed_token_ok(token: str) -> bool:
    """Return True for a random-looking token: upper and lower case letters and digits.

    Hex digests (lower case only) and words fail, generated secrets almost never do.
    """
    return (
        any(char.isupper() for char in token)
        and any(char.islower() for char in token)
        and any(char.isdigit() for char in token)
    )


_TRIVIAL_VALUES = frozenset(
    {
        "", "true", "false", "null", "none", "nil", "undefined", "yes", "no", "on", "off",
        "empty", "redacted", "masked", "hidden", "unset", "n/a", "na", "-",
    }
)  # fmt: skip


def secret_value_ok(value: str) -> bool:
    """Return True when the value of `password=...` or similar is worth redacting.

    Placeholders (`null`, `***`, an earlier redaction marker) carry nothing and are left alone,
    which also keeps redaction idempotent.
    """
    if not value or value.startswith("[REDACTED") or value.lower() in _TRIVIAL_VALUES:
        return False
    stripped = value.strip("*xX•.·")
    return bool(stripped) and not value.isspace()

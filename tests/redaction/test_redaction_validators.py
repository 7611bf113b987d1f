"""Checksums and range rules, checked against known values and against the standard library."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memory_machines.redaction import validators as v

FAST = settings(derandomize=True, deadline=None, max_examples=300, database=None)


@pytest.mark.parametrize(
    "number", ["4111111111111111", "378282246310005", "5555555555554444", "6011111111111117"]
)
def test_known_test_cards_pass_luhn(number: str) -> None:
    assert v.luhn_ok(number)
    assert v.card_ok(number)


@given(st.integers(min_value=10**12, max_value=10**19 - 1))
@FAST
def test_luhn_agrees_with_the_textbook_definition(number: int) -> None:
    digits = str(number)
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    assert v.luhn_ok(digits) == (total % 10 == 0)


def test_card_rules_reject_wrong_issuer_length_and_grouping() -> None:
    assert not v.card_ok("4111111111111112")  # Luhn
    assert not v.card_ok("1234567890123452")  # no issuer starts with 1
    assert not v.card_ok("371449635398431" + "0000")  # Amex is 15 digits
    assert not v.card_ok("4111 11111 111 1111")  # not a printed grouping
    assert v.card_ok("3782 822463 10005")


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606"]
)
def test_registry_example_ibans_pass_mod97(iban: str) -> None:
    assert v.iban_ok(iban)


def test_iban_with_a_wrong_check_digit_or_length_fails() -> None:
    assert not v.iban_ok("DE89370400440532013001")
    assert not v.iban_ok("DE8937040044053201300")
    assert not v.iban_ok("XX89370400440532013000")


@pytest.mark.parametrize(
    ("area", "group", "serial", "ok"),
    [
        ("078", "05", "1120", True),
        ("000", "12", "3456", False),
        ("666", "12", "3456", False),
        ("900", "12", "3456", False),
        ("123", "00", "4567", False),
        ("123", "45", "0000", False),
    ],
)
def test_ssn_ranges_follow_the_ssa_rules(area: str, group: str, serial: str, ok: bool) -> None:
    assert v.ssn_ok(area, group, serial) is ok


@given(st.ip_addresses(v=6))
@FAST
def test_every_real_ipv6_address_with_a_digit_is_accepted(address: ipaddress.IPv6Address) -> None:
    for text in (str(address), address.exploded):
        has_digit = any(char.isdigit() for char in text)
        assert v.ipv6_ok(text) == (has_digit and text not in ("::", "::1"))


@given(st.text(alphabet="0123456789abcdefABCDEF:.%", max_size=45))
@FAST
def test_ipv6_validation_never_accepts_what_the_standard_library_refuses(text: str) -> None:
    if v.ipv6_ok(text):
        ipaddress.IPv6Address(text)  # raises if we were wrong


def test_basic_credentials_must_decode_to_user_and_password() -> None:
    assert v.basic_credentials_ok("YWxhZGRpbjpvcGVuc2VzYW1l")  # aladdin:opensesame
    assert not v.basic_credentials_ok("cmVhbG0")  # "realm": no colon
    assert not v.basic_credentials_ok("!!!!")


def test_jwt_header_must_name_an_algorithm() -> None:
    assert v.jwt_header_ok("eyJhbGciOiJIUzI1NiJ9.e30.sig")
    assert not v.jwt_header_ok("eyJmb28iOiJiYXIifQ.e30.sig")  # {"foo":"bar"}


@pytest.mark.parametrize("value", ["", "null", "None", "***", "********", "[REDACTED]", "true"])
def test_placeholder_secret_values_are_not_worth_redacting(value: str) -> None:
    assert not v.secret_value_ok(value)

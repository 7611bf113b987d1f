"""Examples per kind: what must be redacted, and the look-alikes that must survive untouched."""

from __future__ import annotations

import pytest

from memory_machines.redaction import ALL_KINDS, Redaction, Redactor

REDACTOR = Redactor()
TYPED = Redactor(typed_markers=True)

# (kind, text, the sensitive value in it)
POSITIVES: list[tuple[str, str, str]] = [
    ("phone", "User 555-0199 accessed the system", "555-0199"),
    ("phone", "call 555-123-4567 now", "555-123-4567"),
    ("phone", "call (555) 123-4567 now", "(555) 123-4567"),
    ("phone", "call 555.123.4567 now", "555.123.4567"),
    ("phone", "call +1 555 123 4567 now", "+1 555 123 4567"),
    ("phone", "toll free 1-800-555-0199.", "1-800-555-0199"),
    ("phone", "uk +44 20 7946 0958 ok", "+44 20 7946 0958"),
    ("phone", "e164 +442079460958 ok", "+442079460958"),
    ("phone", "fr +33 1 23 45 67 89 ok", "+33 1 23 45 67 89"),
    ("phone", "jp +81 3-1234-5678 ok", "+81 3-1234-5678"),
    ("phone", "national 020 7946 0958 ok", "020 7946 0958"),
    ("phone", "national 01 23 45 67 89 ok", "01 23 45 67 89"),
    ("phone", '{"phone":"4155552671"}', "4155552671"),
    ("phone", "phone: 555 123 4567 ext 12", "555 123 4567"),
    ("phone", "fax 0044 20 7946 0958.", "0044 20 7946 0958"),
    ("phone", "de +49 (0)30 12345678 ok", "+49 (0)30 12345678"),
    ("phone", "fax 00441234 5678 ok", "00441234 5678"),  # a long first group after `00`
    ("phone", "national 01234 567890 ok", "01234 567890"),
    ("email", "mail jane.doe@example.com now", "jane.doe@example.com"),
    ("email", "to ops+pager@alerts.eu.example.co.uk.", "ops+pager@alerts.eu.example.co.uk"),
    ("email", "x <X.Y_z-1@example.technology>", "X.Y_z-1@example.technology"),
    ("email", "GET /u?email=bob.smith%40example.org&t=1", "bob.smith%40example.org"),
    ("ipv4", "client 192.168.1.10:8080 ok", "192.168.1.10"),
    ("ipv4", "route 172.16.0.0/12 via", "172.16.0.0/12"),
    ("ipv4", "ip=8.8.8.8", "8.8.8.8"),
    ("ipv4", "GET http://10.0.0.1:8080/health 200", "10.0.0.1"),
    ("ipv4", "allow 10.0.0.1-10.0.0.255 tcp", "10.0.0.1-10.0.0.255"),
    ("ipv4", "legacy 192.168.001.010 ok", "192.168.001.010"),
    ("ipv6", "peer [2001:db8::8a2e:370:7334]:8443", "2001:db8::8a2e:370:7334"),
    (
        "ipv6",
        "full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 ok",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    ),
    ("ipv6", "link fe80::1ff:fe23:4567:890a%eth0 up", "fe80::1ff:fe23:4567:890a%eth0"),
    ("ipv6", "mapped ::ffff:192.0.2.128 ok", "::ffff:192.0.2.128"),
    ("ipv6", "net 2001:db8:abcd::/48 ok", "2001:db8:abcd::/48"),
    ("ssn", "ssn 078-05-1120 ok", "078-05-1120"),
    ("ssn", "SSN: 219099999", "219099999"),
    ("credit_card", "visa 4111 1111 1111 1111 ok", "4111 1111 1111 1111"),
    ("credit_card", "amex 3782-822463-10005 ok", "3782-822463-10005"),
    ("credit_card", "mc 5555555555554444 ok", "5555555555554444"),
    ("credit_card", "visa13 4222222222222 ok", "4222222222222"),
    ("iban", "IBAN DE89 3704 0044 0532 0130 00 EUR", "DE89 3704 0044 0532 0130 00"),
    ("iban", "iban=GB82WEST12345698765432", "GB82WEST12345698765432"),
    ("mac", "lease 00:1A:2B:3C:4D:5E ok", "00:1A:2B:3C:4D:5E"),
    ("mac", "lease a4-5e-60-c2-19-0b ok", "a4-5e-60-c2-19-0b"),
    ("mac", "lease 0011.2233.4455 ok", "0011.2233.4455"),
    ("aws_access_key", "id=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (
        "aws_secret_key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "jwt",
        "id_token=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
    ),
    ("bearer_token", "Authorization: Bearer abcDEF123456xyz", "abcDEF123456xyz"),
    ("basic_auth", "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "YWxhZGRpbjpvcGVuc2VzYW1l"),
    (
        "github_token",
        "GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    ("gitlab_token", "token glpat-abcdefghij0123456789 ok", "glpat-abcdefghij0123456789"),
    (
        "slack_token",
        "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    ("stripe_key", "key sk_live_4eC39HqLyjWDarjtT1zdp7dc ok", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    (
        "google_api_key",
        "k=AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ),
    (
        "npm_token",
        "//registry/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
    ),
    ("url_credentials", "db postgres://app:s3cr3t@db:5432/x", "s3cr3t"),
    (
        "private_key",
        "k -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oPNAbCdEf==\n"
        "-----END EC PRIVATE KEY----- ok",
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oPNAbCdEf==\n"
        "-----END EC PRIVATE KEY-----",
    ),
    ("secret_assignment", '{"password": "hunter2!", "user": "bob"}', "hunter2!"),
    ("secret_assignment", "DB_PASSWORD=s3cr3t-P4ss db_user=app", "s3cr3t-P4ss"),
    ("secret_assignment", "client_secret: 'abc123xyz'", "abc123xyz"),
    ("secret_assignment", "X-Api-Key: 4f9c2d8e1a7b", "4f9c2d8e1a7b"),
    ("secret_assignment", '{"pwd":"hunter2"}', "hunter2"),
    ("secret_assignment", 'msg="login \\"password\\":\\"pa55\\""', "pa55"),
]

NEGATIVES: list[str] = [
    "Order #12345 costs $99.99",
    "Order ID: 555-12",
    "ORD-555-0199 INV-555-1234 #555-0199x",
    "2024-01-15T10:23:45.123Z 2024-01-15 10:23:45,123 15/Jan/2024:10:23:45 +0000",
    "Jan 15 10:23:45 host sshd[12345]: took 1.532s (pid 48213) 00:01:23",
    "version 2.0.0.1 v1.2.3.4 Chrome/120.0.6099.109 nginx/1.25.3 app 1.2.3.4-beta",
    "uuid 550e8400-e29b-41d4-a716-446655440000 request 123e4567-e89b-12d3-a456-426614174000",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 md5 d41d8cd98f00b204e9800998ecf8427e",
    "bytes=2147483648 heap 4294967296 offset=1234567890 status=503 port 5432 listen :8080",
    "epoch 1705312345 ms 1705312345678 tid 139871234567",
    "not cards: 4111 1111 1111 1112, 1234567890123456, 7000000000000000",
    "invalid ssn 000-12-3456 666-12-3456 900-12-3456 123-00-4567",
    "bad IBAN DE89 3704 0044 0532 0130 01 and GB00WEST12345698765432",
    "not ips 256.1.1.1 1.2.3 1.2.3.4.5 OID 1.3.6.1.4.1 bind 0.0.0.0 loopback 127.0.0.1 ::1",
    "std::vector<int> Foo::bar() a::b at 10:23:45.123",
    "asset /img/logo@2x.png npm lodash@4.17.21 decorator @property git@github.com:org/repo",
    'WWW-Authenticate: Bearer realm="api" - missing Bearer token - Bearer authentication',
    "password=******** password=null bypass=true max_tokens=512 token_count=7 PWD=/home/app",
    "user agent/1.2.3.4 firmware version 2.0.0.1 and v10.1.1.1",
    "-----BEGIN OPENSSH PRIVATE KEY----- is logged above; ok",
    "tz +0000 offset +05:30 delta +1234, zip 94105-1234, range 2019-2024",
    "0x7ffd5e8c0a10 Foo.java:123 pod web-7d9f8b6c5-x2x9z",
    '"PUT / HTTP/1.1" 200 21456 "-" Gecko/20100101 Firefox/100.0 rv:123.0 (KHTML, like Gecko)',
    "took 5 12 ms; 12345 6789 12345678 9 in 1.25.3 and 10.4.1",
]


@pytest.mark.parametrize(("kind", "text", "value"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_each_kind_is_replaced_by_one_marker(kind: str, text: str, value: str) -> None:
    """The value, and only the value, becomes one typed marker."""
    result = TYPED.redact(text)
    assert result.text == text.replace(value, f"[REDACTED:{kind.upper()}]", 1)
    assert result.counts == {kind: 1}


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_survive_byte_for_byte(text: str) -> None:
    assert REDACTOR.redact(text) == Redaction(text, {})


def test_positive_examples_cover_every_kind() -> None:
    assert {kind for kind, _, _ in POSITIVES} == ALL_KINDS


def test_the_original_services_example() -> None:
    assert REDACTOR.redact("User 555-0199 accessed the system").text == (
        "User [REDACTED] accessed the system"
    )


def test_default_marker_is_untyped_and_counts_are_per_kind() -> None:
    result = REDACTOR.redact("a@example.com b@example.com 10.0.0.1")
    assert result.text == "[REDACTED] [REDACTED] [REDACTED]"
    assert result.counts == {"email": 2, "ipv4": 1}


def test_a_private_key_block_is_one_marker() -> None:
    key = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEpAIBAAKCAQEAx4B3J2Y4dc3RC0JkYw4CEldF6kCeXo7cMnQyDpBPm7Zc9s4x\n"
        "AbCdEfGh1234==\n-----END RSA PRIVATE KEY-----"
    )
    assert TYPED.redact(f"key {key} loaded").text == "key [REDACTED:PRIVATE_KEY] loaded"
    escaped = key.replace("\n", "\\n")
    assert TYPED.redact(f'{{"private_key": "{escaped}"}}').text == (
        '{"private_key": "[REDACTED:PRIVATE_KEY]"}'
    )


def test_a_truncated_private_key_is_redacted_up_to_where_the_key_material_ends() -> None:
    text = "-----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx4B3J2Y4dc3RC0JkYw4C\nnext line"
    assert REDACTOR.redact(text).text == "[REDACTED]\nnext line"


def test_overlapping_detections_fuse_into_one_marker_of_the_most_specific_kind() -> None:
    """`token=<jwt>` is found as an assignment and as a JWT: one marker, kind jwt."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz"
    result = TYPED.redact(f"token={jwt} next")
    assert result.text == "token=[REDACTED:JWT] next"
    assert result.counts == {"jwt": 1}


def test_only_selected_kinds_are_redacted() -> None:
    redactor = Redactor(kinds=["email"])
    assert redactor.redact("jane@example.com 10.0.0.1 555-0199").text == (
        "[REDACTED] 10.0.0.1 555-0199"
    )


def test_unknown_kinds_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="bogus"):
        Redactor(kinds=["email", "bogus"])


def test_redaction_is_a_frozen_value() -> None:
    result = REDACTOR.redact("x")
    with pytest.raises(AttributeError):
        result.text = "y"  # type: ignore[misc]

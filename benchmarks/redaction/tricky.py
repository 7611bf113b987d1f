"""Hand-written hard cases: boundary conditions, near misses and look-alikes.

Written with inline labels, `{{kind|value}}`, so a case reads like the log line it is. Cases
without labels must come out of redaction byte for byte.
"""

from __future__ import annotations

import re

from benchmarks.redaction.records import Record

_LABEL = re.compile(r"\{\{([a-z0-9_]+)\|(.*?)\}\}", re.DOTALL)

CASES: tuple[str, ...] = (
    # the original service's own examples
    "User {{phone|555-0199}} accessed the system",
    "Order #12345 costs $99.99",
    "Order ID: 555-12",
    "2024-01-15 10:23:45,123 [INFO] started in 1.532s (pid 48213)",
    "Reach me at {{email|jane.doe@example.com}} or {{phone|(555) 123-4567}}",
    "client {{ipv4|192.168.1.10}} ssn {{ssn|123-45-6789}} done",
    # phones
    "call {{phone|555-123-4567}}, {{phone|555.123.4567}} or {{phone|+1 555 123 4567}}",
    "toll free {{phone|1-800-555-0199}} fax {{phone|+44 20 7946 0958}}",
    "de: {{phone|+49 30 12345678}} fr: {{phone|+33 1 23 45 67 89}} uk: {{phone|020 7946 0958}}",
    "jp {{phone|+81 3-1234-5678}} in {{phone|+91 98765 43210}} br {{phone|+55 11 91234-5678}}",
    "E.164 {{phone|+442079460958}} and {{phone|+14155552671}} stored",
    '{"phone_number":"{{phone|4155552671}}","zip":"94105","zip4":"94105-1234"}',
    "tz +0000 offset +05:30 delta +1234 ms, ratio 555-12-1",
    "range 2019-2024, pages 12-18, score 3-1, version 2.10.4-rc1",
    "phone: {{phone|555 123 4567}} ext 12, fax {{phone|0044 20 7946 0958}}",
    "call {{phone|+1 (555) 123-4567}} or {{phone|+49 (0)30 12345678}}",
    # e-mail
    "from: {{email|ops+pager@alerts.eu.example.co.uk}} to {{email|X.Y_z-1@example.technology}}",
    "GET /unsubscribe?email={{email|bob.smith%40example.org}}&t=1 200",
    "asset /img/logo@2x.png and npm lodash@4.17.21, decorator @property, @channel",
    "git@github.com:org/repo.git cloned; mailto:{{email|help@example.io}}",
    # IPs and MACs
    "listen 0.0.0.0:8080 upstream {{ipv4|10.0.3.17}}:9000 via {{ipv4|172.16.0.0/12}}",
    "peer [{{ipv6|2001:db8::8a2e:370:7334}}]:8443 link {{ipv6|fe80::1ff:fe23:4567:890a%eth0}}",
    "loopback ::1 and 127.0.0.1 mapped {{ipv6|::ffff:192.0.2.128}} net {{ipv6|2001:db8:abcd::/48}}",
    "full {{ipv6|2001:0db8:85a3:0000:0000:8a2e:0370:7334}} ok",
    "std::vector<int> Foo::bar() at 10:23:45.123 then 12:30",
    "GET http://{{ipv4|10.0.0.1}}:8080/health 200, range {{ipv4|10.0.0.1-10.0.0.255}}",
    "padded {{ipv4|192.168.001.010}} allowed",
    "Chrome/120.0.6099.109 nginx/1.25.3 firmware version 2.0.0.1 app v1.2.3.4 OID 1.3.6.1.4.1",
    "not an ip: 256.1.1.1 or 1.2.3 or 1.2.3.4.5",
    "dhcp lease {{mac|00:1A:2B:3C:4D:5E}} / {{mac|a4-5e-60-c2-19-0b}} / {{mac|0011.2233.4455}}",
    # SSNs
    "ssn {{ssn|078-05-1120}} and invalid 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567",
    "SSN: {{ssn|219099999}} account 219099999x",
    # cards
    "visa {{credit_card|4111 1111 1111 1111}} amex {{credit_card|3782-822463-10005}}",
    "mc {{credit_card|5555555555554444}} discover {{credit_card|6011-1111-1111-1117}}",
    "not cards: 4111 1111 1111 1112, 1234567890123456, ts 1705312345678, id 7000000000000000",
    # IBANs
    "IBAN {{iban|DE89 3704 0044 0532 0130 00}} or {{iban|GB82WEST12345698765432}} EUR",
    "bad IBAN DE89 3704 0044 0532 0130 01 and GB00WEST12345698765432",
    # secrets
    "Authorization: Bearer {{bearer_token|eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz}}",
    'WWW-Authenticate: Bearer realm="api", error="invalid_token"',
    "id_token={{jwt|eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl}}",
    "aws_access_key_id={{aws_access_key|AKIAIOSFODNN7EXAMPLE}}",
    "aws_secret_access_key = {{aws_secret_key|wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}}",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 merged",
    "GITHUB_TOKEN={{github_token|ghp_16C7e42F292c6912E7710c838347Ae178B4a}}",
    "slack {{slack_token|xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx}}",
    "hook https://hooks.slack.com/services/{{slack_token|T0ABC1234/B0DEF5678/abcdefghijklmnopqrstuvwx}}",
    "stripe {{stripe_key|sk_live_4eC39HqLyjWDarjtT1zdp7dc}} test {{stripe_key|sk_test_26PHem9AhJZvU623DfE1x4sd}}",
    '{"password": "{{secret_assignment|hunter2!}}", "user": "bob", "remember": true}',
    "DB_PASSWORD={{secret_assignment|s3cr3t-P4ss}} db_user=app client_secret: '{{secret_assignment|abc123xyz}}'",
    '{"pwd":"{{secret_assignment|hunter2}}"} PWD=/home/app OLDPWD=/tmp',
    "X-Api-Key: {{secret_assignment|4f9c2d8e1a7b}} X-Request-Id: 77",
    "password=******** password=null bypass=true max_tokens=512 token_count=7",
    "redis://:{{url_credentials|Sup3rSecret}}@cache:6379/0 and https://example.com:8443/path",
    "auth header: Basic {{basic_auth|YWxhZGRpbjpvcGVuc2VzYW1l}}",
    "-----BEGIN OPENSSH PRIVATE KEY----- is logged above; ok",
    # look-alikes that must survive
    "uuid 550e8400-e29b-41d4-a716-446655440000 sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "md5 d41d8cd98f00b204e9800998ecf8427e bytes=2147483648 took 1234ms status=503 port 5432",
    "epoch 1705312345 at 2024-01-15T10:23:45.123456+00:00 pid=4242 tid 139871234567",
    "memory 0x7ffd5e8c0a10 line Foo.java:123 thread-12 heap 4294967296",
    "k8s pod web-7d9f8b6c5-x2x9z restarted 3 times in 00:01:23; zip 94105-1234",
)


def parse(case: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """Turn `{{kind|value}}` labels into plain text and spans."""
    text_parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    size = 0
    position = 0
    for match in _LABEL.finditer(case):
        before = case[position : match.start()]
        text_parts.append(before)
        size += len(before)
        kind, value = match.group(1), match.group(2)
        spans.append((size, size + len(value), kind))
        text_parts.append(value)
        size += len(value)
        position = match.end()
    text_parts.append(case[position:])
    return "".join(text_parts), tuple(spans)


def tricky_records() -> list[Record]:
    """The cases above as labelled records."""
    return [Record(*parse(case), source="tricky") for case in CASES]

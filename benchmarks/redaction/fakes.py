"""Seeded generators of realistic sensitive values and of the harmless look-alikes found in logs.

Every generator draws from the `random.Random` it is given, so a corpus is a pure function of
its seed. Values are valid where a check exists (Luhn, mod-97, SSN ranges, NANP), because the
benchmark must reward validation, not punish it.
"""

from __future__ import annotations

import base64
import json
import random
import string

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64 = string.ascii_letters + string.digits + "+/"
HEX = "0123456789abcdef"

FIRST = ["john", "jane", "maria", "wei", "olga", "ahmed", "lucas", "priya", "kenji", "fatima",
         "noah", "emma", "liam", "sofia", "chen", "ivan", "amara", "diego", "yuki", "omar"]  # fmt: skip
LAST = ["smith", "doe", "garcia", "zhang", "ivanova", "hassan", "martin", "patel", "tanaka",
        "okafor", "muller", "rossi", "kim", "novak", "silva", "nguyen", "kowalski", "brown"]  # fmt: skip
DOMAINS = ["example.com", "mail.example.co.uk", "corp.example.org", "eu.mail.example.io",
           "example.technology", "example.photography", "sub.dept.example.net", "example.de",
           "example.international", "example.com.au"]  # fmt: skip


def rand(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def digits(rng: random.Random, size: int) -> str:
    return rand(rng, string.digits, size)


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first}+{rng.choice(['alerts', 'billing', 'test', 'x7'])}",
            f"{first[0]}{last}{rng.randint(1, 99)}",
            f"{first}_{last}",
            f"{first}-{last}",
            f"{first.capitalize()}.{last.capitalize()}",
        ]
    )
    return f"{local}@{rng.choice(DOMAINS)}"


def _nanp(rng: random.Random) -> tuple[str, str, str]:
    area = str(rng.randint(2, 9)) + str(rng.randint(0, 8)) + str(rng.randint(0, 9))
    if area[1:] == "11":
        area = area[0] + "12"
    exchange = str(rng.randint(2, 9)) + digits(rng, 2)
    return area, exchange, digits(rng, 4)


def phone(rng: random.Random) -> str:
    """A phone number in one of the layouts people and systems actually write."""
    a, e, s = _nanp(rng)
    layouts = [
        lambda: f"555-01{digits(rng, 2)}",
        lambda: f"{a}-{e}-{s}",
        lambda: f"({a}) {e}-{s}",
        lambda: f"{a}.{e}.{s}",
        lambda: f"+1 {a} {e} {s}",
        lambda: f"+1-{a}-{e}-{s}",
        lambda: f"1-800-{e}-{s}",
        lambda: f"{e}-{s}",
        lambda: f"+44 20 7946 {digits(rng, 4)}",
        lambda: f"+44 7700 900{digits(rng, 3)}",
        lambda: f"+49 30 {digits(rng, 8)}",
        lambda: f"+33 1 {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)}",
        lambda: f"+91 98{digits(rng, 3)} {digits(rng, 5)}",
        lambda: f"+81 3-{digits(rng, 4)}-{digits(rng, 4)}",
        lambda: f"+61 2 9{digits(rng, 3)} {digits(rng, 4)}",
        lambda: f"+55 11 9{digits(rng, 4)}-{digits(rng, 4)}",
        lambda: f"+86 138 {digits(rng, 4)} {digits(rng, 4)}",
        lambda: f"+4420794{digits(rng, 5)}",
        lambda: f"+4915{digits(rng, 9)}",
        lambda: f"020 7946 {digits(rng, 4)}",
        lambda: f"07700 900{digits(rng, 3)}",
        lambda: f"01 {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)}",
        lambda: f"030 {digits(rng, 8)}",
        lambda: f"0044 20 7946 {digits(rng, 4)}",
        lambda: f"+49 (0)30 {digits(rng, 8)}",
        lambda: f"+44-20-7946-{digits(rng, 4)}",
    ]
    return rng.choice(layouts)()


def bare_phone(rng: random.Random) -> str:
    a, e, s = _nanp(rng)
    return a + e + s


def ipv4(rng: random.Random) -> str:
    first = rng.choice([10, 172, 192, 203, 198, 54, 35, 81, 100, 8])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    return rng.choice(
        [
            ":".join(groups),
            ":".join(f"{int(g, 16):04x}" for g in groups),
            f"2001:db8::{groups[0]}:{groups[1]}",
            f"fe80::{groups[2]}:{groups[3]}:{groups[4]}:{groups[5]}%eth0",
            f"2001:db8:{groups[1]}::/48",
            f"::ffff:{ipv4(rng)}",
            f"2a00:1450:4001:{groups[3]}::{groups[6]}",
            f"fd00::{groups[7]}",
            f"{groups[0]}:{groups[1]}::{groups[2]}".upper(),
        ]
    )


def ssn(rng: random.Random, separator: str = "-") -> str:
    area = rng.randint(1, 899)
    if area == 666:
        area = 665
    return f"{area:03d}{separator}{rng.randint(1, 99):02d}{separator}{rng.randint(1, 9999):04d}"


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + digits(rng, length - len(prefix) - 1)
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    network = rng.choice(["visa", "visa", "mc", "mc2", "amex", "discover", "jcb", "diners"])
    prefix, length = {
        "visa": ("4", 16),
        "mc": (str(rng.randint(51, 55)), 16),
        "mc2": (str(rng.randint(2221, 2720)), 16),
        "amex": (rng.choice(["34", "37"]), 15),
        "discover": ("6011", 16),
        "jcb": (str(rng.randint(3528, 3589)), 16),
        "diners": ("36", 14),
    }[network]
    number = luhn_complete(prefix, length, rng)
    style = rng.choice(["plain", "space", "dash"])
    if style == "plain":
        return number
    sep = " " if style == "space" else "-"
    if length in (15, 14):
        return sep.join([number[:4], number[4:10], number[10:]])
    return sep.join(number[i : i + 4] for i in range(0, length, 4))


def bad_luhn(rng: random.Random) -> str:
    """A 16-digit reference number that is not a card (fails Luhn)."""
    number = luhn_complete("4", 16, rng)
    return number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)


IBAN_FORMATS = {"DE": "8n10n", "GB": "4a14n", "FR": "10n11c2n", "NL": "4a10n", "ES": "20n",
                "IT": "1a10n12c", "CH": "5n12c", "BE": "12n", "PL": "24n", "AT": "16n"}  # fmt: skip


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(IBAN_FORMATS))
    bban = ""
    spec = IBAN_FORMATS[country]
    count = ""
    for char in spec:
        if char.isdigit():
            count += char
            continue
        alphabet = {"n": string.digits, "a": string.ascii_uppercase, "c": UPPER_DIGITS}[char]
        bban += rand(rng, alphabet, int(count))
        count = ""
    rearranged = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mac(rng: random.Random) -> str:
    octets = [f"{rng.randint(0, 255):02x}" for _ in range(6)]
    style = rng.choice(["colon", "colon_upper", "dash", "dotted"])
    if style == "colon":
        return ":".join(octets)
    if style == "colon_upper":
        return ":".join(octets).upper()
    if style == "dash":
        return "-".join(octets).upper()
    joined = "".join(octets)
    return ".".join(joined[i : i + 4] for i in range(0, 12, 4))


def aws_access_key(rng: random.Random) -> str:
    return rng.choice(["AKIA", "ASIA"]) + rand(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def mixed(rng: random.Random, alphabet: str, size: int) -> str:
    """Random token guaranteed to hold upper, lower case and digits, as generated secrets do."""
    while True:
        token = rand(rng, alphabet, size)
        if (
            any(c.isupper() for c in token)
            and any(c.islower() for c in token)
            and any(c.isdigit() for c in token)
        ):
            return token


def aws_secret_key(rng: random.Random) -> str:
    return mixed(rng, B64, 40)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {"sub": digits(rng, 10), "iat": 1700000000 + rng.randint(0, 10**7),
               "scope": rng.choice(["read", "read write", "admin"])}  # fmt: skip
    signature = rand(rng, ALNUM + "-_", 43)
    return ".".join(
        [b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), signature]
    )


def opaque_token(rng: random.Random) -> str:
    return mixed(rng, ALNUM, rng.randint(8, 20)) + rand(rng, ALNUM + "-._~", rng.randint(12, 40))


def basic_credentials(rng: random.Random) -> str:
    user = rng.choice(FIRST)
    return base64.b64encode(f"{user}:{password(rng)}".encode()).decode()


def password(rng: random.Random) -> str:
    return mixed(rng, ALNUM + "!#$%^*-_+~", rng.randint(8, 20))


def private_key(rng: random.Random, newline: str = "\n") -> str:
    kind = rng.choice(["RSA ", "EC ", "", "OPENSSH "])
    lines = [rand(rng, B64, 64) for _ in range(rng.randint(2, 5))]
    lines.append(rand(rng, B64, rng.randint(8, 60)) + "==")
    body = newline.join(lines)
    return (
        f"-----BEGIN {kind}PRIVATE KEY-----{newline}{body}{newline}-----END {kind}PRIVATE KEY-----"
    )


def github_token(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "github_pat_" + rand(rng, ALNUM, 22) + "_" + rand(rng, ALNUM, 59)
    return "gh" + rng.choice("pousr") + "_" + rand(rng, ALNUM, 36)


def gitlab_token(rng: random.Random) -> str:
    return "glpat-" + rand(rng, ALNUM + "-_", 20)


def slack_token(rng: random.Random) -> str:
    return f"xox{rng.choice('bpa')}-{digits(rng, 12)}-{digits(rng, 13)}-{rand(rng, ALNUM, 24)}"


def stripe_key(rng: random.Random) -> str:
    return rng.choice(["sk_live_", "sk_test_", "rk_live_"]) + rand(rng, ALNUM, 24)


def google_api_key(rng: random.Random) -> str:
    return "AIza" + rand(rng, ALNUM + "-_", 35)


def npm_token(rng: random.Random) -> str:
    return "npm_" + rand(rng, ALNUM, 36)


# --- look-alikes: things that must survive redaction untouched ---------------------------------


def iso_ts(rng: random.Random) -> str:
    return (
        f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    )


def clf_ts(rng: random.Random) -> str:
    month = rng.choice(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"])
    return (
        f"{rng.randint(1, 28):02d}/{month}/2024:{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} +0000"
    )


def syslog_ts(rng: random.Random) -> str:
    month = rng.choice(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"])
    return f"{month} {rng.randint(1, 28):2d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def uuid(rng: random.Random) -> str:
    h = rand(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def sha256(rng: random.Random) -> str:
    return rand(rng, HEX, 64)


def sha1(rng: random.Random) -> str:
    return rand(rng, HEX, 40)


def version(rng: random.Random) -> str:
    return f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 200)}"


def four_part_version(rng: random.Random) -> str:
    return f"{rng.randint(1, 10)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 99)}"


def user_agent(rng: random.Random) -> str:
    chrome = f"{rng.randint(100, 125)}.0.{rng.randint(1000, 6999)}.{rng.randint(10, 250)}"
    return rng.choice(
        [
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{chrome} Safari/537.36",
            f"Mozilla/5.0 (X11; Linux x86_64; rv:{rng.randint(100, 125)}.0) Gecko/20100101 "
            f"Firefox/{rng.randint(100, 125)}.0",
            f"curl/8.{rng.randint(0, 9)}.{rng.randint(0, 3)}",
            f"python-requests/2.{rng.randint(20, 32)}.{rng.randint(0, 3)}",
            "Go-http-client/1.1",
        ]
    )


def order_ref(rng: random.Random) -> str:
    return rng.choice(
        [
            f"#{rng.randint(10000, 99999)}",
            f"ORD-2024-{rng.randint(0, 999999):06d}",
            f"INV-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            f"{rng.randint(100, 999)}-{rng.randint(10, 99)}",
            f"PO{rng.randint(1000000, 9999999)}",
        ]
    )


def byte_count(rng: random.Random) -> str:
    return str(
        rng.choice([rng.randint(0, 99999), rng.randint(10**6, 10**9), 2147483648, 4294967296])
    )

"""Secrets: vendor tokens, JWTs, authorization headers, private keys, URL passwords, AWS keys.

All but one are part of the sweep (see `detectors.HEADS`). AWS secret keys have no prefix of
their own, so they get a small pass that runs only on lines mentioning AWS or a secret.
"""

from __future__ import annotations

from memory_machines.redaction import validators as v
from memory_machines.redaction.detectors import LETTER, PUNCT, SKIP, Check, Detector, Pass

_WORD_END = r"(?![A-Za-z0-9_])"
_RUN_END = r"(?![A-Za-z0-9_\-])"
_B64URL = r"[A-Za-z0-9_\-]"


def _check_jwt(text: str, start: int, end: int) -> int:
    return end if v.jwt_header_ok(text[start:end]) else SKIP


def _check_bearer(text: str, start: int, end: int) -> int:
    """A bearer credential: long enough, and not an English word (`Bearer authentication`)."""
    token = text[start:end]
    if len(token) < 8:
        return SKIP
    if any(char.isdigit() or char in "._-~+/=" for char in token):
        return end
    mixed_case = any(c.isupper() for c in token) and any(c.islower() for c in token)
    return end if len(token) >= 16 and mixed_case else SKIP


def _check_basic(text: str, start: int, end: int) -> int:
    return end if v.basic_credentials_ok(text[start:end]) else SKIP


def _check_value(text: str, start: int, end: int) -> int:
    return end if v.secret_value_ok(text[start:end]) else SKIP


# After the BEGIN line: optional header lines (`Proc-Type: ...`), then lines of base64, with real
# or JSON-escaped (`\\n`) line breaks. The block ends where base64 ends, so a key cut off before
# its END line is still redacted, and a bare BEGIN line (no key material) is not.
_NEWLINE = r"(?:\\r)?(?:\\n|\r?\n)"
_B64_LINE_END = r"(?=[ \t]*(?:" + _NEWLINE + r"|-----|[\"'\\]|\Z))"
_BLANK_LINE_BREAK = r"(?:[ \t]*" + _NEWLINE + ")"
_PEM_BODY = "".join(
    [
        _BLANK_LINE_BREAK + "+",
        r"(?:[A-Za-z][A-Za-z\-]*: [^\n\\]*" + _NEWLINE + ")*",  # Proc-Type:, DEK-Info: headers
        _BLANK_LINE_BREAK + "*",
        r"[A-Za-z0-9+/]{16}[A-Za-z0-9+/=]*" + _B64_LINE_END,  # first line of key material
        "(?:" + _BLANK_LINE_BREAK + r"[A-Za-z0-9+/=]+" + _B64_LINE_END + ")*",  # the others
    ]
)
_PEM_END = "(?:" + _BLANK_LINE_BREAK + r"*-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?"
_BEARER = r"[ \t]+(?P<@_v>[A-Za-z0-9\-._~+/]+=*)(?![A-Za-z0-9\-._~+/=])"
_BASIC = r"[ \t]+(?P<@_v>[A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])"


def _schemes(name: str, kind: str, word: str, value: str, check: Check) -> tuple[Detector, ...]:
    """`Bearer`, `bearer` and `BEARER`: the scheme is case-blind and logs use all three."""
    title, upper = word[1:], word[1:].upper()
    return (
        Detector(
            f"{name}_mixed",
            kind,
            f"{title}(?<=[{word[0].upper()}{word[0]}]{title})" + value,
            check,
            (LETTER,),
        ),
        Detector(f"{name}_upper", kind, f"{upper}(?<={word.upper()})" + value, check, (LETTER,)),
    )


# Bodies start after their head letter; the look-behind after the next few characters confirms
# that head (see `detectors.HEADS`).
TOKENS: tuple[Detector, ...] = (
    Detector(
        "private_key",
        "private_key",
        r"-(?<=--)---BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----" + _PEM_BODY + _PEM_END,
        None,
        (PUNCT,),
    ),
    Detector(
        "jwt",
        "jwt",
        "yJ(?<=eyJ)" + _B64URL + r"{4,}\." + _B64URL + r"{4,}\." + _B64URL + "*" + _RUN_END,
        _check_jwt,
        (LETTER,),
    ),
    Detector(
        "aws_access_key",
        "aws_access_key",
        r"[KSGIRNBC][IPDOVC]A(?<=AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}"
        + _WORD_END,
        None,
        (LETTER,),
    ),
    Detector(
        "google_api_key",
        "google_api_key",
        r"Iza(?<=AIza)[0-9A-Za-z_\-]{35}" + _RUN_END,
        None,
        (LETTER,),
    ),
    Detector(
        "github_token",
        "github_token",
        r"h[pousr]_(?<=gh._)[A-Za-z0-9]{36,251}" + _WORD_END,
        None,
        (LETTER,),
    ),
    Detector(
        "github_pat",
        "github_token",
        r"ithub_pat_(?<=github_pat_)[A-Za-z0-9_]{22,255}" + _WORD_END,
        None,
        (LETTER,),
    ),
    Detector(
        "gitlab_token",
        "gitlab_token",
        r"l(?<=gl)(?:pat|dt|ptt|rt)-[A-Za-z0-9_\-]{20,}" + _RUN_END,
        None,
        (LETTER,),
    ),
    Detector(
        "slack_token",
        "slack_token",
        r"ox[abposr]-(?<=xox.-)[A-Za-z0-9\-]{10,}" + _RUN_END,
        None,
        (LETTER,),
    ),
    Detector(
        "slack_app",
        "slack_token",
        r"app-(?<=xapp-)[0-9]-[A-Za-z0-9\-]{10,}" + _RUN_END,
        None,
        (LETTER,),
    ),
    Detector(
        "slack_webhook",
        "slack_token",
        r"ooks\.slack\.com/services/(?<=hooks\.slack\.com/services/)"
        r"(?P<@_v>T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+)" + _WORD_END,
        None,
        (LETTER,),
    ),
    Detector(
        "stripe_key",
        "stripe_key",
        r"k_(?<=[sr]k_)(?:live|test)_[A-Za-z0-9]{10,247}" + _WORD_END,
        None,
        (LETTER,),
    ),
    Detector(
        "stripe_webhook",
        "stripe_key",
        r"hsec_(?<=whsec_)[A-Za-z0-9]{20,}" + _WORD_END,
        None,
        (LETTER,),
    ),
    Detector("npm_token", "npm_token", r"pm_(?<=npm_)[A-Za-z0-9]{36}" + _WORD_END, None, (LETTER,)),
    *_schemes("bearer", "bearer_token", "bearer", _BEARER, _check_bearer),
    *_schemes("basic", "basic_auth", "basic", _BASIC, _check_basic),
    Detector(
        "url_credentials",  # scheme://user:password@host; the boundary is the `:`
        "url_credentials",
        r"/(?<=//)[^\s:/@\"'<>]*:(?P<@_v>[^\s/@\"'<>]+)@",
        _check_value,
        (PUNCT,),
    ),
)


# --- AWS secret access keys: 40 random base64 characters, sought only on lines that mention
# `aws` or `secret` (any case): alone they cannot be told from other random strings.


def _check_aws_secret(text: str, start: int, end: int) -> int:
    return end if v.mixed_token_ok(text[start:end]) else SKIP


AWS_SECRET = Pass(
    name="aws_secret",
    skip=1,
    detectors=(
        Detector(
            "aws_secret_key",
            "aws_secret_key",
            r"[^A-Za-z0-9/+._\-](?P<@_v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=._\-])",
            _check_aws_secret,
        ),
    ),
)

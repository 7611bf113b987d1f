"""E-mail addresses, found from their `@` outwards.

Scanning every word for a local part is the expensive way; an `@` is rare in logs, so the text
is searched for `@` (and its URL-encoded form `%40`) in C, and only around each one do we look
backwards for where the local part starts, then match the whole address forwards once.
"""

from __future__ import annotations

import re

_LOCAL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-"

# Asset names such as `logo@2x.png` have the shape of an address; these endings are what
# static files are called, not mail domains. `git@github.com:org/repo` is a login, not an
# address: a `:` glued to a path follows it.
_FILE_ENDINGS = (
    "png|jpe?g|gif|svg|webp|ico|css|js|map|json|html?|txt|log|gz|zip|pdf|xml|woff2?|ttf|mp4|webm"
)


def _any_case(pattern: str) -> str:
    """`pattern` with each ASCII letter `x` written `[xX]`.

    Not `re.IGNORECASE`: it slows every step of a match, and the engine then tries each ending
    in turn instead of rejecting most of them by their first character.
    """
    return re.sub("[a-z]", lambda letter: f"[{letter[0]}{letter[0].upper()}]", pattern)


_ADDRESS = {
    separator: re.compile(
        r"[A-Za-z0-9_+\-](?:[A-Za-z0-9._+\-]*[A-Za-z0-9_+\-])?" + separator
        + r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
        r"(?!(?:" + _any_case(_FILE_ENDINGS) + r")(?![A-Za-z0-9\-]))[A-Za-z]{2,24}"
        r"(?![A-Za-z0-9\-]|:[^\s])"
    )
    for separator in ("@", "%40")
}  # fmt: skip


def _local_start(text: str, at: int) -> int:
    """Return where the local part ending just before `at` begins (== `at` when there is none).

    A local part has at most 64 characters: the run of local-part characters that ends the 64
    before `at`, found by stripping them from the right.
    """
    window = text[max(0, at - 64) : at]
    return at - len(window) + len(window.rstrip(_LOCAL_CHARS))


def _in_url_authority(text: str, start: int, at: int) -> bool:
    """Return True for `scheme://user:password@host`: that is credentials, not an address."""
    if start < 3 or text[start - 1] not in ":/":
        return False  # the user part of a URL follows `://` or `user:`
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    scheme = text.rfind("://", token_start, at)
    return scheme >= 0 and "/" not in text[scheme + 3 : at] and "?" not in text[scheme + 3 : at]


def _scan(text: str, separator: str, out: list[tuple[int, int, str]]) -> None:
    address = _ADDRESS[separator].match
    at = text.find(separator)
    while at >= 0:
        start = _local_start(text, at)
        while start < at and text[start] in ".-+":
            start += 1  # a local part does not begin with punctuation
        found = address(text, start) if start < at else None
        if (
            found is not None
            and ".." not in text[start:at]
            and not _in_url_authority(text, start, at)
        ):
            out.append((start, found.end(), "email"))
            at = text.find(separator, found.end())
        else:
            at = text.find(separator, at + 1)


def find_emails(text: str, out: list[tuple[int, int, str]]) -> None:
    """Append to `out` the spans of e-mail addresses in `text` (`@` or URL-encoded `%40`).

    Most texts have neither: a one-character test (`memchr`) costs a fraction of a substring
    search, so `%40` is only searched for where a `%` occurs.
    """
    if "@" in text:
        _scan(text, "@", out)
    if "%" in text and "%40" in text:
        _scan(text, "%40", out)

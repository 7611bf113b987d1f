"""Values of keys that name a secret: `password=...`, `"api_key": "..."`, `X-Auth-Token: ...`.

Every such key contains one of five words (`pass`, `pwd`, `secret`, `token`, `key`). Those
words are found in the lower-cased text with plain substring search (C speed, and most texts
contain none); only where one occurs is the key read with a small anchored regex, then its
value.
"""

from __future__ import annotations

import re

from memory_machines.redaction import validators as v

_SEPARATOR = r"\\?[\"']?[ \t]*(?:=>|[:=])"

# For each word: the key names it starts, anchored where the word occurs in the lower-cased
# text. Long names may end any identifier (`db_password`, `userToken`, `x-api-key`); `pass` must
# start one, so `bypass=true` is not a secret. The name
# must be followed directly by the separator: `max_tokens=5` and `password_reset=1` never match.
_KEYS: dict[str, re.Pattern[str]] = {
    "pass": re.compile(r"pass(?:word|wd|phrase|(?<![a-z]....))" + _SEPARATOR),
    "pwd": re.compile(r"pwd(?<![a-z]...)" + _SEPARATOR),
    "secret": re.compile(r"secret(?:[_\-]?key)?" + _SEPARATOR),
    "token": re.compile(r"token" + _SEPARATOR),
    "key": re.compile(r"key" + _SEPARATOR),
}
# `key` alone is far too common (`cache key=...`); it names a secret after one of these.
_KEY_QUALIFIERS = (
    "api", "api_", "api-", "access", "access_", "access-", "private", "private_", "private-",
    "secret_", "secret-", "signing_", "encryption_", "master_", "client_",
)  # fmt: skip

_VALUE = re.compile(
    r"[ \t]*(?:"
    r"\\\"(?P<v1>[^\"\\\r\n]*)\\\""  # \"escaped\" inside a JSON string
    r"|\"(?P<v2>[^\"\\\r\n]*+(?:\\.[^\"\\\r\n]*+)*+)\""  # runs, not one step a character
    r"|'(?P<v3>[^'\r\n]*)'"
    r"|(?P<v4>[^\s\"'&,;)}\]<>\\]+))"
)


def may_assign(lowered: str, mentions_secret: bool) -> bool:
    """Return True when lower-cased text contains one of the five words (`secret` known already).

    Most texts contain none. A one-character test (`memchr`) costs a fifth of a substring
    search, so `key` and `token` are only searched for where a `k` occurs, `pwd` where a `w`
    does.
    """
    return (
        mentions_secret
        or "pass" in lowered
        or ("k" in lowered and ("key" in lowered or "token" in lowered))
        or ("w" in lowered and "pwd" in lowered)
    )


def find_assignments(text: str, lowered: str, out: list[tuple[int, int, str]]) -> None:
    """Append to `out` the spans of secret values assigned to secret-naming keys in `text`.

    `lowered` is `text` with its ASCII letters lower-cased and the same length. Callers skip
    texts for which `may_assign` is False: they have none.
    """
    for word, key in _KEYS.items():
        at = lowered.find(word)
        while at >= 0:
            if word != "key" or lowered[max(0, at - 12) : at].endswith(_KEY_QUALIFIERS):
                named = key.match(lowered, at)
                if named is not None:
                    value = _VALUE.match(text, named.end())
                    if value is not None:
                        start, end = value.span(value.lastgroup)  # type: ignore[arg-type]
                        value_text = text[start:end]
                        # the shell's `PWD=/home/app` is a directory, not a password
                        if v.secret_value_ok(value_text) and not (
                            word == "pwd" and value_text.startswith(("/", "~/"))
                        ):
                            out.append((start, end, "secret_assignment"))
            at = lowered.find(word, at + 1)

"""Turning raw request bytes into text: content types, gzip, charsets, all bounded."""

from __future__ import annotations

import codecs
import functools
import zlib

from memory_machines.errors import InvalidBody, PayloadTooLarge, UnsupportedContentType

JSON = "application/json"
TEXT = "text/plain"
NDJSON = "application/x-ndjson"
_NDJSON_ALIASES = {
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
}


def media_type(content_type: bytes | None) -> tuple[str, str | None]:
    """Return (media type, charset) of a raw header value or raise UNSUPPORTED_CONTENT_TYPE."""
    if not content_type:
        raise UnsupportedContentType("Content-Type is required")
    return _parse_media_type(content_type)


@functools.lru_cache(maxsize=256)
def _parse_media_type(content_type: bytes) -> tuple[str, str | None]:
    """Cached: clients send the same few header values millions of times (errors never cache)."""
    mime, _, params = content_type.decode("latin-1").partition(";")
    mime = mime.strip().lower()
    if mime in _NDJSON_ALIASES:
        mime = NDJSON
    if mime not in (JSON, TEXT, NDJSON):
        raise UnsupportedContentType(
            f"Content-Type {mime!r} is not supported; use {JSON}, {TEXT} or {NDJSON}"
        )
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower() or None
    if charset is not None:
        try:
            codecs.lookup(charset)
        except (LookupError, ValueError) as exc:  # ValueError: an embedded NUL
            raise UnsupportedContentType(f"charset {charset!r} is not supported") from exc
    return mime, charset


def decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """Undo Content-Encoding, refusing output past ``max_bytes`` (a gzip bomb stays small)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("identity", ""):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise UnsupportedContentType(f"Content-Encoding {encoding!r} is not supported; use gzip")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidBody("body is not valid gzip") from exc
    if len(out) > max_bytes:
        raise PayloadTooLarge(f"decompressed body is larger than {max_bytes} bytes")
    if not inflater.eof:
        raise InvalidBody("gzip body is truncated")
    return out


def decode_text(body: bytes, charset: str | None) -> str:
    try:
        text = body.decode(charset or "utf-8")
        if charset not in (None, "utf-8", "utf8"):
            text.encode("utf-8")  # utf-7, unicode_escape, ... can yield lone surrogates
    except UnicodeError as exc:  # also the bare UnicodeError some codecs (idna) raise
        raise InvalidBody(f"body is not valid {charset or 'utf-8'}") from exc
    except LookupError as exc:  # a bytes-to-bytes codec such as base64 or rot13
        raise UnsupportedContentType(f"charset {charset!r} is not a text encoding") from exc
    return text

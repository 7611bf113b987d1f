"""The request bodies every stage sends, built the same way by Python and by the wrk scripts.

The text is a realistic ~200-character log line with a few kinds of PII, so the worker's
redaction does representative work. It contains no quote or backslash: the wrk scripts splice it
into JSON verbatim.
"""

from __future__ import annotations

TENANT = "bench"
_LINE = (
    "2024-05-01T12:00:00.123Z INFO auth-service login ok user=jane.doe@example.com "
    "ip=192.168.10.24 phone=555-0199 card=4111 1111 1111 1111 session=7f3a9c "
)


def log_text(chars: int = 200) -> str:
    """A log line of exactly ``chars`` characters (the sample line, repeated or cut)."""
    return (_LINE * (chars // len(_LINE) + 1))[:chars]


def json_record(run_id: str, n: int, text: str, tenant: str = TENANT) -> bytes:
    return f'{{"tenant_id":"{tenant}","log_id":"{run_id}-{n}","text":"{text}"}}'.encode()


def ndjson_batch(run_id: str, first: int, size: int, text: str, tenant: str = TENANT) -> bytes:
    return b"\n".join(json_record(run_id, n, text, tenant) for n in range(first, first + size))


def http_post(body: bytes, content_type: str, path: str = "/ingest") -> bytes:
    """A complete HTTP/1.1 keep-alive request, ready to write to a socket."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body

"""The one place where errors become HTTP statuses and the contract's error codes."""

from __future__ import annotations

import math

from memory_machines import errors as e

_STATUS: dict[type[e.MemoryMachinesError], int] = {
    e.ValidationError: 400,
    e.InvalidJson: 400,
    e.InvalidBody: 400,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.MethodNotAllowed: 405,
    e.PayloadTooLarge: 413,
    e.UnsupportedContentType: 415,
    e.RateLimited: 429,
    e.TransientError: 503,
    e.ProcessingFailed: 500,
}


def status_for(error: e.MemoryMachinesError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


def retry_after_header(error: e.MemoryMachinesError) -> list[tuple[bytes, bytes]]:
    """429 and 503 always tell the client when to come back."""
    status = status_for(error)
    if status not in (429, 503):
        return []
    seconds = error.retry_after_s if error.retry_after_s is not None else 1.0
    return [(b"retry-after", str(max(1, math.ceil(seconds))).encode())]

"""Translate Google client errors into the product's exception tree, in one place.

Every Google Cloud adapter wraps its vendor calls in ``vendor_errors(...)``, so that no
``google.api_core`` or ``google.auth`` exception escapes an adapter (the HTTP layer and the worker
only know ``memory_machines.errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from memory_machines.errors import TransientError
from memory_machines.gcp import missing_gcp

try:
    from google.api_core import exceptions as api_exceptions
    from google.auth import exceptions as auth_exceptions
    from google.cloud.pubsub_v1.publisher import exceptions as publish_exceptions
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("The Google Cloud adapters") from exc

# Errors a Google client raises when the service is unreachable, slow, misconfigured or refuses
# the call. Deadline overruns surface as the builtin TimeoutError (concurrent.futures included).
VENDOR_ERRORS: tuple[type[BaseException], ...] = (
    api_exceptions.GoogleAPIError,
    auth_exceptions.GoogleAuthError,
    publish_exceptions.MessageTooLargeError,
    publish_exceptions.FlowControlLimitError,
    TimeoutError,
    OSError,
)


@contextmanager
def vendor_errors(error_type: type[TransientError], action: str) -> Iterator[None]:
    """Re-raise any Google client error inside the block as ``error_type`` (with its cause)."""
    try:
        yield
    except VENDOR_ERRORS as exc:
        detail = str(exc) or type(exc).__name__
        raise error_type(f"{action} failed: {detail}") from exc


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, api_exceptions.NotFound)


def is_already_exists(exc: BaseException) -> bool:
    return isinstance(exc, api_exceptions.AlreadyExists)

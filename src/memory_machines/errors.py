"""One exception tree for the whole product.

Adapters translate vendor errors into these at their boundary (``raise ... from exc``);
the HTTP layer maps them to the contract's error codes in one place (``api/errors.py``)::

    MemoryMachinesError
    ├── TransientError              retry may succeed (worker retries, API answers 503)
    │   ├── QueueUnavailable        the queue cannot durably take or hand out messages
    │   └── StoreUnavailable        the store cannot read or write documents
    └── PermanentError              retrying the same input will fail the same way
        ├── ValidationError         VALIDATION_ERROR
        ├── InvalidJson             INVALID_JSON
        ├── InvalidBody             INVALID_BODY (corrupt gzip, invalid UTF-8)
        ├── UnsupportedContentType  UNSUPPORTED_CONTENT_TYPE
        ├── PayloadTooLarge         PAYLOAD_TOO_LARGE
        ├── Unauthorized            UNAUTHORIZED
        ├── Forbidden               FORBIDDEN
        ├── NotFound                NOT_FOUND
        ├── MethodNotAllowed        METHOD_NOT_ALLOWED
        ├── RateLimited             RATE_LIMITED (carries retry_after_s)
        └── ProcessingFailed        a message could not be processed (chaos marker, bad payload)

``Overloaded`` (backpressure) is transient too: it carries ``retry_after_s`` like RateLimited.
"""

from __future__ import annotations


class MemoryMachinesError(Exception):
    """Base of every error the product raises on purpose."""

    code = "INTERNAL_ERROR"

    def __init__(self, message: str = "", *, retry_after_s: float | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        self.retry_after_s = retry_after_s


class TransientError(MemoryMachinesError):
    """The operation may succeed if tried again later."""

    code = "SERVICE_UNAVAILABLE"


class QueueUnavailable(TransientError):
    """The queue could not durably accept or hand out messages."""


class StoreUnavailable(TransientError):
    """The store could not read or write documents."""


class Overloaded(TransientError):
    """The queue is over its depth limit: clients should back off."""


class PermanentError(MemoryMachinesError):
    """The same input will fail the same way: do not retry."""


class ValidationError(PermanentError):
    code = "VALIDATION_ERROR"


class InvalidJson(PermanentError):
    code = "INVALID_JSON"


class InvalidBody(PermanentError):
    code = "INVALID_BODY"


class UnsupportedContentType(PermanentError):
    code = "UNSUPPORTED_CONTENT_TYPE"


class PayloadTooLarge(PermanentError):
    code = "PAYLOAD_TOO_LARGE"


class Unauthorized(PermanentError):
    code = "UNAUTHORIZED"


class Forbidden(PermanentError):
    code = "FORBIDDEN"


class NotFound(PermanentError):
    code = "NOT_FOUND"


class MethodNotAllowed(PermanentError):
    code = "METHOD_NOT_ALLOWED"


class RateLimited(PermanentError):
    """A tenant is over its request rate; ``retry_after_s`` says when to come back."""

    code = "RATE_LIMITED"


class ProcessingFailed(PermanentError):
    """A message failed processing; the worker retries it and eventually dead-letters it."""

    code = "PROCESSING_ERROR"

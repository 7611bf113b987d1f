"""Verify the OIDC token Pub/Sub attaches to push requests (``Authorization: Bearer ...``).

A push subscription configured with a service account sends a Google-signed ID token whose
audience is the one configured on the subscription. We check the signature against Google's
public certificates (fetched once, then cached), the issuer, the audience, the expiry and — when
``push_auth_service_account`` is set — that the token belongs to that service account. Invalid or
missing tokens are ``Unauthorized`` (401); a valid token of another identity is ``Forbidden`` (403).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from memory_machines.errors import Forbidden, TransientError, Unauthorized
from memory_machines.gcp import missing_gcp
from memory_machines.settings import Settings

try:
    from google.auth import exceptions as auth_exceptions
    from google.auth import transport
    from google.oauth2 import id_token
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("Push authentication") from exc

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
CERTS_TTL_S = 3600.0  # Google rotates keys over days; an hour of caching is safe
CLOCK_SKEW_S = 10


class CertificateFetchFailed(TransientError):
    """Google's certificates could not be fetched: the push will be retried."""


class _CachingRequest(transport.Request):
    """A ``google.auth.transport.Request`` that remembers successful GET responses for a while,
    so verifying a token costs no network round trip after the first one."""

    def __init__(self, inner: Callable[..., Any], ttl_s: float, clock: Callable[[], float]) -> None:
        self._inner = inner
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        url: Any,
        method: Any = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        def call() -> Any:
            return self._inner(
                url, method=method, body=body, headers=headers, timeout=timeout, **kwargs
            )

        if method != "GET":
            return call()
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None and self._clock() < cached[0]:
                return cached[1]
        response = call()
        if response.status == 200:
            with self._lock:
                self._cache[url] = (self._clock() + self._ttl_s, response)
        return response


class PushVerifier:
    """Checks push requests' bearer tokens; keep one per process to reuse its certificate cache."""

    def __init__(
        self,
        audience: str,
        service_account: str | None = None,
        *,
        request: Callable[..., Any] | None = None,
        certs_url: str = GOOGLE_CERTS_URL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if request is None:
            from google.auth.transport import requests as google_requests

            request = google_requests.Request()
        self.audience = audience
        self.service_account = service_account
        self._request = _CachingRequest(request, CERTS_TTL_S, clock)
        self._certs_url = certs_url

    @classmethod
    def from_settings(cls, settings: Settings) -> PushVerifier | None:
        """None when push authentication is off (no ``push_auth_audience``)."""
        if not settings.push_auth_audience:
            return None
        return cls(settings.push_auth_audience, settings.push_auth_service_account)

    async def verify(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """The token's claims; raises Unauthorized, Forbidden or CertificateFetchFailed."""
        token = _bearer_token(headers)
        # The first call fetches certificates over the network: keep it off the event loop.
        return await asyncio.to_thread(self._verify, token)

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            claims = dict(
                id_token.verify_token(
                    token,
                    self._request,
                    audience=self.audience,
                    certs_url=self._certs_url,
                    clock_skew_in_seconds=CLOCK_SKEW_S,
                )
            )
        except auth_exceptions.TransportError as exc:
            raise CertificateFetchFailed("could not fetch Google's signing certificates") from exc
        except (ValueError, auth_exceptions.GoogleAuthError) as exc:
            raise Unauthorized(f"invalid push token: {exc}") from exc
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise Unauthorized("push token was not issued by Google")
        if self.service_account and (
            claims.get("email") != self.service_account or claims.get("email_verified") is not True
        ):
            raise Forbidden("push token belongs to another service account")
        return claims


def _bearer_token(headers: Mapping[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("push request without a bearer token")
    return token.strip()

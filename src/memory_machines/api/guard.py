"""Who may write where, and how fast: API keys bound to tenants, and per-tenant rate limits."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from memory_machines.errors import Forbidden, RateLimited, Unauthorized

# A request's header by lower-case name (``Request.header``).
HeaderLookup = Callable[[bytes], str | None]


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_api_keys(spec: str | None) -> dict[str, str]:
    """``tenant:key`` or ``tenant:sha256:<hex digest>`` entries, comma-separated, into
    {digest: tenant}. Only digests are kept in memory; with the digest form the configuration
    never holds a usable key either (``memory-machines keys create TENANT`` prints both)."""
    keys: dict[str, str] = {}
    for entry in (spec or "").split(","):
        tenant, sep, key = entry.strip().partition(":")
        if not (sep and tenant and key):
            continue
        scheme, _, digest = key.partition(":")
        if scheme == "sha256" and len(digest) == 64:
            keys[digest.lower()] = tenant
        else:
            keys[key_digest(key)] = tenant
    return keys


class KeyGuard:
    """When enabled, every tenant-scoped request needs ``Authorization: Bearer <key>`` (or
    ``X-API-Key``) bound to that very tenant; admin endpoints need the admin token."""

    def __init__(self, enabled: bool, api_keys: dict[str, str], admin_token: str | None) -> None:
        self.enabled = enabled
        self.api_keys = api_keys
        self.admin_token = admin_token

    @staticmethod
    def _presented(header: HeaderLookup) -> str | None:
        auth = header(b"authorization") or ""
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip()
        return header(b"x-api-key")

    def check_tenant(self, header: HeaderLookup, tenant_id: str) -> None:
        if not self.enabled:
            return
        key = self._presented(header)
        if not key:
            raise Unauthorized("an API key is required")
        tenant = self.api_keys.get(key_digest(key))
        if tenant is None:
            raise Unauthorized("the API key is not valid")
        if tenant != tenant_id:
            raise Forbidden("the API key is not allowed for this tenant")

    def check_admin(self, header: HeaderLookup) -> None:
        if not self.enabled and not self.admin_token:
            return
        key = self._presented(header)
        if not key:
            raise Unauthorized("the admin token is required")
        if not self.admin_token or not hmac.compare_digest(key, self.admin_token):
            raise Forbidden("the admin token is not valid")


class TenantRateLimiter:
    """Token bucket per tenant: ``rate_per_s`` sustained, ``burst`` at once; 0 disables it."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate_per_s = rate_per_s
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self.max_tenants = 100_000

    def take(self, tenant_id: str, cost: float = 1.0) -> None:
        if self.rate_per_s <= 0:
            return
        cost = min(cost, self.burst)  # a batch larger than the burst could never pass otherwise
        now = time.monotonic()
        tokens, last = self._buckets.get(tenant_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate_per_s)
        if tokens < cost:
            self._buckets[tenant_id] = (tokens, now)
            wait_s = (cost - tokens) / self.rate_per_s
            raise RateLimited(f"tenant {tenant_id} is over its rate limit", retry_after_s=wait_s)
        self._buckets[tenant_id] = (tokens - cost, now)
        if len(self._buckets) > self.max_tenants:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no state worth keeping, and an
        unauthenticated client inventing tenant ids must not grow memory without bound."""
        full_after_s = self.burst / self.rate_per_s
        self._buckets = {
            tenant: (tokens, last)
            for tenant, (tokens, last) in self._buckets.items()
            if now - last < full_after_s
        }

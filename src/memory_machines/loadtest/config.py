"""What a load run should do, validated once so the rest of the tool can trust it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Kind = Literal["json", "text", "ndjson"]
KINDS: tuple[Kind, ...] = ("json", "text", "ndjson")

DEFAULT_RPM = 1000.0
DEFAULT_DURATION_S = 60.0
DEFAULT_CONCURRENCY = 50
DEFAULT_MIX = "6:3:1"
DEFAULT_TENANTS = 5
DEFAULT_BATCH_SIZE = 100
DEFAULT_TEXT_CHARS = 200
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_VERIFY_TIMEOUT_S = 300.0
DEFAULT_LAG_TOLERANCE_S = 0.05
LIST_PAGE_LIMIT = 1000  # the listing API's maximum page size

# The service's identifier rule; generated ids must satisfy it or every request is a 400.
_ID_PART = re.compile(r"[A-Za-z0-9_.-]{1,40}")


class ConfigError(ValueError):
    """A setting that cannot produce a meaningful run (the CLI maps it to exit code 2)."""


def new_run_id() -> str:
    """A short random prefix that keeps this run's log ids apart from every other run's."""
    return f"lt-{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class Mix:
    """Relative weights of the three ingest formats."""

    json: int = 6
    text: int = 3
    ndjson: int = 1

    @classmethod
    def parse(cls, spec: str) -> Mix:
        """Read ``json:text:ndjson`` weights such as ``6:3:1``."""
        parts = spec.split(":")
        if len(parts) != 3:
            raise ConfigError(f"mix must be json:text:ndjson weights, e.g. 6:3:1, got {spec!r}")
        try:
            weights = [int(p) for p in parts]
        except ValueError:
            raise ConfigError(f"mix weights must be integers, got {spec!r}") from None
        if any(w < 0 for w in weights) or sum(weights) == 0:
            raise ConfigError(f"mix weights must be >= 0 and not all zero, got {spec!r}")
        return cls(*weights)

    def weights(self) -> dict[Kind, int]:
        return {"json": self.json, "text": self.text, "ndjson": self.ndjson}

    def __str__(self) -> str:
        return f"{self.json}:{self.text}:{self.ndjson}"


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """Everything one run needs; immutable so a harness can keep it next to the result."""

    url: str
    rate_rps: float = DEFAULT_RPM / 60.0
    duration_s: float = DEFAULT_DURATION_S
    concurrency: int = DEFAULT_CONCURRENCY
    mix: Mix = field(default_factory=Mix)
    tenants: int = DEFAULT_TENANTS
    tenant_prefix: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    text_chars: int = DEFAULT_TEXT_CHARS
    timeout_s: float = DEFAULT_TIMEOUT_S
    seed: int | None = None
    run_id: str = field(default_factory=new_run_id)
    headers: tuple[tuple[str, str], ...] = ()
    verify: bool = False
    verify_timeout_s: float = DEFAULT_VERIFY_TIMEOUT_S
    verify_poll_s: float = 0.5
    lag_tolerance_s: float = DEFAULT_LAG_TOLERANCE_S

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"URL must be http(s)://host[:port], got {self.url!r}")
        checks = {
            "rate": self.rate_rps > 0,
            "duration": self.duration_s > 0,
            "concurrency": self.concurrency >= 1,
            "tenants": self.tenants >= 1,
            "batch size": self.batch_size >= 1,
            "text chars": self.text_chars >= 1,
            "timeout": self.timeout_s > 0,
            "verify timeout": self.verify_timeout_s >= 0,
            "verify poll": self.verify_poll_s > 0,
            "lag tolerance": self.lag_tolerance_s >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ConfigError(f"out of range: {', '.join(bad)}")
        if not _ID_PART.fullmatch(self.run_id):
            raise ConfigError("run id must be 1-40 characters from [A-Za-z0-9_.-]")
        if self.tenant_prefix is not None and not _ID_PART.fullmatch(self.tenant_prefix):
            raise ConfigError("tenant prefix must be 1-40 characters from [A-Za-z0-9_.-]")

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    @property
    def interval_s(self) -> float:
        return 1.0 / self.rate_rps

    @property
    def total_requests(self) -> int:
        """Requests on the timeline: rate x duration, at least one."""
        return max(1, round(self.rate_rps * self.duration_s))

    def tenant_ids(self) -> list[str]:
        """Per-run tenants by default, so verification lists only this run's documents."""
        prefix = self.tenant_prefix if self.tenant_prefix is not None else f"{self.run_id}-t"
        return [f"{prefix}{k}" for k in range(1, self.tenants + 1)]

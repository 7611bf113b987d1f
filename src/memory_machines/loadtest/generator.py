"""Request payloads for a run: the format mix, unique log ids and log-like text with PII.

Texts come from a small pre-built pool so building a request costs microseconds and the pacer
never waits on the generator; uniqueness comes from the log id, not the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import orjson

from memory_machines.loadtest.config import Kind, LoadConfig, Mix

TEXT_POOL_SIZE = 256

_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
_DOMAINS = ("example.com", "example.org", "mail.example.net")
_SERVICES = ("checkout", "auth", "search", "billing", "gateway")
_LEVELS = ("INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG")
# Documentation ranges and well-known test numbers: realistic shapes, nobody's real data.
_CARDS = ("4111 1111 1111 1111", "5555555555554444", "3782-822463-10005")
_IBANS = ("DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432")


def _fragment(rng: random.Random) -> str:
    name = rng.choice(_NAMES)
    email = f"{name}.{rng.randint(1, 999)}@{rng.choice(_DOMAINS)}"
    ts = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
    choices = (
        f"{ts} {rng.choice(_LEVELS)} svc={rng.choice(_SERVICES)} user={email} msg=login ok",
        f"{ts} WARN contact {name} at +1 415 555 01{rng.randint(0, 99):02d} re order "
        f"#{rng.randint(1000, 99999)}",
        f"{ts} INFO request from 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7 "
        f"and 2001:db8::{rng.randint(1, 0xFFFF):x} took {rng.randint(1, 900)} ms",
        f"{ts} ERROR payment card {rng.choice(_CARDS)} declined for {email}",
        f"{ts} INFO refund to {rng.choice(_IBANS)}, call +44 20 7946 0{rng.randint(100, 999)}",
        f"{ts} DEBUG cache miss key=session:{rng.getrandbits(32):08x} shard={rng.randint(0, 15)}",
    )
    return rng.choice(choices)


def make_text(rng: random.Random, chars: int) -> str:
    """Log-like text of exactly ``chars`` characters with emails, phones, IPs and card numbers."""
    parts: list[str] = []
    size = 0
    while size < chars:
        piece = _fragment(rng)
        parts.append(piece)
        size += len(piece) + 3
    return " | ".join(parts)[:chars]


class KindCycle:
    """Smooth weighted round-robin: exact mix ratios over each cycle, evenly interleaved."""

    def __init__(self, mix: Mix) -> None:
        self._weights = {k: w for k, w in mix.weights().items() if w > 0}
        self._total = sum(self._weights.values())
        self._current = dict.fromkeys(self._weights, 0)

    def next(self) -> Kind:
        for kind, weight in self._weights.items():
            self._current[kind] += weight
        best = max(self._current, key=self._current.__getitem__)  # first wins ties
        self._current[best] -= self._total
        return best


@dataclass(frozen=True, slots=True)
class Payload:
    """One HTTP request body plus what the runner needs to account for its answer."""

    kind: Kind
    tenant_id: str
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    log_ids: tuple[str, ...]  # ids the client chose; empty for text/plain (the server picks)

    @property
    def records(self) -> int:
        return len(self.log_ids) if self.kind == "ndjson" else 1


class PayloadGenerator:
    """Deterministic for a given seed and run id, so a run can be reproduced."""

    def __init__(self, config: LoadConfig) -> None:
        self._rng = random.Random(config.seed)
        self._run_id = config.run_id
        self._tenants = config.tenant_ids()
        self._batch_size = config.batch_size
        self._kinds = KindCycle(config.mix)
        self._texts = [make_text(self._rng, config.text_chars) for _ in range(TEXT_POOL_SIZE)]
        self._seq = 0

    def _log_id(self) -> str:
        log_id = f"{self._run_id}-{self._seq:07d}"
        self._seq += 1
        return log_id

    def _record(self, tenant_id: str) -> tuple[str, bytes]:
        log_id = self._log_id()
        text = self._rng.choice(self._texts)
        return log_id, orjson.dumps({"tenant_id": tenant_id, "log_id": log_id, "text": text})

    def next(self) -> Payload:
        kind = self._kinds.next()
        tenant = self._rng.choice(self._tenants)
        if kind == "text":
            body = self._rng.choice(self._texts).encode()
            headers = (("X-Tenant-ID", tenant),)
            return Payload(kind, tenant, "text/plain; charset=utf-8", body, headers, ())
        if kind == "json":
            log_id, body = self._record(tenant)
            return Payload(kind, tenant, "application/json", body, (), (log_id,))
        records = [self._record(tenant) for _ in range(self._batch_size)]
        body = b"\n".join(line for _, line in records) + b"\n"
        ids = tuple(log_id for log_id, _ in records)
        return Payload(kind, tenant, "application/x-ndjson", body, (), ids)

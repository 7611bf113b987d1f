"""After a run: wait until the service has processed everything, then audit the store.

The audit reads back through the public listing API, page by page, and checks that every log id
the service acknowledged is stored exactly once. Lost means acknowledged but absent; duplicated
means the same log id listed twice for a tenant. Ids of this run that are stored but were never
acknowledged (their request timed out, say) are reported as *unacknowledged*, not as an error.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from memory_machines.loadtest.clients import make_client
from memory_machines.loadtest.config import LIST_PAGE_LIMIT, LoadConfig

SAMPLE_IDS = 20  # how many lost/duplicated ids a report names
MAX_PAGES = 100_000  # a listing longer than this is a broken cursor, not a big tenant


class ListingError(Exception):
    """The listing API answered something the audit cannot use."""


@dataclass(frozen=True, slots=True)
class Drain:
    drained: bool
    waited_s: float
    note: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    drained: bool
    drain_wait_s: float
    drain_note: str | None
    expected: int  # acknowledged log ids
    stored: int  # of those, found at least once (tenants whose listing failed are not counted)
    lost: int
    duplicated: int  # acknowledged ids listed more than once
    unacknowledged: int
    unidentified: int  # listed documents without a log id
    lost_sample: tuple[str, ...] = ()
    duplicated_sample: tuple[str, ...] = ()
    listing_errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.drained and not self.lost and not self.duplicated and not self.listing_errors


def find_int(doc: Any, key: str) -> int | None:
    """``doc[key]`` if it is an int, else the first such value in a nested object."""
    if not isinstance(doc, dict):
        return None
    value = doc.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    for child in doc.values():
        found = find_int(child, key)
        if found is not None:
            return found
    return None


async def wait_for_drain(
    client: httpx.AsyncClient,
    timeout_s: float,
    poll_s: float,
    on_status: Callable[[str], None] | None = None,
) -> Drain:
    """Poll ``/metrics`` until ``queue_depth`` and ``in_flight`` read zero twice in a row."""
    begin = time.monotonic()
    zero_streak = 0
    state = "no answer from /metrics"
    while True:
        try:
            response = await client.get("/metrics", headers={"Accept": "application/json"})
            doc = orjson.loads(response.content) if response.status_code == 200 else None
        except (httpx.TransportError, orjson.JSONDecodeError) as exc:
            doc, state = None, f"/metrics failed: {type(exc).__name__}"
        if doc is not None:
            depth, in_flight = find_int(doc, "queue_depth"), find_int(doc, "in_flight")
            if depth is None or in_flight is None:
                note = "/metrics reports no queue_depth/in_flight"
                return Drain(False, time.monotonic() - begin, note)
            state = f"queue_depth={depth} in_flight={in_flight}"
            zero_streak = zero_streak + 1 if depth == 0 and in_flight == 0 else 0
        waited = time.monotonic() - begin
        if on_status is not None:
            on_status(f"verify: waiting for the service to drain, {state} ({waited:.0f} s)")
        if zero_streak >= 2 or (zero_streak and waited >= timeout_s):
            return Drain(True, waited)
        if waited >= timeout_s:
            return Drain(False, waited, f"not drained after {timeout_s:g} s: {state}")
        await asyncio.sleep(min(poll_s, max(0.0, timeout_s - waited)))


async def list_tenant(client: httpx.AsyncClient, tenant_id: str) -> tuple[Counter[str], int]:
    """Occurrences of each log id in a tenant's listing, and documents that carry no id."""
    counts: Counter[str] = Counter()
    unidentified = 0
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {"limit": LIST_PAGE_LIMIT}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"/tenants/{tenant_id}/logs", params=params)
        if response.status_code != 200:
            raise ListingError(f"{tenant_id}: HTTP {response.status_code}")
        try:
            data = orjson.loads(response.content).get("data") or {}
            items, cursor = data.get("items", []), data.get("next_cursor")
        except (orjson.JSONDecodeError, AttributeError):
            raise ListingError(f"{tenant_id}: not a listing envelope") from None
        for item in items if isinstance(items, list) else []:
            log_id = item.get("log_id", item.get("id")) if isinstance(item, dict) else None
            if isinstance(log_id, str):
                counts[log_id] += 1
            else:
                unidentified += 1
        if not cursor:
            return counts, unidentified
        if not isinstance(cursor, str) or cursor in seen:
            raise ListingError(f"{tenant_id}: cursor repeats or is not a string")
        seen.add(cursor)
    raise ListingError(f"{tenant_id}: more than {MAX_PAGES} pages")


def audit(
    expected: Mapping[str, Sequence[str]], listed: Mapping[str, Counter[str]], run_id: str
) -> tuple[list[str], list[str], int]:
    """Lost ids, duplicated ids (``tenant/log_id``) and the count of unacknowledged ones."""
    lost: list[str] = []
    duplicated: list[str] = []
    unacknowledged = 0
    for tenant, counts in listed.items():
        wanted = set(expected.get(tenant, ()))
        for log_id in expected.get(tenant, ()):
            seen = counts.get(log_id, 0)
            if seen == 0:
                lost.append(f"{tenant}/{log_id}")
            elif seen > 1:
                duplicated.append(f"{tenant}/{log_id}")
        ours = (i for i in counts if i.startswith(f"{run_id}-") and i not in wanted)
        unacknowledged += sum(1 for _ in ours)
    return lost, duplicated, unacknowledged


async def verify_run(
    config: LoadConfig,
    accepted_ids: Mapping[str, Sequence[str]],
    *,
    on_status: Callable[[str], None] | None = None,
) -> VerifyResult:
    """Wait for the drain (bounded by ``config.verify_timeout_s``) and audit every tenant."""
    async with make_client(config, connections=len(config.tenant_ids()) + 1) as client:
        drain = await wait_for_drain(
            client, config.verify_timeout_s, config.verify_poll_s, on_status
        )
        tenants = sorted(set(config.tenant_ids()) | set(accepted_ids))
        if on_status is not None:
            on_status(f"verify: listing the stored logs of {len(tenants)} tenants")
        results = await asyncio.gather(
            *(list_tenant(client, t) for t in tenants), return_exceptions=True
        )
    listed: dict[str, Counter[str]] = {}
    errors: list[str] = []
    unidentified = 0
    for tenant, res in zip(tenants, results, strict=True):
        if isinstance(res, ListingError | httpx.TransportError):
            errors.append(str(res) if isinstance(res, ListingError) else f"{tenant}: {res!r}")
        elif isinstance(res, BaseException):
            raise res
        else:
            listed[tenant], extra = res
            unidentified += extra
    lost, duplicated, unacknowledged = audit(accepted_ids, listed, config.run_id)
    audited = sum(len(accepted_ids.get(t, ())) for t in listed)
    return VerifyResult(
        drained=drain.drained,
        drain_wait_s=drain.waited_s,
        drain_note=drain.note,
        expected=sum(len(ids) for ids in accepted_ids.values()),
        stored=audited - len(lost),
        lost=len(lost),
        duplicated=len(duplicated),
        unacknowledged=unacknowledged,
        unidentified=unidentified,
        lost_sample=tuple(lost[:SAMPLE_IDS]),
        duplicated_sample=tuple(duplicated[:SAMPLE_IDS]),
        listing_errors=tuple(errors),
    )

"""Helpers for the Google Cloud tests: per-test settings and polling."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from memory_machines.settings import Settings


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def gcp_settings(**overrides: Any) -> Settings:
    """Settings with this test's own resource names, fast retries and short leases."""
    values: dict[str, Any] = {
        "queue": "pubsub",
        "store": "firestore",
        "gcp_project_id": unique("mm-test"),
        "pubsub_topic_id": unique("logs"),
        "pubsub_subscription_id": unique("logs-sub"),
        "pubsub_dead_letter_topic_id": unique("logs-dlq"),
        "pubsub_dead_letter_subscription_id": unique("logs-dlq-sub"),
        "pubsub_publish_timeout_seconds": 5.0,
        "retry_backoff_base_seconds": 0.0,
        "retry_backoff_max_seconds": 0.5,
        "lease_seconds": 10.0,
        "worker_concurrency": 100,
        "work_seconds_per_char": 0.0,
        "firestore_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


async def eventually(
    probe: Callable[[], Awaitable[Any]], *, timeout_s: float = 30.0, interval_s: float = 0.2
) -> Any:
    """Poll ``probe`` until it returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s:g} s (last value: {value!r})")
        await asyncio.sleep(interval_s)

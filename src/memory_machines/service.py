"""The running product's parts, built from settings and handed around as one typed object.

Both roles use it: the API (which may also run the worker, the embedded default) and the
stand-alone worker process.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from memory_machines import BUILDS
from memory_machines.backends import build_queue, build_store
from memory_machines.metrics import Metrics
from memory_machines.processing import Processor
from memory_machines.queue.base import Queue
from memory_machines.redaction import Redactor
from memory_machines.retry import RetryPolicy
from memory_machines.settings import Settings
from memory_machines.store.base import Store
from memory_machines.worker import Worker

log = logging.getLogger("memory_machines")


def build_processor(settings: Settings) -> Processor:
    redactor = Redactor(
        kinds=settings.enabled_redaction_kinds(), typed_markers=settings.redaction_typed_markers
    )
    return Processor(
        redactor=redactor,
        work_seconds_per_char=settings.work_seconds_per_char,
        chaos_fail_marker=settings.chaos_fail_marker or None,
    )


def build_retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.max_attempts,
        base_s=settings.retry_backoff_base_seconds,
        max_s=settings.retry_backoff_max_seconds,
    )


@dataclass
class Service:
    settings: Settings
    queue: Queue
    store: Store
    processor: Processor
    metrics: Metrics = field(default_factory=Metrics)
    worker: Worker | None = None
    _worker_task: asyncio.Task[None] | None = None

    @classmethod
    def build(cls, settings: Settings, *, with_worker: bool) -> Service:
        store = build_store(settings)
        queue = build_queue(settings, store)
        service = cls(
            settings=settings, queue=queue, store=store, processor=build_processor(settings)
        )
        if with_worker:
            service.worker = Worker(
                queue,
                store,
                service.processor,
                retry=build_retry_policy(settings),
                concurrency=settings.worker_concurrency,
                lease_s=settings.lease_seconds,
                poll_interval_s=settings.poll_interval_seconds,
                shutdown_grace_s=settings.shutdown_grace_seconds,
                chaos_crash_rate=settings.chaos_crash_rate,
                metrics=service.metrics,
            )
        return service

    async def start(self) -> None:
        await self.store.start()
        await self.queue.start()
        if self.worker is not None:
            self._worker_task = asyncio.create_task(self.worker.run(), name="worker")
        log.info(
            "started",
            extra={
                "queue": self.settings.queue,
                "store": self.settings.store,
                "worker": self.worker is not None,
                "redaction": BUILDS["redaction"],
                "request_path": BUILDS["request_path"],
            },
        )

    async def wait_worker(self) -> None:
        """Block until the worker stops (after ``worker.stop()``)."""
        if self._worker_task is not None:
            await asyncio.shield(self._worker_task)

    async def close(self) -> None:
        """Stop intake first, let the worker drain, then close the backends."""
        if self.worker is not None and self._worker_task is not None:
            self.worker.stop()
            await self._worker_task
        await self.queue.close()
        await self.store.close()
        log.info("stopped")

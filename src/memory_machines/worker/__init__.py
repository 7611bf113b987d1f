"""The asyncio worker: many messages in flight per process, each under a lease."""

from memory_machines.worker.runner import Worker

__all__ = ["Worker"]

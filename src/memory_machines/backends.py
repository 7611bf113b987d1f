"""Choosing adapters is configuration: build the queue and store that the settings name.

Optional backends are imported lazily so that the embedded default needs none of their libraries.
"""

from __future__ import annotations

from memory_machines.queue.base import Queue
from memory_machines.settings import Settings
from memory_machines.store.base import Store


def build_store(settings: Settings) -> Store:
    if settings.store == "memory":
        from memory_machines.store.memory import MemoryStore

        return MemoryStore()
    if settings.store == "sqlite":
        from memory_machines.store.sqlite import SqliteStore

        return SqliteStore.from_settings(settings)
    from memory_machines.store.firestore import FirestoreStore

    return FirestoreStore.from_settings(settings)


def build_queue(settings: Settings, store: Store | None = None) -> Queue:
    """The store is passed so that a queue sharing its database can commit ack + document at once."""
    if settings.queue == "memory":
        from memory_machines.queue.memory import MemoryQueue

        return MemoryQueue(max_attempts=settings.max_attempts)
    if settings.queue == "sqlite":
        from memory_machines.queue.sqlite import SqliteQueue

        return SqliteQueue.from_settings(settings, store)
    from memory_machines.queue.pubsub import PubSubQueue

    return PubSubQueue.from_settings(settings)

"""Build Google Cloud clients from settings.

The clients find the local emulators through ``PUBSUB_EMULATOR_HOST`` and
``FIRESTORE_EMULATOR_HOST`` (then no credentials are needed); otherwise they use Application
Default Credentials. Adapters also accept injected clients, so tests and embedders choose.
"""

from __future__ import annotations

from typing import Any

from memory_machines.gcp import missing_gcp
from memory_machines.settings import Settings

try:
    import google.cloud.pubsub_v1 as pubsub_v1
    from google.api_core import exceptions as api_exceptions
    from google.api_core import retry as api_retry
    from google.cloud import firestore
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("The Google Cloud adapters") from exc

# Batching: one publish RPC carries up to this many messages, waiting at most this long to fill.
PUBLISH_BATCH_MAX_MESSAGES = 1000
PUBLISH_BATCH_MAX_LATENCY_S = 0.01


def publisher_client() -> Any:
    """A batching publisher: concurrent ``publish`` calls share RPCs (10 ms / 1000 messages)."""
    batch = pubsub_v1.types.BatchSettings(
        max_messages=PUBLISH_BATCH_MAX_MESSAGES, max_latency=PUBLISH_BATCH_MAX_LATENCY_S
    )
    return pubsub_v1.PublisherClient(batch_settings=batch)


def subscriber_client() -> Any:
    return pubsub_v1.SubscriberClient()


def firestore_client(settings: Settings) -> Any:
    """An asyncio Firestore client. It opens its channel lazily, on the first call."""
    return firestore.AsyncClient(
        project=settings.gcp_project_id, database=settings.firestore_database
    )


async def close_firestore_client(client: Any) -> None:
    """Close the gRPC channel of an ``AsyncClient``, if it ever opened one.

    The client has no public ``close``; leaving the channel open until garbage collection makes
    asyncio warn about an unclosed transport when the event loop ends.
    """
    api = getattr(client, "_firestore_api_internal", None)  # private: set on the first call only
    if api is not None:
        await api.transport.close()
        client._firestore_api_internal = None


def bounded_retry(timeout_s: float) -> Any:
    """Retry transient errors with backoff, but give up after ``timeout_s`` in total.

    The clients' default retries keep going for a minute or more: long after a caller has
    answered 503, and long enough to hold up process exit. A call's ``timeout`` only bounds one
    attempt; this bounds them all.
    """
    return api_retry.Retry(
        predicate=api_retry.if_exception_type(
            api_exceptions.Aborted,
            api_exceptions.InternalServerError,
            api_exceptions.ResourceExhausted,
            api_exceptions.ServiceUnavailable,
            api_exceptions.Unknown,
        ),
        initial=0.1,
        maximum=1.0,
        multiplier=2.0,
        timeout=timeout_s,
    )

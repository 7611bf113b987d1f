"""Create (or converge) the Pub/Sub resources the product relies on, idempotently.

Run it at deploy time (``memory-machines gcp setup``) or from tests. Resources:

* the main topic and the dead-letter topic;
* the main subscription: ack deadline 600 s, dead-letter policy (``max_attempts``, clamped to
  Pub/Sub's 5..100) pointing at the dead-letter topic, exponential-backoff retry policy from
  ``retry_backoff_base_seconds``/``retry_backoff_max_seconds``, never expiring; created as a pull
  subscription, switched to push (with an OIDC token) when ``push_endpoint`` is given — without
  one, an existing push configuration is left as it is;
* the dead-letter subscription (pull, 7-day retention) that ``dlq list``/``replay`` read.

Running it again changes nothing, or updates a subscription whose settings drifted. On Google
Cloud, dead-lettering also needs IAM grants for the Pub/Sub service agent (see ``docs/gcp.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memory_machines.errors import QueueUnavailable
from memory_machines.gcp import delivery_attempts_limit, missing_gcp
from memory_machines.settings import Settings

try:
    from google.api_core import exceptions as api_exceptions
    from google.protobuf import duration_pb2, field_mask_pb2

    from memory_machines.gcp import clients
    from memory_machines.gcp._errors import vendor_errors
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise missing_gcp("Provisioning Pub/Sub") from exc

MAX_BACKOFF_S = 600.0  # Pub/Sub's ceiling for retry-policy backoffs
DEAD_LETTER_RETENTION_S = 7 * 24 * 3600
DEAD_LETTER_ACK_DEADLINE_S = 60
ADMIN_TIMEOUT_S = 30.0
_RETRY = clients.bounded_retry(ADMIN_TIMEOUT_S)
# Subscription fields this module manages (and converges on a re-run).
MANAGED_FIELDS = (
    "ack_deadline_seconds",
    "dead_letter_policy",
    "retry_policy",
    "expiration_policy",
    "push_config",  # last: managed only when a push endpoint is given
)


@dataclass(frozen=True, slots=True)
class Action:
    """What provisioning did to one resource: ``created``, ``exists`` or ``updated``."""

    verb: str
    kind: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        suffix = f" ({self.detail})" if self.detail else ""
        return f"{self.verb} {self.kind} {self.name}{suffix}"


def provision(
    settings: Settings,
    *,
    push_endpoint: str | None = None,
    publisher: Any | None = None,
    subscriber: Any | None = None,
) -> list[Action]:
    """Ensure topics and subscriptions exist as configured; return what was done."""
    publisher = publisher if publisher is not None else clients.publisher_client()
    subscriber = subscriber if subscriber is not None else clients.subscriber_client()
    project = settings.gcp_project_id
    topic = publisher.topic_path(project, settings.pubsub_topic_id)
    dlq_topic = publisher.topic_path(project, settings.pubsub_dead_letter_topic_id)
    actions: list[Action] = []
    with vendor_errors(QueueUnavailable, "provision Pub/Sub"):
        for name in (topic, dlq_topic):
            actions.append(_ensure_topic(publisher, name))
        dlq_subscription = {
            "name": subscriber.subscription_path(
                project, settings.pubsub_dead_letter_subscription_id
            ),
            "topic": dlq_topic,
            "ack_deadline_seconds": DEAD_LETTER_ACK_DEADLINE_S,
            "message_retention_duration": duration_pb2.Duration(seconds=DEAD_LETTER_RETENTION_S),
            "expiration_policy": {},
        }
        actions.append(_ensure_subscription(subscriber, dlq_subscription, converge=()))
        main_subscription = {
            "name": subscriber.subscription_path(project, settings.pubsub_subscription_id),
            "topic": topic,
            **_main_subscription_config(settings, dlq_topic, push_endpoint),
        }
        # Without an endpoint, an existing push configuration (wired by a deploy) is left alone.
        converge = MANAGED_FIELDS if push_endpoint else MANAGED_FIELDS[:-1]
        actions.append(_ensure_subscription(subscriber, main_subscription, converge))
    return actions


def _main_subscription_config(
    settings: Settings, dlq_topic: str, push_endpoint: str | None
) -> dict[str, Any]:
    min_backoff_s = min(max(settings.retry_backoff_base_seconds, 0.0), MAX_BACKOFF_S)
    max_backoff_s = min(max(settings.retry_backoff_max_seconds, min_backoff_s), MAX_BACKOFF_S)
    push_config: dict[str, Any] = {}
    if push_endpoint:
        push_config = {"push_endpoint": push_endpoint}
        if settings.push_auth_service_account:
            push_config["oidc_token"] = {
                "service_account_email": settings.push_auth_service_account,
                "audience": settings.push_auth_audience or push_endpoint,
            }
    return {
        "ack_deadline_seconds": settings.pubsub_ack_deadline_seconds,
        "dead_letter_policy": {
            "dead_letter_topic": dlq_topic,
            "max_delivery_attempts": delivery_attempts_limit(settings.max_attempts),
        },
        "retry_policy": {
            "minimum_backoff": _duration(min_backoff_s),
            "maximum_backoff": _duration(max_backoff_s),
        },
        "expiration_policy": {},  # present but without a ttl: never expires
        "push_config": push_config,
    }


def _ensure_topic(publisher: Any, name: str) -> Action:
    try:
        publisher.create_topic(name=name, retry=_RETRY, timeout=ADMIN_TIMEOUT_S)
    except api_exceptions.AlreadyExists:
        return Action("exists", "topic", name)
    return Action("created", "topic", name)


def _ensure_subscription(
    subscriber: Any, wanted: dict[str, Any], converge: tuple[str, ...]
) -> Action:
    try:
        subscriber.create_subscription(request=wanted, retry=_RETRY, timeout=ADMIN_TIMEOUT_S)
    except api_exceptions.AlreadyExists:
        pass
    else:
        return Action("created", "subscription", wanted["name"])
    current = subscriber.get_subscription(
        subscription=wanted["name"], retry=_RETRY, timeout=ADMIN_TIMEOUT_S
    )
    if current.topic != wanted["topic"]:
        raise QueueUnavailable(
            f"subscription {wanted['name']} is attached to {current.topic}, not {wanted['topic']}:"
            " delete it or choose another PUBSUB_SUBSCRIPTION_ID"
        )
    desired = type(current)(wanted)  # the same proto type, for field-by-field comparison
    drifted = [f for f in converge if getattr(current, f) != getattr(desired, f)]
    if not drifted:
        return Action("exists", "subscription", wanted["name"])
    subscriber.update_subscription(
        request={"subscription": desired, "update_mask": field_mask_pb2.FieldMask(paths=drifted)},
        retry=_RETRY,
        timeout=ADMIN_TIMEOUT_S,
    )
    return Action("updated", "subscription", wanted["name"], ", ".join(drifted))


def _duration(seconds: float) -> Any:
    whole = int(seconds)
    return duration_pb2.Duration(seconds=whole, nanos=round((seconds - whole) * 1e9))

"""Google Cloud deployment: Pub/Sub queue, Firestore store, push endpoint and provisioning.

The adapters themselves live beside their ports (``queue/pubsub.py``, ``store/firestore.py``);
this package holds what only the Google Cloud deployment needs. Importing this package needs no
Google library; its modules do, and say how to install them when they are missing.
"""

from __future__ import annotations

INSTALL_HINT = "pip install 'memory-machines[gcp]'"

# Firestore layout: one place for every collection name.
TENANTS_COLLECTION = "tenants"
LOGS_COLLECTION = "processed_logs"
DEAD_LETTER_ERRORS_COLLECTION = "dead_letter_errors"

# Attributes Pub/Sub adds when it forwards a message to the dead-letter topic.
DLQ_ATTRIBUTE_PREFIX = "CloudPubSubDeadLetter"
DLQ_DELIVERY_COUNT = "CloudPubSubDeadLetterSourceDeliveryCount"
DLQ_SOURCE_PUBLISH_TIME = "CloudPubSubDeadLetterSourceTopicPublishTime"

# Pub/Sub accepts max_delivery_attempts only within this range.
MIN_DELIVERY_ATTEMPTS = 5
MAX_DELIVERY_ATTEMPTS = 100


def missing_gcp(what: str) -> ImportError:
    """The error raised when an adapter is imported without the ``[gcp]`` extra."""
    return ImportError(f"{what} needs the Google Cloud libraries: {INSTALL_HINT}")


def delivery_attempts_limit(max_attempts: int) -> int:
    """``max_attempts`` clamped to what a Pub/Sub dead-letter policy accepts (5..100).

    The queue and the provisioned subscription both use this value, so that ``fail`` reports a
    dead letter exactly when Pub/Sub forwards the message.
    """
    return max(MIN_DELIVERY_ATTEMPTS, min(MAX_DELIVERY_ATTEMPTS, max_attempts))

"""``memory-machines gcp setup``: creates what the queue needs, and converges on a re-run."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from memory_machines.gcp import clients
from memory_machines.gcp.cli import main_gcp
from memory_machines.gcp.provision import provision
from memory_machines.settings import Settings
from tests.gcp.support import gcp_settings

pytestmark = [pytest.mark.gcp, pytest.mark.integration]


@pytest.fixture
def settings(emulator_env: dict[str, str]) -> Settings:
    return gcp_settings(retry_backoff_base_seconds=2.0, retry_backoff_max_seconds=120.0)


def subscription(settings: Settings, subscription_id: str) -> Any:
    subscriber = clients.subscriber_client()
    with subscriber:
        path = subscriber.subscription_path(settings.gcp_project_id, subscription_id)
        return subscriber.get_subscription(subscription=path)


def test_setup_creates_topics_and_subscriptions_with_the_dead_letter_and_retry_policies(
    settings: Settings,
) -> None:
    actions = provision(settings)

    assert [(a.verb, a.kind) for a in actions] == [("created", "topic")] * 2 + [
        ("created", "subscription")
    ] * 2
    main = subscription(settings, settings.pubsub_subscription_id)
    assert main.topic.endswith(f"/topics/{settings.pubsub_topic_id}")
    assert main.ack_deadline_seconds == 600
    assert main.dead_letter_policy.max_delivery_attempts == 5
    assert main.dead_letter_policy.dead_letter_topic.endswith(
        f"/topics/{settings.pubsub_dead_letter_topic_id}"
    )
    assert main.retry_policy.minimum_backoff.total_seconds() == 2.0
    assert main.retry_policy.maximum_backoff.total_seconds() == 120.0
    assert not main.push_config.push_endpoint  # pull
    dlq = subscription(settings, settings.pubsub_dead_letter_subscription_id)
    assert dlq.topic.endswith(f"/topics/{settings.pubsub_dead_letter_topic_id}")


def test_running_setup_again_changes_nothing(settings: Settings) -> None:
    provision(settings)

    assert {a.verb for a in provision(settings)} == {"exists"}


def test_setup_converges_a_subscription_whose_settings_drifted(settings: Settings) -> None:
    provision(settings)
    drifted = settings.model_copy(update={"max_attempts": 7, "pubsub_ack_deadline_seconds": 60})
    provision(drifted)

    actions = provision(settings)

    [updated] = [a for a in actions if a.verb == "updated"]
    assert updated.detail == "ack_deadline_seconds, dead_letter_policy"
    main = subscription(settings, settings.pubsub_subscription_id)
    assert (main.ack_deadline_seconds, main.dead_letter_policy.max_delivery_attempts) == (600, 5)


def test_a_push_endpoint_is_wired_only_when_asked_and_then_left_alone(settings: Settings) -> None:
    endpoint = "https://worker.example.run.app/process"
    provision(settings)

    provision(settings, push_endpoint=endpoint)
    provision(settings)  # a plain re-run must not turn push back into pull

    assert subscription(settings, settings.pubsub_subscription_id).push_config.push_endpoint == (
        endpoint
    )


def test_max_attempts_below_what_pub_sub_allows_is_raised_to_its_minimum(
    settings: Settings,
) -> None:
    provision(settings.model_copy(update={"max_attempts": 3}))

    main = subscription(settings, settings.pubsub_subscription_id)
    assert main.dead_letter_policy.max_delivery_attempts == 5


def test_the_cli_runs_setup_from_the_environment_and_prints_json_lines(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GCP_PROJECT_ID", settings.gcp_project_id)
    monkeypatch.setenv("PUBSUB_TOPIC_ID", settings.pubsub_topic_id)
    monkeypatch.setenv("PUBSUB_SUBSCRIPTION_ID", settings.pubsub_subscription_id)
    monkeypatch.setenv("PUBSUB_DEAD_LETTER_TOPIC_ID", settings.pubsub_dead_letter_topic_id)
    monkeypatch.setenv(
        "PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID", settings.pubsub_dead_letter_subscription_id
    )

    assert main_gcp(["setup", "--json"]) == 0

    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["action"] for line in lines] == ["created"] * 4
    assert lines[-1]["name"].endswith(f"/subscriptions/{settings.pubsub_subscription_id}")

"""The Google Cloud deployment end to end: real API and worker processes on the emulators.

``memory-machines api`` publishes to Pub/Sub, ``memory-machines worker`` pulls, processes and
writes to Firestore, and the HTTP API reads the documents back — as on Cloud Run, only local.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pydantic import AliasChoices

from memory_machines.gcp import clients
from memory_machines.gcp.provision import provision
from memory_machines.settings import Settings
from tests.gcp.emulators import Emulator
from tests.gcp.support import gcp_settings, unique
from tests.integration.server import ServerProcess, all_log_ids, run_cli, wait_for

pytestmark = [pytest.mark.gcp, pytest.mark.integration]

# Settings names the processes read, per test deployment (emulator hosts come from the env).
DEPLOYMENT_FIELDS = (
    "queue",
    "store",
    "gcp_project_id",
    "pubsub_topic_id",
    "pubsub_subscription_id",
    "pubsub_dead_letter_topic_id",
    "pubsub_dead_letter_subscription_id",
    "retry_backoff_base_seconds",
    "retry_backoff_max_seconds",
    "lease_seconds",
    "pubsub_publish_timeout_seconds",
    "work_seconds_per_char",
)


def env_name(field: str) -> str:
    """The variable a process reads for a settings field (the original's name if it has one)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"MM_{field.upper()}"


def process_env(**values: Any) -> dict[str, Any]:
    return {env_name(field): value for field, value in values.items()}


class Deployment:
    """One isolated deployment: its own topics, subscriptions and Firestore project."""

    def __init__(self, tmp_path: Path, settings: Settings) -> None:
        self.tmp_path = tmp_path
        self.settings = settings
        self.env = process_env(**{name: getattr(settings, name) for name in DEPLOYMENT_FIELDS})
        self.processes: list[ServerProcess] = []

    def api(self, **env: Any) -> ServerProcess:
        return self._start("api", env)

    def worker(self, **env: Any) -> ServerProcess:
        worker = self._start("worker", env)
        wait_for(
            lambda: '"msg": "started"' in worker.logs() or '"msg":"started"' in worker.logs(),
            30,
            f"worker did not start:\n{worker.logs()}",
        )
        return worker

    def cli(self, *args: str) -> Any:
        return run_cli(self.tmp_path, *args, **self.env)

    def _start(self, command: str, env: dict[str, Any]) -> ServerProcess:
        process = ServerProcess(self.tmp_path, command, **{**self.env, **process_env(**env)})
        self.processes.append(process)
        return process.start()

    def stop(self) -> None:
        for process in self.processes:
            process.kill()


@pytest.fixture
def deployment(emulator_env: dict[str, str], tmp_path: Path) -> Iterator[Deployment]:
    settings = gcp_settings(work_seconds_per_char=0.0)
    provision(settings)
    deployment = Deployment(tmp_path, settings)
    try:
        yield deployment
    finally:
        deployment.stop()


def replace_subscription(deployment: Deployment) -> str:
    """Delete the main subscription and provision a new one on the same topic; its id."""
    subscriber = clients.subscriber_client()
    with subscriber:
        settings = deployment.settings
        subscriber.delete_subscription(
            subscription=subscriber.subscription_path(
                settings.gcp_project_id, settings.pubsub_subscription_id
            )
        )
    fresh = unique("logs-sub")
    provision(settings.model_copy(update={"pubsub_subscription_id": fresh}))
    return fresh


def get_document(client: httpx.Client, tenant_id: str, log_id: str) -> dict[str, Any] | None:
    response = client.get(f"/tenants/{tenant_id}/logs/{log_id}")
    return response.json()["data"] if response.status_code == 200 else None


def stored(client: httpx.Client, tenant_id: str, log_id: str, timeout_s: float = 30) -> Any:
    wait_for(lambda: get_document(client, tenant_id, log_id) is not None, timeout_s)
    return get_document(client, tenant_id, log_id)


def test_json_text_and_ndjson_logs_are_processed_into_tenant_isolated_firestore_documents(
    deployment: Deployment,
) -> None:
    api = deployment.api()
    deployment.worker()
    with httpx.Client(base_url=api.url, timeout=15) as client:
        r_json = client.post(
            "/ingest",
            json={"tenant_id": "acme", "log_id": "j1", "text": "login from alice@example.com"},
            headers={"X-Request-Id": "req-json-1"},
        )
        r_text = client.post(
            "/ingest",
            content=b"card 4111 1111 1111 1111 declined",
            headers={"Content-Type": "text/plain", "X-Tenant-ID": "acme"},
        )
        lines = [{"tenant_id": "globex", "log_id": f"n{i}", "text": f"line {i}"} for i in range(3)]
        r_ndjson = client.post(
            "/ingest",
            content=b"\n".join(orjson.dumps(line) for line in lines),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert (r_json.status_code, r_text.status_code, r_ndjson.status_code) == (202, 202, 202)
        text_log_id = r_text.json()["data"]["log_id"]

        from_json = stored(client, "acme", "j1")
        from_text = stored(client, "acme", text_log_id)
        for i in range(3):
            stored(client, "globex", f"n{i}")

        assert from_json["source"] == "json_upload"
        assert from_json["correlation_id"] == "req-json-1"
        assert "alice@example.com" not in from_json["modified_data"]
        assert from_json["delivery_attempt"] == 1
        assert from_text["source"] == "text_upload"
        assert "4111 1111 1111 1111" not in from_text["modified_data"]
        # Tenants are isolated: globex sees only its own logs, never acme's.
        assert sorted(all_log_ids(client, "acme")) == sorted(["j1", text_log_id])
        assert sorted(all_log_ids(client, "globex")) == ["n0", "n1", "n2"]
        assert client.get("/tenants/globex/logs/j1").status_code == 404
        assert client.get("/ready").status_code == 200


def test_with_pub_sub_down_the_api_answers_503_and_never_202(
    deployment: Deployment,
    start_pubsub_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private: Emulator = start_pubsub_emulator()
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", private.host)
    provision(deployment.settings)
    api = deployment.api(pubsub_publish_timeout_seconds=2)
    with httpx.Client(base_url=api.url, timeout=15) as client:
        body = {"tenant_id": "acme", "log_id": "before", "text": "accepted while up"}
        assert client.post("/ingest", json=body).status_code == 202

        private.stop()
        started = time.monotonic()
        statuses = [
            client.post(
                "/ingest", json={"tenant_id": "acme", "log_id": f"down-{i}", "text": "lost?"}
            )
            for i in range(3)
        ]
        elapsed_s = time.monotonic() - started

        assert [r.status_code for r in statuses] == [503, 503, 503]
        assert all(r.json()["error"]["code"] == "SERVICE_UNAVAILABLE" for r in statuses)
        assert all(r.headers.get("retry-after") for r in statuses)
        assert elapsed_s < 3 * (2 + 1.5)
        assert client.get("/ready").status_code == 503


def test_a_worker_killed_mid_message_loses_it_to_a_new_worker_which_stores_it_once(
    deployment: Deployment,
) -> None:
    # The emulator keeps a killed subscriber's stream in its rotation and may hand it a few
    # redeliveries first (each waits out a 10 s lease and counts as an attempt): spare attempts
    # keep this test about the new worker, not about the emulator.
    provision(deployment.settings.model_copy(update={"max_attempts": 20}))
    slow = {"work_seconds_per_char": 0.2, "max_attempts": 20}  # 20 characters: 4 s of work
    api = deployment.api()
    first = deployment.worker(**slow)
    with httpx.Client(base_url=api.url, timeout=15) as client:
        body = {"tenant_id": "acme", "log_id": "slow", "text": "x" * 20}
        assert client.post("/ingest", json=body).status_code == 202
        time.sleep(2)  # the first worker holds it, halfway through
        assert get_document(client, "acme", "slow") is None

        first.kill()
        deployment.worker(**slow)

        # Its lease lapses (at most lease_seconds = 10 s), then the new worker processes it.
        document = stored(client, "acme", "slow", timeout_s=150)
        assert document["delivery_attempt"] >= 2
        time.sleep(1)
        assert all_log_ids(client, "acme") == ["slow"]


def test_a_poison_message_is_dead_lettered_after_5_attempts_and_the_cli_replays_it(
    deployment: Deployment,
) -> None:
    api = deployment.api()
    poisoned_worker = deployment.worker(chaos_fail_marker="POISON")
    with httpx.Client(base_url=api.url, timeout=15) as client:
        body = {"tenant_id": "acme", "log_id": "bad", "text": "a POISON pill"}
        assert client.post("/ingest", json=body).status_code == 202

        wait_for(lambda: client.get("/admin/dead-letters").json()["data"]["items"], 60)
        [entry] = client.get("/admin/dead-letters").json()["data"]["items"]
        assert (entry["tenant_id"], entry["log_id"], entry["attempts"]) == ("acme", "bad", 5)
        assert "chaos fail marker" in entry["last_error"]
        assert [h["attempt"] for h in entry["history"]] == [1, 2, 3, 4, 5]

        listed = deployment.cli("dlq", "list")
        assert listed.returncode == 0, listed.stderr
        [line] = [orjson.loads(text) for text in listed.stdout.splitlines()]
        assert line["id"] == entry["id"]

        # The cause goes away: a worker without the fault replaces the poisoned one. (It reads a
        # fresh subscription: the emulator keeps routing messages to a closed stream for a while,
        # which would only delay the replay by lapsed leases.)
        assert poisoned_worker.terminate() == 0
        fixed = replace_subscription(deployment)
        deployment.worker(pubsub_subscription_id=fixed)
        replayed = deployment.cli("dlq", "replay", "--all")
        assert replayed.returncode == 0, replayed.stderr
        assert f"replayed {entry['id']}" in replayed.stdout

        document = stored(client, "acme", "bad")
        assert document["delivery_attempt"] == 1  # attempts start again
        assert client.get("/admin/dead-letters").json()["data"]["items"] == []

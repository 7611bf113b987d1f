"""The Cloud Run scripts: lint clean, and make the calls the design needs.

The scripts run against a stand-in ``gcloud`` that records every call, answers the
describe/URL/project-number questions and says "not found" for everything else, so the
create paths are taken.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPTS = ("setup.sh", "build.sh", "deploy-api.sh", "deploy-worker.sh", "wire-push.sh")
PROJECT_ID = "demo-project"
PROJECT_NUMBER = "123456789"
WORKER_URL = "https://worker-abc123-uc.a.run.app"
PUBSUB_AGENT = f"service-{PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
PUSH_SA = f"mm-pubsub-push@{PROJECT_ID}.iam.gserviceaccount.com"

FAKE_GCLOUD = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["GCLOUD_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
words = [a for a in args if not a.startswith("-")]
if words[:2] == ["projects", "describe"]:
    print("{PROJECT_NUMBER}")
elif words[:3] == ["run", "services", "describe"]:
    print("{WORKER_URL}")
elif "describe" in words:
    sys.exit(1)
"""

Calls = list[list[str]]


@pytest.fixture
def run_script(tmp_path: Path, root: Path) -> Callable[[str], Calls]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "gcloud"
    fake.write_text(FAKE_GCLOUD)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "gcloud.log"

    def run(script: str, **env: str) -> Calls:
        log.write_text("")
        result = subprocess.run(
            ["bash", str(root / "deploy" / "cloudrun" / script)],
            env={
                "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                "HOME": str(tmp_path),
                "GCLOUD_LOG": str(log),
                "PROJECT_ID": PROJECT_ID,
                **env,
            },
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in log.read_text().splitlines()]

    return run


def one_call(calls: Calls, *words: str) -> list[str]:
    """The one call whose positional words start with ``words``."""
    matches = [
        c for c in calls if [a for a in c if not a.startswith("-")][: len(words)] == list(words)
    ]
    assert len(matches) == 1, f"expected one `gcloud {' '.join(words)}`, got {matches}"
    return matches[0]


def flag(call: list[str], name: str) -> str:
    values = [a.split("=", 1)[1] for a in call if a.startswith(f"--{name}=")]
    assert len(values) == 1, f"--{name} in {call}"
    return values[0]


def bindings(calls: Calls) -> set[tuple[str, str, str, str]]:
    """(kind, resource, member, role) for every add-iam-policy-binding call."""
    found = set()
    for call in calls:
        if "add-iam-policy-binding" in call:
            i = call.index("add-iam-policy-binding")
            found.add((call[i - 1], call[i + 1], flag(call, "member"), flag(call, "role")))
    return found


# ----------------------------------------------------------------------------- linting


@pytest.mark.parametrize("script", [*SCRIPTS, "env.sh"])
def test_script_passes_shellcheck_and_bash_syntax(
    root: Path, tool: Callable[[str, str], str], script: str
) -> None:
    path = root / "deploy" / "cloudrun" / script
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
    shellcheck = tool("shellcheck", "apt-get install shellcheck")
    lint = subprocess.run(
        [shellcheck, "--external-sources", str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_is_strict_and_executable(root: Path, script: str) -> None:
    path = root / "deploy" / "cloudrun" / script
    lines = path.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines
    assert path.stat().st_mode & stat.S_IXUSR


def test_make_fragment_runs_each_script(root: Path) -> None:
    expected = {
        "gcp-setup": "setup.sh",
        "gcp-build": "build.sh",
        "gcp-deploy-api": "deploy-api.sh",
        "gcp-deploy-worker": "deploy-worker.sh",
        "gcp-wire-push": "wire-push.sh",
    }
    for target, script in expected.items():
        dry_run = subprocess.run(
            ["make", "--no-print-directory", "-n", "-f", "deploy/cloudrun.mk", target],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert dry_run.stdout.strip() == f"bash deploy/cloudrun/{script}"


# ---------------------------------------------------------------------------- behaviour


def test_setup_creates_a_subscription_that_dead_letters_after_five_attempts(
    run_script: Callable[..., Calls],
) -> None:
    calls = run_script("setup.sh")
    assert all(f"--project={PROJECT_ID}" in c for c in calls if c[:2] != ["config", "get-value"])

    subscription = one_call(calls, "pubsub", "subscriptions", "create", "log-processing-sub")
    assert flag(subscription, "topic") == "log-ingestion"
    assert flag(subscription, "ack-deadline") == "600"
    assert flag(subscription, "dead-letter-topic") == "log-ingestion-dlq"
    assert flag(subscription, "max-delivery-attempts") == "5"
    dlq = one_call(calls, "pubsub", "subscriptions", "create", "log-ingestion-dlq-sub")
    assert flag(dlq, "topic") == "log-ingestion-dlq"
    one_call(calls, "pubsub", "topics", "create", "log-ingestion")
    one_call(calls, "pubsub", "topics", "create", "log-ingestion-dlq")
    one_call(calls, "firestore", "databases", "create")
    one_call(calls, "artifacts", "repositories", "create", "memory-machines")

    granted = bindings(calls)
    agent = f"serviceAccount:{PUBSUB_AGENT}"
    assert ("topics", "log-ingestion-dlq", agent, "roles/pubsub.publisher") in granted
    assert ("subscriptions", "log-processing-sub", agent, "roles/pubsub.subscriber") in granted
    api = f"serviceAccount:mm-api@{PROJECT_ID}.iam.gserviceaccount.com"
    assert ("topics", "log-ingestion", api, "roles/pubsub.publisher") in granted


def test_setup_honours_overrides(run_script: Callable[..., Calls]) -> None:
    calls = run_script("setup.sh", PUBSUB_SUBSCRIPTION_ID="subs", ACK_DEADLINE_SECONDS="300")
    assert (
        flag(one_call(calls, "pubsub", "subscriptions", "create", "subs"), "ack-deadline") == "300"
    )


def deployed_env(call: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in flag(call, "set-env-vars").split(","))


@pytest.mark.parametrize(
    ("script", "service"), [("deploy-api.sh", "ingest-api"), ("deploy-worker.sh", "worker")]
)
def test_deploy_sets_only_real_settings(
    run_script: Callable[..., Calls],
    settings_env_names: frozenset[str],
    script: str,
    service: str,
) -> None:
    deploy = one_call(run_script(script), "run", "deploy", service)
    env = deployed_env(deploy)
    assert set(env) <= settings_env_names
    assert (env["MM_QUEUE"], env["MM_STORE"]) == ("pubsub", "firestore")
    assert env["GCP_PROJECT_ID"] == PROJECT_ID
    assert flag(deploy, "args") == "api,--host,0.0.0.0,--port,8080"
    assert flag(deploy, "port") == "8080"
    assert "--no-allow-unauthenticated" in deploy


def test_worker_is_private_long_running_and_checks_push_tokens(
    run_script: Callable[..., Calls],
) -> None:
    deploy = one_call(run_script("deploy-worker.sh"), "run", "deploy", "worker")
    assert flag(deploy, "timeout") == "900"
    assert flag(deploy, "concurrency") == "1000"
    assert flag(deploy, "service-account") == f"mm-worker@{PROJECT_ID}.iam.gserviceaccount.com"
    env = deployed_env(deploy)
    assert env["MM_PUSH_AUTH_SERVICE_ACCOUNT"] == PUSH_SA
    assert env["MM_PUSH_AUTH_AUDIENCE"] == WORKER_URL
    assert env["MM_WORKER_CONCURRENCY"] == "1000"


def test_wire_push_points_the_subscription_at_process_with_an_oidc_token(
    run_script: Callable[..., Calls],
) -> None:
    calls = run_script("wire-push.sh")
    push = one_call(calls, "pubsub", "subscriptions", "modify-push-config", "log-processing-sub")
    assert flag(push, "push-endpoint") == f"{WORKER_URL}/process"
    assert flag(push, "push-auth-service-account") == PUSH_SA
    assert flag(push, "push-auth-token-audience") == WORKER_URL

    update = one_call(calls, "pubsub", "subscriptions", "update", "log-processing-sub")
    assert flag(update, "ack-deadline") == "600"
    assert flag(update, "dead-letter-topic") == "log-ingestion-dlq"
    assert flag(update, "max-delivery-attempts") == "5"

    granted = bindings(calls)
    assert ("services", "worker", f"serviceAccount:{PUSH_SA}", "roles/run.invoker") in granted
    assert (
        "service-accounts",
        PUSH_SA,
        f"serviceAccount:{PUBSUB_AGENT}",
        "roles/iam.serviceAccountTokenCreator",
    ) in granted


def test_public_api_is_an_explicit_choice(run_script: Callable[..., Calls]) -> None:
    deploy = one_call(
        run_script("deploy-api.sh", API_ALLOW_UNAUTHENTICATED="true"), "run", "deploy", "ingest-api"
    )
    assert "--allow-unauthenticated" in deploy
    assert "--no-allow-unauthenticated" not in deploy


def test_admin_token_comes_from_secret_manager(run_script: Callable[..., Calls]) -> None:
    deploy = one_call(
        run_script("deploy-api.sh", ADMIN_TOKEN_SECRET="mm-admin-token"),
        "run",
        "deploy",
        "ingest-api",
    )
    assert flag(deploy, "set-secrets") == "MM_ADMIN_TOKEN=mm-admin-token:latest"
    assert "MM_ADMIN_TOKEN" not in deployed_env(deploy)


def test_deadlines_cover_the_longest_message(run_script: Callable[..., Calls]) -> None:
    """The slowest text finishes within the ack deadline, which Cloud Run's timeout covers."""
    from memory_machines.settings import Settings

    defaults = Settings(_env_file=None)
    longest_s = defaults.max_text_chars * defaults.work_seconds_per_char
    subscription = one_call(
        run_script("setup.sh"), "pubsub", "subscriptions", "create", "log-processing-sub"
    )
    ack_deadline_s = int(flag(subscription, "ack-deadline"))
    deploy = one_call(run_script("deploy-worker.sh"), "run", "deploy", "worker")
    assert longest_s < ack_deadline_s <= int(flag(deploy, "timeout"))
    assert deployed_env(deploy)["MM_PUBSUB_ACK_DEADLINE_SECONDS"] == str(ack_deadline_s)

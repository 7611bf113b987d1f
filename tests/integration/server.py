"""Real server processes for integration tests: start, wait until healthy, stop or kill."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx

# The original service's names, and the Google clients' emulator variables, have no MM_ prefix.
_UNPREFIXED = {
    "GCP_PROJECT_ID",
    "PUBSUB_TOPIC_ID",
    "PUBSUB_SUBSCRIPTION_ID",
    "PUBSUB_DEAD_LETTER_TOPIC_ID",
    "PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID",
    "PUBSUB_EMULATOR_HOST",
    "FIRESTORE_EMULATOR_HOST",
}


def settings_env(settings: dict[str, Any]) -> dict[str, str]:
    """``work_seconds_per_char=0`` → ``MM_WORK_SECONDS_PER_CHAR=0``; Google names stay as they are."""
    env = {}
    for key, value in settings.items():
        name = key.upper()
        if not name.startswith("MM_") and name not in _UNPREFIXED:
            name = f"MM_{name}"
        env[name] = str(value)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``python -m memory_machines <command>`` with its own data dir and log file.

    Every started process is remembered so the suite kills it even when a test fails midway."""

    started: ClassVar[list[ServerProcess]] = []

    def __init__(self, data_dir: Path, command: str = "serve", **env: Any) -> None:
        self.data_dir = data_dir
        self.command = command
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MM_DATA_DIR": str(data_dir), "MM_LOG_LEVEL": "INFO"}
        self.env.update(settings_env(env))
        self.log_path = data_dir / f"{command}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 30.0) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "memory_machines", self.command]
        if self.command in ("serve", "api"):
            args += ["--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        ServerProcess.started.append(self)
        if self.command in ("serve", "api"):
            wait_for(
                lambda: self._healthy(),
                timeout_s,
                f"{self.command} did not become healthy:\n{self.logs()}",
            )
        return self

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.logs()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no cleanup, no lease release, exactly what a crash looks like."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def terminate(self, timeout_s: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


def wait_for(
    condition: Callable[[], bool],
    timeout_s: float,
    message: str = "timed out",
    interval_s: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval_s)
    raise AssertionError(message)


def run_cli(data_dir: Path, *args: str, **env: Any) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "MM_DATA_DIR": str(data_dir)}
    full_env.update(settings_env(env))
    return subprocess.run(
        [sys.executable, "-m", "memory_machines", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def all_log_ids(client: httpx.Client, tenant_id: str) -> list[str]:
    """Every log_id listed for a tenant, following cursors (duplicates would show twice)."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        data = client.get(f"/tenants/{tenant_id}/logs", params=params).json()["data"]
        ids += [item["log_id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            return ids

"""The Google Cloud CLI's Pub/Sub and Firestore emulators, run as subprocesses for tests.

Each emulator runs on a free port in its own process group (``gcloud`` spawns a shell and a JVM:
stopping kills the whole group). ``shared_emulators`` starts both at once, the first time any
test of the session asks, so their JVMs boot in parallel, and stops them when the session ends.
Without ``gcloud`` a test is skipped with the reason; in CI (``MM_REQUIRE_EMULATORS=1``) it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Emulator:
    """One emulator subprocess; ``host`` is what ``*_EMULATOR_HOST`` must say."""

    def __init__(self, name: str, command: list[str], log_path: Path, port: int) -> None:
        self.name = name
        self.command = command
        self.log_path = log_path
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._ready = False

    @classmethod
    def pubsub(cls, workdir: Path, project: str = "mm-test") -> Emulator:
        port = free_port()
        data_dir = workdir / f"pubsub-{port}"
        data_dir.mkdir(parents=True, exist_ok=True)  # gcloud writes env.yaml there
        command = [
            "gcloud", "beta", "emulators", "pubsub", "start",
            f"--host-port=127.0.0.1:{port}", f"--project={project}", f"--data-dir={data_dir}",
        ]  # fmt: skip
        return cls("pubsub", command, workdir / f"pubsub-{port}.log", port)

    @classmethod
    def firestore(cls, workdir: Path) -> Emulator:
        port = free_port()
        command = ["gcloud", "emulators", "firestore", "start", f"--host-port=127.0.0.1:{port}"]
        return cls("firestore", command, workdir / f"firestore-{port}.log", port)

    def start(self) -> Emulator:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, killed as a whole
                env={**os.environ, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1"},
            )
        return self

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.host}/", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> Emulator:
        if self._ready:
            return self
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            if self.process.poll() is not None:
                skip_or_fail(f"the {self.name} emulator exited early:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                skip_or_fail(f"the {self.name} emulator did not answer within {timeout_s:g} s")
            time.sleep(0.1)
        self._ready = True
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        self._ready = False
        if process is None or process.poll() is not None:
            return
        for signum, grace_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
            try:
                process.wait(grace_s)
                break
            except subprocess.TimeoutExpired:
                continue
        # The JVM can outlive its gcloud parent for a moment: make sure the port is released.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def require_gcloud() -> None:
    if shutil.which("gcloud") is None:
        skip_or_fail("the Google Cloud CLI (gcloud) with its emulators is not installed")


_SHARED = pytest.StashKey[dict[str, Emulator]]()


def shared_emulators(config: pytest.Config) -> dict[str, Emulator]:
    """The session's emulators (``pubsub``, ``firestore``), started on first use; call
    ``wait_ready()`` on the one a test needs."""
    if _SHARED not in config.stash:
        require_gcloud()
        workdir = Path(tempfile.mkdtemp(prefix="mm-emulators-"))
        running = {
            "pubsub": Emulator.pubsub(workdir).start(),
            "firestore": Emulator.firestore(workdir).start(),
        }
        for emulator in running.values():
            config.add_cleanup(emulator.stop)
        config.add_cleanup(lambda: shutil.rmtree(workdir, ignore_errors=True))
        config.stash[_SHARED] = running
    return config.stash[_SHARED]

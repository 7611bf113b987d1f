"""Server processes for the stages: the service (``api`` or ``serve``) or the raw ASGI app.

Each gets its own data directory (also its working directory, so no stray ``.env`` applies), a
free port on 127.0.0.1, and a log file; inherited ``MM_*`` variables are dropped so a run
measures only the settings it names.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parent.parent
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# An ``api`` server without a worker only fills its queue: at NDJSON rates it would pass the
# default depth limit (and answer 503) within seconds.
NO_DEPTH_LIMIT: Mapping[str, str | int | float] = {"MM_QUEUE_MAX_DEPTH": 1_000_000_000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(settings: Mapping[str, str | int | float] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MM_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.update({"MM_LOG_LEVEL": "WARNING", "MM_SHUTDOWN_GRACE_SECONDS": "1"})
    env.update({k: str(v) for k, v in (settings or {}).items()})
    return env


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process from /proc/PID/status (``VmHWM``: its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for pid {pid}")


def http_get(url: str, timeout_s: float = 5.0) -> tuple[int, bytes]:
    try:
        with _NO_PROXY.open(url, timeout=timeout_s) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    """One server process; a context manager that always stops what it started."""

    def __init__(
        self,
        data_dir: Path,
        role: str = "api",
        settings: Mapping[str, str | int | float] | None = None,
    ) -> None:
        self.role = role  # "api", "serve" or "raw"
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = child_env({"MM_DATA_DIR": str(data_dir), **(settings or {})})
        self.log_path = data_dir / f"{role}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def argv(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port)]
        if self.role == "raw":
            return [sys.executable, "-m", "benchmarks.raw_asgi", *where]
        return [sys.executable, "-m", "memory_machines", self.role, *where]

    def start(self, timeout_s: float = 30.0) -> Server:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv(),
                cwd=self.data_dir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.role} exited early:\n{self.logs()}")
            try:
                if http_get(f"{self.url}/health", timeout_s=1)[0] < 500:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.role} did not answer within {timeout_s} s:\n{self.logs()}")

    def logs(self, tail_chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail_chars:]
        except OSError:
            return ""

    def writer_busy_s(self) -> float:
        """Seconds the service's SQLite writer has spent on transactions since it started."""
        backend = self.metrics()["backend"]
        assert isinstance(backend, dict)
        return float(backend["sqlite_writer_busy_seconds_total"])

    def metrics(self) -> dict[str, object]:
        import orjson

        status, body = http_get(f"{self.url}/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        doc = orjson.loads(body)
        assert isinstance(doc, dict)
        return doc

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (graceful), then SIGKILL of the process group if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

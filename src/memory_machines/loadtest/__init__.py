"""Open-loop load testing of the ingest API, with an end-to-end audit of what was stored.

Programmatic use::

    result = await run_load(LoadConfig("http://127.0.0.1:8080", rate_rps=200, verify=True))
    result.achieved_rps, result.latency, result.verification

Only ``config.url`` receives traffic.
"""

from memory_machines.loadtest.config import ConfigError, LoadConfig, Mix
from memory_machines.loadtest.result import LoadResult
from memory_machines.loadtest.runner import run_load
from memory_machines.loadtest.verify import VerifyResult, verify_run

__all__ = [
    "ConfigError",
    "LoadConfig",
    "LoadResult",
    "Mix",
    "VerifyResult",
    "run_load",
    "verify_run",
]

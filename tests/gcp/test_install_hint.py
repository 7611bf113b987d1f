"""Without the ``[gcp]`` extra, importing a Google Cloud adapter says how to install it."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Hide every google.* module, as on an installation without the extra.
BLOCK_GOOGLE = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "google" or name.startswith("google."):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, Block())
try:
    import {module}
except ImportError as exc:
    print(exc)
else:
    print("imported")
"""


@pytest.mark.parametrize(
    "module",
    [
        "memory_machines.queue.pubsub",
        "memory_machines.store.firestore",
        "memory_machines.gcp.provision",
        "memory_machines.gcp.oidc",
    ],
)
def test_importing_an_adapter_without_the_libraries_names_the_extra(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_GOOGLE.replace("{module}", module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert "pip install 'memory-machines[gcp]'" in result.stdout


def test_the_push_endpoint_and_the_cli_import_without_the_libraries() -> None:
    """The API imports the push handler lazily; it must not need Google libraries itself."""
    code = BLOCK_GOOGLE.replace("{module}", "memory_machines.gcp.push, memory_machines.gcp.cli")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "imported"

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.server import ServerProcess

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _kill_leftover_servers() -> Iterator[None]:
    """A failing assertion must not leave a server process running after its test."""
    yield
    while ServerProcess.started:
        ServerProcess.started.pop().kill()

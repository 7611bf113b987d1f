"""Fixtures for tests against the Google Cloud emulators (see ``emulators.py``).

Each test gets its own topics, subscriptions and Firestore project, so tests never see each
other's data and the emulators are shared by the whole session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gcp.emulators import Emulator, require_gcloud, shared_emulators


@pytest.fixture(scope="session")
def pubsub_emulator(pytestconfig: pytest.Config) -> Emulator:
    return shared_emulators(pytestconfig)["pubsub"].wait_ready()


@pytest.fixture(scope="session")
def firestore_emulator(pytestconfig: pytest.Config) -> Emulator:
    return shared_emulators(pytestconfig)["firestore"].wait_ready()


@pytest.fixture
def start_pubsub_emulator(
    tmp_path: Path,
) -> Iterator[Callable[[], Emulator]]:
    """A private Pub/Sub emulator that a test may stop (to see what an outage does)."""
    require_gcloud()
    started: list[Emulator] = []

    def start() -> Emulator:
        emulator = Emulator.pubsub(tmp_path).start()
        started.append(emulator)
        return emulator.wait_ready()

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator_env(
    pubsub_emulator: Emulator, firestore_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Point the Google clients of this test (and its subprocesses) at the emulators."""
    env = {
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.host,
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env

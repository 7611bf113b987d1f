"""The Google Cloud backends for the contract suites, on the session's emulators.

Importable only with the ``[gcp]`` extra installed; the contract conftest adds the
``firestore-emulator`` parameter when this module imports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from memory_machines.store.base import Store
from memory_machines.store.firestore import FirestoreStore
from tests.gcp.emulators import shared_emulators
from tests.gcp.support import gcp_settings


@asynccontextmanager
async def firestore_store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """A Firestore store on an empty database (its own project) of the shared emulator."""
    emulator = shared_emulators(request.config)["firestore"].wait_ready()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FIRESTORE_EMULATOR_HOST", emulator.host)
        async with FirestoreStore.from_settings(gcp_settings()) as store:
            yield store

"""Fixtures for the HTTP contract: each test gets its own app over the in-memory backends."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from tests.api.support import Api, ApiFactory, make_settings, running


@pytest.fixture(autouse=True)
def _no_environment_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process environment must not change what a test means."""
    for name in list(os.environ):
        if name.startswith("MM_"):
            monkeypatch.delenv(name)


@pytest.fixture
def make_api() -> ApiFactory:
    """``async with make_api(with_worker=True, max_text_chars=10) as api``: a custom app."""

    def factory(*, with_worker: bool = False, **overrides: Any) -> AbstractAsyncContextManager[Api]:
        return running(make_settings(**overrides), with_worker=with_worker)

    return factory


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    """The default app, without a worker: what is accepted stays queued until processed."""
    async with running(make_settings(), with_worker=False) as app:
        yield app


@pytest.fixture
async def client(api: Api) -> httpx.AsyncClient:
    return api.client

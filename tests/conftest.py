"""Shared test settings: real services skip on a laptop without them, but fail in CI."""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("MM_REQUIRE_EMULATORS") == "1" or os.environ.get("CI") == "true"


def skip_or_fail(reason: str) -> None:
    """Skip when a real service is missing locally; in CI a missing service is a failure."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)

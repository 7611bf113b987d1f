"""The service as a process: what starting it sets beyond its backends."""

from __future__ import annotations

import sys

import pytest

from memory_machines.service import Service
from memory_machines.settings import Settings
from tests.api.support import make_settings


def test_the_interpreter_switch_interval_defaults_to_half_a_millisecond() -> None:
    assert Settings(_env_file=None).switch_interval_ms == 0.5  # type: ignore[call-arg]


async def test_starting_the_service_applies_the_switch_interval() -> None:
    before = sys.getswitchinterval()
    service = Service.build(make_settings(switch_interval_ms=0.25), with_worker=False)
    try:
        await service.start()
        assert sys.getswitchinterval() == pytest.approx(0.00025)
    finally:
        await service.close()
        sys.setswitchinterval(before)

"""Process-wide settings: the interpreter switch interval, set where the API runs."""

from __future__ import annotations

import sys

import pytest

from memory_machines.api.app import App
from memory_machines.service import Service
from memory_machines.settings import Settings
from tests.api.support import make_settings


def test_the_interpreter_switch_interval_defaults_to_half_a_millisecond() -> None:
    assert Settings(_env_file=None).switch_interval_ms == 0.5  # type: ignore[call-arg]


async def test_the_api_applies_the_switch_interval_and_a_bare_service_does_not() -> None:
    before = sys.getswitchinterval()
    settings = make_settings(switch_interval_ms=0.25)
    service = Service.build(settings, with_worker=True)
    await service.start()  # a worker-only process: Python's own interval stays
    assert sys.getswitchinterval() == before
    await service.close()

    app = App(Service.build(settings, with_worker=False))
    startup = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, str]] = []

    async def receive() -> dict[str, str]:
        return startup.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message)
        if message["type"] == "lifespan.startup.complete":
            assert sys.getswitchinterval() == pytest.approx(0.00025)

    try:
        await app({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
        assert [m["type"] for m in sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.complete",
        ]
    finally:
        sys.setswitchinterval(before)

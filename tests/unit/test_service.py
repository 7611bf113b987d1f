"""Process-wide settings: the interpreter switch interval, set where the API runs, and the
garbage collector, set up by every server process."""

from __future__ import annotations

import gc
import sys

import pydantic
import pytest

from memory_machines import cli, runtime
from memory_machines.api.app import App
from memory_machines.service import Service
from memory_machines.settings import Settings
from tests.api.support import make_settings


def test_the_interpreter_switch_interval_defaults_to_a_tenth_of_a_millisecond() -> None:
    assert Settings(_env_file=None).switch_interval_ms == 0.1  # type: ignore[call-arg]


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


def test_preparing_the_collector_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        runtime.prepare_collector(20_000)
        assert gc.get_threshold() == (20_000, *before[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


class _Prepared(Exception):
    """Raised in place of preparing the collector: the role goes no further."""


@pytest.mark.parametrize("role", ["serve", "api", "worker"])
async def test_every_server_role_prepares_the_collector_with_the_setting(
    role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    thresholds: list[int] = []

    def prepare(young_threshold: int) -> None:
        thresholds.append(young_threshold)
        raise _Prepared

    monkeypatch.setattr(runtime, "prepare_collector", prepare)
    settings = make_settings(gc_young_threshold=12_345)
    if role == "worker":
        with pytest.raises(_Prepared):
            await cli._worker_main(settings)
    else:
        with pytest.raises(_Prepared):
            cli._run_http("127.0.0.1", 0, role == "serve", settings)
    assert thresholds == [12_345]


def test_the_young_threshold_defaults_to_twenty_thousand_and_never_goes_below_python() -> None:
    assert Settings(_env_file=None).gc_young_threshold == 20_000  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError, match="gc_young_threshold"):
        Settings(_env_file=None, gc_young_threshold=100)  # type: ignore[call-arg]

"""Settings and the command line: defaults, rates, and usage errors (exit code 2)."""

from __future__ import annotations

import pytest

from memory_machines.loadtest.cli import build_parser, config_from_args, main
from memory_machines.loadtest.config import ConfigError, LoadConfig, Mix


def test_defaults_match_the_original_tool() -> None:
    args = build_parser().parse_args(["http://127.0.0.1:8080"])
    cfg = config_from_args(args)
    assert cfg.rate_rps == pytest.approx(1000 / 60)
    assert (cfg.duration_s, cfg.concurrency, cfg.tenants) == (60, 50, 5)
    assert cfg.total_requests == 1000
    assert str(cfg.mix) == "6:3:1"
    assert cfg.batch_size == 100
    assert not cfg.verify and cfg.verify_timeout_s == 300


def test_rps_replaces_rpm() -> None:
    cfg = config_from_args(build_parser().parse_args(["http://h", "--rps", "5", "--duration", "3"]))
    assert cfg.rate_rps == 5 and cfg.total_requests == 15


def test_run_ids_differ_between_runs_and_name_the_tenants() -> None:
    first, second = LoadConfig("http://h"), LoadConfig("http://h", tenants=2)
    assert first.run_id != second.run_id
    assert second.tenant_ids() == [f"{second.run_id}-t1", f"{second.run_id}-t2"]
    assert LoadConfig("http://h", tenants=2, tenant_prefix="acme").tenant_ids() == [
        "acme1",
        "acme2",
    ]


@pytest.mark.parametrize("spec", ["6:3", "a:b:c", "0:0:0", "-1:1:1"])
def test_a_bad_mix_is_refused(spec: str) -> None:
    with pytest.raises(ConfigError):
        Mix.parse(spec)


@pytest.mark.parametrize(
    "overrides",
    [
        {"url": "ftp://h"},
        {"url": "127.0.0.1:8080"},
        {"rate_rps": 0},
        {"concurrency": 0},
        {"run_id": "has space"},
        {"run_id": "../up"},
    ],
)
def test_impossible_settings_are_refused(overrides: dict[str, object]) -> None:
    settings: dict[str, object] = {"url": "http://h"} | overrides
    with pytest.raises(ConfigError):
        LoadConfig(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["http://h", "--rps", "1", "--rpm", "60"],
        ["http://h", "--mix", "1:2"],
        ["not-a-url"],
        ["http://h", "--rpm", "0"],
        ["http://h", "--header", "no-colon"],
    ],
)
def test_usage_errors_exit_2_without_sending_anything(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--verify-timeout" in capsys.readouterr().out

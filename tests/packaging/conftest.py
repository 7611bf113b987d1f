"""Shared helpers for the packaging tests: where the repository is, the linters, the CLI."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def external_env_names() -> frozenset[str]:
    """Read by the Google Cloud client libraries or set by the platform, not by Settings."""
    return frozenset({"PUBSUB_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "PORT"})


@pytest.fixture(scope="session")
def tool() -> Callable[[str, str], str]:
    """Path of a command-line linter: skipped when absent locally, a failure under CI."""

    def find(name: str, install_hint: str) -> str:
        found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
        if found:
            return found
        message = f"{name} is not installed ({install_hint})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    return find


@pytest.fixture(scope="session")
def settings_env_names() -> frozenset[str]:
    """Every environment variable name that Settings reads (upper case)."""
    from memory_machines.settings import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if alias is None:
            names.add(f"{prefix}{field_name}".upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:  # AliasChoices
            names.update(str(choice).upper() for choice in alias.choices)
    return frozenset(names)


@pytest.fixture(scope="session")
def cli_parser() -> argparse.ArgumentParser:
    from memory_machines.cli import build_parser

    return build_parser()


def _subcommand_path(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    path: list[str] = []
    current = parser
    for token in argv:
        subparsers = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not subparsers or token.startswith("-"):
            break
        choices = subparsers[0].choices
        if token not in choices:
            break
        path.append(token)
        current = choices[token]
    return path


@pytest.fixture(scope="session")
def subcommand_path() -> Callable[[argparse.ArgumentParser, list[str]], list[str]]:
    """The chain of subcommands that an argv selects, e.g. ``["dlq", "list"]``."""
    return _subcommand_path

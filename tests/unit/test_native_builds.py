"""The compiled builds: each is loaded only when it is whole and built from the sources at hand.

Where a C compiler is present (`make` builds both units, CI requires it), the whole test suite
runs against the compiled code; these tests check that it is the code loaded, how a build is
chosen, and that a build which cannot be trusted or loaded leaves its unit interpreted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib.machinery import ExtensionFileLoader
from pathlib import Path
from typing import Any

import pytest

from memory_machines import BUILDS
from memory_machines.native import (
    COMPILED,
    DAMAGED,
    INTERPRETED,
    MANIFEST,
    OUT_OF_DATE,
    PACKAGE,
    UNITS,
    CompiledModules,
    Unit,
    choose,
    file_digest,
    fingerprint,
    manifest_text,
    read_manifest,
    state,
)
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def _require_compiled(unit: Unit) -> None:
    if BUILDS[unit.name] != COMPILED:
        skip_or_fail(f"{unit.name} runs {BUILDS[unit.name]}: build it with `make native`")


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_compiled_unit_is_the_code_loaded(unit: Unit) -> None:
    _require_compiled(unit)
    for name in unit.full_names():
        module = sys.modules.get(name) or __import__(name, fromlist=["_"])
        assert isinstance(module.__loader__, ExtensionFileLoader), name
        # mypyc names the path of a module loaded by another of its unit on its own account.
        loaded = Path(module.__loader__.path)
        assert loaded.is_relative_to(unit.directory(ROOT / "src" / PACKAGE)), name
        assert loaded.name.endswith(SUFFIX)


def test_the_build_command_finds_this_checkout_up_to_date() -> None:
    for unit in UNITS:
        _require_compiled(unit)
    done = subprocess.run(
        [sys.executable, "-m", "memory_machines.build", "--if-possible"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    assert "up to date" in done.stderr


# --- a build that cannot be trusted or loaded, in a copy of the package ------------------------


def _copy_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path / PACKAGE


# Ingests through the app in process and redacts one text: both units at work.
_PROBE = """
import asyncio, json
from memory_machines import BUILDS
from memory_machines.redaction import Redactor
from tests.api.support import make_settings, record, running

async def main():
    async with running(make_settings(), with_worker=False) as api:
        good = await api.post_json(record())
        bad = await api.post_json({**record(), "tenant_id": 123})
    print(json.dumps({"builds": BUILDS, "ingest": good.status_code,
                      "bad": bad.json()["error"]["code"],
                      "redacted": Redactor().redact("call 555-0199").text}))

asyncio.run(main())
"""


def _probe(package: Path) -> dict[str, Any]:
    """What `_PROBE` prints in a process that imports the package from `package`."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(package.parent), str(ROOT)])},
        timeout=60,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_a_damaged_build_leaves_its_unit_interpreted(unit: Unit, tmp_path: Path) -> None:
    """A damaged build must not keep the service from starting, nor half load."""
    _require_compiled(unit)
    package = _copy_package(tmp_path)
    module = unit.full_names()[-1]
    unit.library(module, package).write_bytes(b"not a shared library")
    result = _probe(package)
    assert result["builds"] == {**BUILDS, unit.name: DAMAGED}
    assert result == {**result, "ingest": 202, "bad": "VALIDATION_ERROR"}
    assert result["redacted"] == "call [REDACTED]"


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_a_build_that_does_not_load_leaves_its_unit_interpreted(unit: Unit, tmp_path: Path) -> None:
    """As a build made for another system: its files are the ones written, but do not load."""
    _require_compiled(unit)
    package = _copy_package(tmp_path)
    shared = unit.library(unit.shared_library, package)
    shared.write_bytes(b"not a shared library")
    manifest = unit.directory(package) / MANIFEST
    built_from, files = read_manifest(manifest)
    files[shared.relative_to(unit.directory(package)).as_posix()] = file_digest(shared)
    manifest.write_text(manifest_text(built_from, files))
    result = _probe(package)
    assert result["builds"][unit.name].startswith("interpreted (the compiled build did not load:")
    assert result == {**result, "ingest": 202, "bad": "VALIDATION_ERROR"}
    assert result["redacted"] == "call [REDACTED]"


# --- choosing a build, for a unit made up in a temporary directory -----------------------------

MADE_UP = Unit("made_up", ("one", "sub.two"), "MM_MADE_UP_BUILD")


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(MADE_UP.environment, raising=False)
    for source in MADE_UP.sources(tmp_path):
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"# {source.name}\n")
    return tmp_path


def _build(package: Path, source_fingerprint: str | None = None) -> dict[str, str]:
    """Write a made-up build: a file for each module and the shared library, and the manifest."""
    directory = MADE_UP.directory(package)
    files = {}
    for name in (*MADE_UP.full_names(), MADE_UP.shared_library):
        library = MADE_UP.library(name, package)
        library.parent.mkdir(parents=True, exist_ok=True)
        library.write_bytes(name.encode())
        files[library.relative_to(directory).as_posix()] = file_digest(library)
    (directory / MANIFEST).write_text(
        manifest_text(source_fingerprint or fingerprint(MADE_UP, package), files)
    )
    return files


def test_a_whole_build_of_these_sources_is_compiled(package: Path) -> None:
    _build(package)
    assert state(MADE_UP, package) == COMPILED


def test_a_unit_never_built_runs_interpreted(package: Path) -> None:
    assert state(MADE_UP, package) == INTERPRETED


def test_a_build_of_other_sources_is_not_loaded(package: Path) -> None:
    _build(package)
    MADE_UP.sources(package)[1].write_text("# two, edited since\n")
    assert state(MADE_UP, package) == OUT_OF_DATE


def test_a_source_gone_leaves_the_build_out(package: Path) -> None:
    _build(package)
    MADE_UP.sources(package)[0].unlink()
    assert state(MADE_UP, package) == OUT_OF_DATE


def test_a_file_changed_or_gone_since_the_build_leaves_it_out(package: Path) -> None:
    _build(package)
    library = MADE_UP.library(f"{PACKAGE}.sub.two", package)
    library.write_bytes(b"changed")
    assert state(MADE_UP, package) == DAMAGED
    library.unlink()
    assert state(MADE_UP, package) == DAMAGED


def test_a_manifest_that_leaves_a_module_out_is_not_trusted(package: Path) -> None:
    files = _build(package)
    del files[next(path for path in files if path.endswith(f"two{SUFFIX}"))]
    (MADE_UP.directory(package) / MANIFEST).write_text(
        manifest_text(fingerprint(MADE_UP, package), files)
    )
    assert state(MADE_UP, package) == DAMAGED


def test_the_environment_can_keep_a_good_build_out(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(package)
    monkeypatch.setenv(MADE_UP.environment, "interpreted")
    finder = CompiledModules()
    assert choose(MADE_UP, finder, package) == INTERPRETED
    assert finder.libraries == {}


def test_a_shared_library_that_does_not_load_gives_the_finder_nothing(package: Path) -> None:
    _build(package)  # its "libraries" are text: whole, but not loadable
    finder = CompiledModules()
    assert choose(MADE_UP, finder, package).startswith(
        "interpreted (the compiled build did not load:"
    )
    assert finder.libraries == {}
    assert finder.find_spec(f"{PACKAGE}.one", None) is None


def test_the_fingerprint_covers_every_compiled_module(package: Path) -> None:
    before = fingerprint(MADE_UP, package)
    for source in MADE_UP.sources(package):
        original = source.read_text()
        source.write_text(original + "x = 1\n")
        assert fingerprint(MADE_UP, package) != before, source
        source.write_text(original)
    assert fingerprint(MADE_UP, package) == before


def test_a_unit_s_files_are_laid_out_as_its_modules_are() -> None:
    package = Path("/p")
    assert MADE_UP.sources(package) == [package / "one.py", package / "sub" / "two.py"]
    assert MADE_UP.library(f"{PACKAGE}.sub.two", package) == (
        package / "_native" / "made_up" / PACKAGE / "sub" / f"two{SUFFIX}"
    )
    assert MADE_UP.shared_library == f"{PACKAGE}._made_up__mypyc"

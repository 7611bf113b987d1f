"""Choosing the optional compiled builds: some of the package's modules made C extensions by mypyc.

Two parts of the package run once per record, and compiled unchanged they run faster: the
redaction engine (1.25-1.35x as fast, docs/redaction.md) and the request path from the HTTP
bytes to the queue's insert (docs/benchmarks.md). Each is a `Unit`, compiled by `build.py`
into `_native/<unit>/` beside the sources, with a manifest of the sources it was built from
and of the files it wrote. Importing `memory_machines` runs `install()`, which puts one finder
ahead of the ordinary ones; it loads a unit's modules from its build only when

- the unit's environment variable does not say ``interpreted``;
- the sources at hand are the ones compiled (an edited source runs interpreted until `make`
  builds it again, so an old build never shadows a change);
- every file of the build is the one the build wrote, and its shared library loads (a build
  damaged, or made for another system, is left out instead of keeping the service down).

Otherwise the unit's modules load from their sources, with the same results: a build speeds
code up and changes nothing it does. Compiled code checks type annotations at run time, so
in a compiled module an annotation must hold for any input: a value read from a request is
``object`` until it has been checked.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import ExtensionFileLoader, ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE = "memory_machines"
PACKAGE_DIR = Path(__file__).parent
NATIVE = "_native"
MANIFEST = "MANIFEST"
COMPILED, INTERPRETED = "compiled", "interpreted"
OUT_OF_DATE = f"{INTERPRETED} (the compiled build is out of date)"
DAMAGED = f"{INTERPRETED} (the compiled build's files are not the ones it wrote)"


@dataclass(frozen=True)
class Unit:
    """Modules compiled together, into one shared library, and chosen together: a compiled
    module calls its unit's others directly, so a unit is never loaded half compiled."""

    name: str
    modules: tuple[str, ...]  # dotted, under the package: "api.ingest"
    environment: str  # set to "interpreted", keeps the build out

    @property
    def group(self) -> str:
        """mypyc's name for the unit's shared library, which loads as `shared_library`."""
        return f"{PACKAGE}._{self.name}"

    @property
    def shared_library(self) -> str:
        """The module holding the unit's compiled code, which each module's stub loads."""
        return f"{self.group}__mypyc"

    def full_names(self) -> list[str]:
        return [f"{PACKAGE}.{module}" for module in self.modules]

    def sources(self, package_dir: Path) -> list[Path]:
        return [
            package_dir.joinpath(*module.split(".")).with_suffix(".py") for module in self.modules
        ]

    def directory(self, package_dir: Path) -> Path:
        return package_dir / NATIVE / self.name

    def library(self, name: str, package_dir: Path) -> Path:
        """Where the build keeps the extension of module `name` (a full dotted name)."""
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        return (
            self.directory(package_dir)
            .joinpath(*name.split("."))
            .with_name(name.rpartition(".")[2] + suffix)
        )


# The redaction engine and everything it calls per text; not the package's `__init__`, which
# imports the command-line tools.
REDACTION = Unit(
    "redaction",
    tuple(
        f"redaction.{name}"
        for name in (
            "kinds",
            "detectors",
            "validators",
            "numbers",
            "tokens",
            "emails",
            "assignments",
            "plan",
            "engine",
        )
    ),
    "MM_REDACTION_BUILD",
)
# What each ingest request runs on the event loop and the writer thread, apart from the
# server: the ASGI app and its handlers, the body's checks, the message, the shared insert.
REQUEST_PATH = Unit(
    "request_path",
    ("api.app", "api.handlers", "api.http", "api.ingest", "message", "ids", "sqlite.shared_write"),
    "MM_REQUEST_PATH_BUILD",
)
UNITS = (REDACTION, REQUEST_PATH)


def fingerprint(unit: Unit, package_dir: Path) -> str:
    """SHA-256 of the unit's sources and the interpreter they are built for."""
    digest = hashlib.sha256(sys.implementation.cache_tag.encode())
    for module, source in zip(unit.modules, unit.sources(package_dir), strict=True):
        digest.update(module.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_text(source_fingerprint: str, files: dict[str, str]) -> str:
    """The manifest: the sources' fingerprint, then a line per file (digest, path in the build)."""
    return "".join(
        [
            f"{source_fingerprint}\n",
            *(f"{digest}  {path}\n" for path, digest in sorted(files.items())),
        ]
    )


def read_manifest(path: Path) -> tuple[str, dict[str, str]]:
    """The sources' fingerprint and {path in the build: digest}, as `manifest_text` wrote them."""
    built_from, *lines = path.read_text().splitlines()
    files = {}
    for line in lines:
        digest, _, file = line.partition("  ")
        files[file] = digest
    return built_from, files


def state(unit: Unit, package_dir: Path = PACKAGE_DIR) -> str:
    """COMPILED if a whole build of the sources at hand is there, else why the unit runs
    interpreted (`INTERPRETED` alone: never built)."""
    directory = unit.directory(package_dir)
    try:
        built_from, files = read_manifest(directory / MANIFEST)
    except (OSError, ValueError):  # never built, not readable, or empty
        return INTERPRETED
    try:
        if built_from != fingerprint(unit, package_dir):
            return OUT_OF_DATE
    except OSError:  # sources missing: nothing to compare with, so nothing is trusted
        return OUT_OF_DATE
    expected = {
        unit.library(name, package_dir) for name in (*unit.full_names(), unit.shared_library)
    }
    if not expected <= {directory / file for file in files}:
        return DAMAGED
    try:
        if any(file_digest(directory / file) != digest for file, digest in files.items()):
            return DAMAGED
    except OSError:
        return DAMAGED
    return COMPILED


class CompiledModules:
    """Finds the modules of the builds chosen, ahead of the sources beside them (a finder on
    `sys.meta_path`; not derived from `importlib.abc`, whose import costs more than it)."""

    def __init__(self) -> None:
        self.libraries: dict[str, Path] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        library = self.libraries.get(fullname)
        return None if library is None else _spec(ExtensionFileLoader(fullname, str(library)))


def choose(unit: Unit, finder: CompiledModules, package_dir: Path = PACKAGE_DIR) -> str:
    """Give `finder` the unit's build if it may be loaded; say whether the unit runs compiled."""
    if os.environ.get(unit.environment, "").strip().lower() == INTERPRETED:
        return INTERPRETED
    found = state(unit, package_dir)
    if found != COMPILED:
        return found
    shared = unit.library(unit.shared_library, package_dir)
    try:  # the library every module of the unit loads: not for this system, it is left out
        loader = ExtensionFileLoader(unit.shared_library, str(shared))
        library = importlib.util.module_from_spec(_spec(loader))
        loader.exec_module(library)
    except ImportError as error:
        return f"{INTERPRETED} (the compiled build did not load: {error})"
    sys.modules[unit.shared_library] = library
    for name in unit.full_names():
        finder.libraries[name] = unit.library(name, package_dir)
    return COMPILED


def install(units: Sequence[Unit] = UNITS, package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """Choose each unit's build and put the finder first on `sys.meta_path`; say what runs."""
    finder = CompiledModules()
    chosen = {unit.name: choose(unit, finder, package_dir) for unit in units}
    if finder.libraries:
        sys.meta_path.insert(0, finder)
    return chosen


def _spec(loader: ExtensionFileLoader) -> ModuleSpec:
    spec = ModuleSpec(loader.name, loader, origin=loader.path)
    spec.has_location = True  # the module's __file__ is its library
    return spec

"""Choosing the engine's optional compiled build: its modules turned into C extensions by mypyc.

The same source, compiled, redacts 1.2-1.5 times as fast (docs/redaction.md). The extensions
live in `_native/` beside the sources, with a fingerprint of the sources they were built from.
The package puts that directory first on its import path only when the fingerprint matches,
so an edited source is never shadowed by an old build: it runs interpreted until it is built
again (`make native`, which runs `build.py`). Without a C compiler nothing is built and
everything runs interpreted, with the same results.

`MM_REDACTION_BUILD=interpreted` in the environment keeps the compiled build out (it is read
when the package is imported, since it decides which code is loaded; it changes no result).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

# What is compiled: the engine and everything it calls per text. Not this module, the package
# `__init__` (which chooses the build), the build itself or the command-line tools.
MODULES = (
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
PACKAGE_DIR = Path(__file__).parent
NATIVE = "_native"
FINGERPRINT = "FINGERPRINT"
# The one shared library mypyc makes for the modules, named inside the package.
_PACKAGE = "memory_machines.redaction"
GROUP = f"{_PACKAGE}._engine"
ENVIRONMENT = "MM_REDACTION_BUILD"
COMPILED, INTERPRETED = "compiled", "interpreted"
OUT_OF_DATE = f"{INTERPRETED} (the compiled build is out of date)"


def fingerprint(package_dir: Path) -> str:
    """SHA-256 of the compiled modules' sources and the interpreter they were built for."""
    digest = hashlib.sha256(sys.implementation.cache_tag.encode())
    for name in MODULES:
        digest.update(name.encode() + b"\0" + (package_dir / f"{name}.py").read_bytes())
    return digest.hexdigest()


def state(package_dir: Path = PACKAGE_DIR) -> str:
    """COMPILED if a build of these very sources is there, else why the engine runs interpreted."""
    try:
        built_from = (package_dir / NATIVE / FINGERPRINT).read_text().strip()
    except OSError:  # never built (or not readable)
        return INTERPRETED
    try:
        current = fingerprint(package_dir)
    except OSError:  # sources missing: nothing to compare with, so nothing is trusted
        return OUT_OF_DATE
    return COMPILED if built_from == current else OUT_OF_DATE


def select(package_path: list[str], package_dir: Path = PACKAGE_DIR) -> str:
    """Put the compiled build first on `package_path` if it matches the sources; say which runs."""
    if os.environ.get(ENVIRONMENT, "").strip().lower() == INTERPRETED:
        return INTERPRETED
    found = state(package_dir)
    if found == COMPILED:
        package_path.insert(0, str(package_dir / NATIVE))
    return found


def fall_back(package_path: list[str], error: ImportError, package_dir: Path = PACKAGE_DIR) -> str:
    """Take a compiled build that failed to load (made for another system, damaged) back off
    `package_path`, and forget what of it did load: the engine then loads interpreted, instead
    of the service failing to start over an optional speed-up."""
    native = str(package_dir / NATIVE)
    package_path[:] = [entry for entry in package_path if entry != native]
    for name in (*(f"{_PACKAGE}.{module}" for module in MODULES), f"{GROUP}__mypyc"):
        sys.modules.pop(name, None)
    return f"{INTERPRETED} (the compiled build did not load: {error})"

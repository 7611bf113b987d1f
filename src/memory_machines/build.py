"""Making the compiled builds: `python -m memory_machines.build`.

See `native.py` for what is compiled and how a build is chosen. Needs mypy (the `dev` extra)
and a C compiler; `--if-possible` (what `make` runs) settles for interpreted code without them.
Only the units whose build is missing or out of date are compiled.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from memory_machines.native import (
    COMPILED,
    MANIFEST,
    NATIVE,
    PACKAGE,
    PACKAGE_DIR,
    UNITS,
    Unit,
    file_digest,
    fingerprint,
    manifest_text,
    state,
)

# The type analysis mypyc compiles from: the project's own, less what only a checker reports
# (the modules not compiled are read for their types, not checked).
_MYPY_CONFIG = """\
[mypy]
plugins = pydantic.mypy
follow_imports = silent
ignore_missing_imports = True
"""
# Written whenever the builds are current, for make to compare with the sources' times.
STAMP = "BUILT"


def build(unit: Unit, package_dir: Path = PACKAGE_DIR) -> Path:
    """Compile the unit's modules with mypyc into its directory under `_native`; return it.

    The sources are compiled from a copy of the package, so that a source edited meanwhile is
    not half in the build, and the manifest's fingerprint is that of the copy compiled.
    """
    from mypyc.build import mypycify  # build-time only: not a dependency of the package
    from setuptools import Distribution

    directory = unit.directory(package_dir)
    with tempfile.TemporaryDirectory(prefix=f"mm-build-{unit.name}-") as scratch:
        root = Path(scratch)
        copy = root / PACKAGE
        shutil.copytree(package_dir, copy, ignore=shutil.ignore_patterns(NATIVE, "__pycache__"))
        (root / "mypy.ini").write_text(_MYPY_CONFIG)
        sources = [str(source.relative_to(root)) for source in unit.sources(copy)]
        here = Path.cwd()
        os.chdir(root)  # mypycify takes paths relative to the working directory
        try:
            extensions = mypycify(
                ["--config-file", "mypy.ini", *sources], opt_level="3", group_name=unit.group
            )
            distribution = Distribution(
                {"name": f"{PACKAGE}-{unit.name}", "ext_modules": extensions}
            )
            distribution.script_args = ["--quiet", "build_ext", "--build-lib", "out"]
            distribution.parse_command_line()
            distribution.run_commands()
        finally:
            os.chdir(here)
        incoming = directory.with_name(f"{unit.name}.new")  # replaces the old build at once, whole
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir(parents=True)
        files: dict[str, str] = {}
        for library in (root / "out").rglob(f"*{sysconfig.get_config_var('EXT_SUFFIX')}"):
            path = library.relative_to(root / "out")
            (incoming / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(library, incoming / path)
            files[path.as_posix()] = file_digest(library)
        (incoming / MANIFEST).write_text(manifest_text(fingerprint(unit, copy), files))
        shutil.rmtree(directory, ignore_errors=True)
        incoming.rename(directory)
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m memory_machines.build",
        description="Compile the redaction engine and the request path with mypyc "
        "(needs mypy and a C compiler).",
    )
    parser.add_argument(
        "--if-possible",
        action="store_true",
        help="without mypy or a C compiler, say so and exit 0: the code runs interpreted",
    )
    args = parser.parse_args(argv)
    stale = [unit for unit in UNITS if state(unit) != COMPILED]
    if not stale:
        _stamp()
        print("compiled builds: up to date", file=sys.stderr)
        return 0
    missing = _missing_tools()
    if missing:
        print(f"not compiled: {missing}; the code runs interpreted", file=sys.stderr)
        return 0 if args.if_possible else 1
    for unit in stale:
        try:
            directory = build(unit)
        except (Exception, SystemExit) as exc:  # a compiler error, missing headers, ...
            if not args.if_possible:
                raise
            print(f"{unit.name} not compiled: {exc!r}; it runs interpreted", file=sys.stderr)
            return 0
        print(f"{unit.name} compiled into {directory}", file=sys.stderr)
    _stamp()
    return 0


def _stamp() -> None:
    (PACKAGE_DIR / NATIVE).mkdir(exist_ok=True)
    (PACKAGE_DIR / NATIVE / STAMP).touch()


def _missing_tools() -> str | None:
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypy is not installed (pip install mypy)"
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    if shutil.which(compiler.split()[0]) is None:
        return f"no C compiler ({compiler.split()[0]}) on PATH"
    return None


if __name__ == "__main__":
    raise SystemExit(main())

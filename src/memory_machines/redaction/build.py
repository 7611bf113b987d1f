"""Making the engine's compiled build: `python -m memory_machines.redaction.build`.

See `native.py` for how the package chooses it. Needs mypy (the `dev` extra) and a C compiler;
`--if-possible` (what `make` runs) settles for the interpreted engine without them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from memory_machines.redaction.native import (
    COMPILED,
    FINGERPRINT,
    GROUP,
    MODULES,
    NATIVE,
    PACKAGE_DIR,
    fingerprint,
    state,
)


def build(package_dir: Path = PACKAGE_DIR) -> Path:
    """Compile the modules with mypyc into `package_dir/_native`; return that directory.

    Needs mypy (the `dev` extra) and a C compiler. The sources are compiled from a copy in
    which the package holds nothing else, so the type analysis sees only these modules.
    """
    from mypyc.build import mypycify  # build-time only: not a dependency of the package
    from setuptools import Distribution

    native = package_dir / NATIVE
    with tempfile.TemporaryDirectory(prefix="mm-redaction-build-") as scratch:
        root = Path(scratch)
        package = root / "memory_machines" / "redaction"
        package.mkdir(parents=True)
        (root / "memory_machines" / "__init__.py").write_text("")
        (package / "__init__.py").write_text("")
        for name in MODULES:
            shutil.copyfile(package_dir / f"{name}.py", package / f"{name}.py")
        sources = [f"memory_machines/redaction/{name}.py" for name in MODULES]
        here = Path.cwd()
        os.chdir(root)  # mypycify takes paths relative to the working directory
        try:
            extensions = mypycify(sources, opt_level="3", group_name=GROUP)
            distribution = Distribution(
                {"name": "memory-machines-redaction", "ext_modules": extensions}
            )
            distribution.script_args = ["--quiet", "build_ext", "--build-lib", "out"]
            distribution.parse_command_line()
            distribution.run_commands()
        finally:
            os.chdir(here)
        incoming = package_dir / f"{NATIVE}.new"  # in place of the old build at once, whole
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir()
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        for library in (root / "out" / "memory_machines" / "redaction").glob(f"*{suffix}"):
            shutil.copyfile(library, incoming / library.name)
        # The fingerprint of the copies compiled, not of the sources now (edited meanwhile?).
        (incoming / FINGERPRINT).write_text(fingerprint(package) + "\n")
        shutil.rmtree(native, ignore_errors=True)
        incoming.rename(native)
    return native


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m memory_machines.redaction.build",
        description="Compile the redaction engine with mypyc (needs mypy and a C compiler).",
    )
    parser.add_argument(
        "--if-possible",
        action="store_true",
        help="without mypy or a C compiler, say so and exit 0: the engine runs interpreted",
    )
    args = parser.parse_args(argv)
    if state() == COMPILED:
        (PACKAGE_DIR / NATIVE / FINGERPRINT).touch()  # for make: checked against the sources
        print("redaction engine: the compiled build is up to date", file=sys.stderr)
        return 0
    missing = _missing_tools()
    if missing:
        print(f"redaction engine not compiled: {missing}; it runs interpreted", file=sys.stderr)
        return 0 if args.if_possible else 1
    try:
        native = build()
    except (Exception, SystemExit) as exc:  # a compiler error, missing headers, ...
        if not args.if_possible:
            raise
        print(f"redaction engine not compiled: {exc!r}; it runs interpreted", file=sys.stderr)
        return 0
    print(f"redaction engine compiled into {native}", file=sys.stderr)
    return 0


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

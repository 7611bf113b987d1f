"""The compiled engine: chosen only when built from the sources at hand, and redacting alike.

Where a C compiler is present (`make` builds the engine, CI requires it), the whole test suite
runs against the compiled engine; these tests check that it is the one loaded, that it gives
the interpreted engine's results, and how a build is chosen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from benchmarks.redaction.corpus import SAMPLE_PATH, corpus, read_jsonl
from benchmarks.redaction.tricky import tricky_records
from tests.conftest import skip_or_fail

import memory_machines.redaction.engine as engine_module
from memory_machines.redaction import BUILD, Redactor
from memory_machines.redaction.native import (
    COMPILED,
    ENVIRONMENT,
    FINGERPRINT,
    INTERPRETED,
    MODULES,
    NATIVE,
    OUT_OF_DATE,
    fingerprint,
    select,
)

ROOT = Path(__file__).resolve().parents[2]


def _require_compiled() -> None:
    if BUILD != COMPILED:
        skip_or_fail(f"the redaction engine runs {BUILD}: build it with `make native`")


def test_the_compiled_engine_is_the_one_loaded() -> None:
    _require_compiled()
    loaded = Path(engine_module.__file__ or "")
    assert loaded.parent.name == NATIVE
    assert loaded.name.endswith(sysconfig.get_config_var("EXT_SUFFIX"))


# Redacts every text it is given four ways, printing the results as JSON; run in a process
# that loads the interpreted engine.
_REDACT_ALL = """
import json, sys
from memory_machines.redaction import BUILD, Redactor
texts = json.load(sys.stdin)
plain, typed = Redactor(), Redactor(typed_markers=True)
print(json.dumps({
    "build": BUILD,
    "one_by_one": [list(plain.redact(text)) for text in texts],
    "typed": [list(typed.redact(text)) for text in texts],
    "batches": [list(r) for at in range(0, len(texts), 100) for r in plain.redact_many(texts[at:at + 100])],
    "spans": [[list(span) for span in plain.spans(text)] for text in texts],
}))
"""


def test_the_compiled_and_interpreted_engines_redact_alike() -> None:
    _require_compiled()
    texts = [
        record.text
        for records in (read_jsonl(SAMPLE_PATH), corpus(2000, seed=11), tricky_records())
        for record in records
    ]
    texts += ["", "\n", "ünïcödé 10.0.0.1 \u2028 +44 20 7946 0958", "\ud7ff" * 3]
    interpreted = subprocess.run(
        [sys.executable, "-c", _REDACT_ALL],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, ENVIRONMENT: INTERPRETED},
        timeout=300,
    )
    expected = json.loads(interpreted.stdout)
    assert expected["build"] == INTERPRETED
    plain, typed = Redactor(), Redactor(typed_markers=True)
    batches = [
        list(result)
        for at in range(0, len(texts), 100)
        for result in plain.redact_many(texts[at : at + 100])
    ]
    assert [list(plain.redact(text)) for text in texts] == expected["one_by_one"]
    assert [list(typed.redact(text)) for text in texts] == expected["typed"]
    assert batches == expected["batches"]
    assert [[list(s) for s in plain.spans(text)] for text in texts] == expected["spans"]


def test_a_subclass_of_the_compiled_redactor_works() -> None:
    class Counting(Redactor):
        calls = 0

        def redact(self, text: str):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return super().redact(text)

    assert Counting().redact("call 555-0199").text == "call [REDACTED]"
    assert Counting.calls == 1


def test_a_build_that_does_not_load_leaves_the_engine_interpreted(tmp_path: Path) -> None:
    """A damaged build (or one made for another system) must not keep the service from starting."""
    _require_compiled()
    source = ROOT / "src" / "memory_machines"
    shutil.copytree(
        source, tmp_path / "memory_machines", ignore=shutil.ignore_patterns("__pycache__")
    )
    engine = (
        tmp_path
        / "memory_machines"
        / "redaction"
        / NATIVE
        / Path(engine_module.__file__ or "").name
    )
    engine.write_bytes(b"not a shared library")
    probe = (
        "import memory_machines.redaction as r, memory_machines.redaction.engine as e; "
        "print(r.BUILD); print(e.__file__); print(r.Redactor().redact('call 555-0199').text)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        timeout=60,
    )
    build, loaded, redacted = done.stdout.splitlines()
    assert build.startswith("interpreted (the compiled build did not load:")
    assert loaded == str(tmp_path / "memory_machines" / "redaction" / "engine.py")
    assert redacted == "call [REDACTED]"


# --- choosing a build, on a package made up in a temporary directory ---------------------------


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    for name in MODULES:
        (tmp_path / f"{name}.py").write_text(f"# {name}\n")
    return tmp_path


def _build(package: Path, fingerprint_text: str) -> Path:
    native = package / NATIVE
    native.mkdir()
    (native / FINGERPRINT).write_text(fingerprint_text + "\n")
    return native


def test_a_build_of_these_sources_goes_first_on_the_import_path(package: Path) -> None:
    native = _build(package, fingerprint(package))
    path = [str(package)]
    assert select(path, package) == COMPILED
    assert path == [str(native), str(package)]


def test_a_package_never_built_runs_interpreted(package: Path) -> None:
    path = [str(package)]
    assert select(path, package) == INTERPRETED
    assert path == [str(package)]


def test_a_build_of_other_sources_is_not_loaded(package: Path) -> None:
    _build(package, fingerprint(package))
    (package / "plan.py").write_text("# plan, edited since\n")
    path = [str(package)]
    assert select(path, package) == OUT_OF_DATE
    assert path == [str(package)]


def test_a_source_gone_leaves_the_build_out(package: Path) -> None:
    _build(package, fingerprint(package))
    (package / "engine.py").unlink()
    path = [str(package)]
    assert select(path, package) == OUT_OF_DATE
    assert path == [str(package)]


def test_the_environment_can_keep_a_good_build_out(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(package, fingerprint(package))
    monkeypatch.setenv(ENVIRONMENT, "interpreted")
    path = [str(package)]
    assert select(path, package) == INTERPRETED
    assert path == [str(package)]


def test_the_fingerprint_covers_every_compiled_module(package: Path) -> None:
    before = fingerprint(package)
    for name in MODULES:
        source = package / f"{name}.py"
        original = source.read_text()
        source.write_text(original + "x = 1\n")
        assert fingerprint(package) != before, name
        source.write_text(original)
    assert fingerprint(package) == before


def test_the_build_command_finds_this_checkout_up_to_date() -> None:
    _require_compiled()
    done = subprocess.run(
        [sys.executable, "-m", "memory_machines.redaction.build", "--if-possible"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    assert "up to date" in done.stderr

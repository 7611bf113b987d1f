"""The compiled engine redacts exactly as the interpreted one does.

How a build is chosen, and that it is the code loaded, is tested in tests/unit/test_native_builds.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.redaction.corpus import SAMPLE_PATH, corpus, read_jsonl
from benchmarks.redaction.tricky import tricky_records
from tests.conftest import skip_or_fail

from memory_machines.native import COMPILED, INTERPRETED, REDACTION
from memory_machines.redaction import BUILD, Redactor


def _require_compiled() -> None:
    if BUILD != COMPILED:
        skip_or_fail(f"the redaction engine runs {BUILD}: build it with `make native`")


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
        env={**os.environ, REDACTION.environment: INTERPRETED},
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

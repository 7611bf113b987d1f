"""The compiled request path answers every body exactly as the interpreted one does.

Compiled code checks type annotations at run time, so an annotation that does not hold for
some input turns a contract error into a TypeError. Every other test in this directory runs
against the compiled build where one is built (the fuzz tests included); this one runs the
same hostile bodies through both builds, in two processes, and compares every answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from memory_machines import BUILDS
from memory_machines.native import COMPILED, INTERPRETED, REQUEST_PATH
from tests.conftest import skip_or_fail

# Answers a corpus of bodies with the request path's parsers; prints the answers as JSON. The
# arrival time and server-made ids are left out: two runs cannot share them.
_ANSWER_ALL = r"""
import itertools, json
from memory_machines import BUILDS
from memory_machines.api.ingest import Limits, parse_json, parse_ndjson, parse_text
from memory_machines.errors import MemoryMachinesError
from memory_machines.ids import validate_id

LIMITS = Limits(max_text_chars=64, max_batch_lines=20)
VALUES = [
    "acme", "", " ", "..", ".", "__x__", "a/b", "ü", "x" * 129, "line\nbreak", "\u2028",
    0, -1, 2**70, 1.5, float("nan"), True, False, None, [], ["acme"], {}, {"a": 1},
]
FIELDS = ("tenant_id", "log_id", "text")
GOOD = {"tenant_id": "acme", "log_id": "a-1", "text": "hello"}

def dump(value):
    try:
        return json.dumps(value).encode()
    except ValueError:
        return repr(value).encode()

def records():
    yield GOOD
    for field, value in itertools.product(FIELDS, VALUES):
        yield {**GOOD, field: value}
    for field in FIELDS:
        yield {name: GOOD[name] for name in FIELDS if name != field}
    yield {**GOOD, "extra": [1, {"b": None}]}

BODIES = [dump(record) for record in records()] + [
    b"", b"{", b"[]", b"1", b'"s"', b"null", b"true", b"\xff\xfe", b'{"tenant_id": "\xff"}',
    b"[" * 100, b'{"tenant_id": "acme", "log_id": "a", "text": "\\ud800"}',
    # Another field, whose value msgspec skips but orjson refuses (out of a double's range).
    b'{"tenant_id": "acme", "log_id": "a", "text": "", "level": 1e400}',
    b'{"tenant_id": "acme", "log_id": "a", "text": "x", "level": 1e400}',
]

def message(m):
    return [m.tenant_id, m.log_id, m.text, m.source, m.content_hash, m.correlation_id]

def answer(call):
    try:
        result = call()
    except MemoryMachinesError as exc:
        return ["error", exc.code, exc.message]
    except Exception as exc:  # what a compiled annotation that does not hold raises
        return ["crash", type(exc).__name__, str(exc)]
    if hasattr(result, "items") and hasattr(result, "messages"):
        items = [{k: v for k, v in item.items() if k != "log_id"} for item in result.items]
        return ["batch", [message(m) for m in result.messages], items]
    if isinstance(result, str):
        return ["value", result]
    return ["message", message(result)[:1] + message(result)[2:]]

answers = []
for body in BODIES:
    answers.append(answer(lambda: parse_json(body, "cid", LIMITS)))
    answers.append(answer(lambda: parse_text(body.decode("utf-8", "replace"), "acme", "cid", LIMITS)))
for size in (1, 2, 7):
    for at in range(0, len(BODIES), size):
        body = b"\n".join(BODIES[at : at + size])
        for at_once in (True, False):
            answers.append(answer(lambda: parse_ndjson(body, "cid", LIMITS, at_once)))
for value in VALUES:
    answers.append(answer(lambda: validate_id("tenant_id", value)))
for header in (None, *(value for value in VALUES if isinstance(value, str))):
    answers.append(answer(lambda: parse_text("hello", header, "cid", LIMITS)))
print(json.dumps({"build": BUILDS["request_path"], "answers": answers}))
"""


def _answers(build: str | None) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if key != REQUEST_PATH.environment}
    if build is not None:
        env[REQUEST_PATH.environment] = build
    done = subprocess.run(
        [sys.executable, "-c", _ANSWER_ALL],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_compiled_and_interpreted_request_paths_answer_alike() -> None:
    if BUILDS[REQUEST_PATH.name] != COMPILED:
        skip_or_fail(f"the request path runs {BUILDS[REQUEST_PATH.name]}: build it with `make`")
    compiled, interpreted = _answers(None), _answers(INTERPRETED)
    assert compiled["build"] == COMPILED
    assert interpreted["build"] == INTERPRETED
    answers = compiled["answers"]
    assert isinstance(answers, list)
    assert not [answer for answer in answers if answer[0] == "crash"]
    assert len(answers) > 400
    assert answers == interpreted["answers"]

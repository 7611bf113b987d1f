"""NDJSON batches decoded in one call give exactly what decoding each line on its own gives.

The one-call decoder reads a stream of JSON values, not lines; the batch is only trusted to it
when every line is provably one plain record. These tests throw generated and hostile batches
at both ways and compare every item and every message.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from memory_machines.api.ingest import Batch, Limits, decode_plain_lines, parse_ndjson
from memory_machines.api.records import PlainRecord
from memory_machines.errors import MemoryMachinesError

LIMITS = Limits(max_text_chars=200, max_batch_lines=50)
PLAIN = b'{"tenant_id":"acme","log_id":"%d","text":"line %d"}'
ARRIVED = "2024-01-01T00:00:00.000000Z"


def _both_ways(body: bytes) -> tuple[object, object]:
    """(at once, line by line): the batch, or the error the whole request gets. The messages'
    arrival time is set to one moment: the two ways run at two."""
    results: list[Batch | tuple[str, str]] = []
    for at_once in (True, False):
        try:
            batch = parse_ndjson(body, "cid", LIMITS, at_once)
        except MemoryMachinesError as exc:
            results.append((exc.code, exc.message))
            continue
        batch.messages = [m._replace(received_at=ARRIVED) for m in batch.messages]
        results.append(batch)
    return results[0], results[1]


def _lines_of(body: bytes) -> tuple[list[bytes], int]:
    lines = body.split(b"\n")
    return lines, sum(1 for line in lines if line and not line.isspace())


def test_a_batch_of_plain_records_is_decoded_in_one_call() -> None:
    body = b"\n".join(PLAIN % (n, n) for n in range(5)) + b"\n"
    lines, count = _lines_of(body)
    assert decode_plain_lines(body, lines, count) is not None
    crlf = body.replace(b"\n", b"\r\n")
    assert decode_plain_lines(crlf, *_lines_of(crlf)) is not None
    at_once, line_by_line = _both_ways(body)
    assert at_once == line_by_line
    assert isinstance(at_once, Batch) and at_once.accepted == 5


def test_a_plain_record_has_exactly_the_three_fields_and_is_not_tracked() -> None:
    """The Struct's options hold in the build loaded (a compiled module would drop them)."""
    config = PlainRecord.__struct_config__
    assert config.forbid_unknown_fields
    assert not config.gc
    body = b'{"tenant_id":"acme","log_id":"a","text":"","level":1e400}'
    assert decode_plain_lines(body, *_lines_of(body)) is None


def test_a_record_split_over_lines_and_two_on_one_line_are_each_line_s_own_error() -> None:
    """As a stream these three lines are three plain records; as lines all three are broken."""
    body = (
        b'{"tenant_id":"acme",\n'
        b'"log_id":"a","text":"x"}\n'
        b'{"tenant_id":"acme","log_id":"b","text":"y"}{"tenant_id":"acme","log_id":"c","text":"z"}'
    )
    assert decode_plain_lines(body, *_lines_of(body)) is None
    at_once, line_by_line = _both_ways(body)
    assert at_once == line_by_line
    assert isinstance(at_once, Batch)
    assert [item["status"] for item in at_once.items] == ["rejected"] * 3


def test_lines_that_open_and_close_with_braces_but_hold_two_records_fall_back() -> None:
    body = (
        b'{"tenant_id":"acme","log_id":"a","text":"x"} {"tenant_id":"acme","log_id":"b",\n'
        b'"text":"y"}'
    )
    assert decode_plain_lines(body, *_lines_of(body)) is None
    at_once, line_by_line = _both_ways(body)
    assert at_once == line_by_line


# --- generated batches --------------------------------------------------------------------------

ids = st.one_of(
    st.sampled_from(["acme", "globex", "a", "..", "__x__", "", "a/b", "x" * 129, "ü"]),
    st.text(alphabet="abc_.-/", max_size=6),
)
texts = st.one_of(st.text(max_size=40), st.sampled_from(["", "  ", "x" * 201, "ok"]))


def _escaped(text: str) -> str:
    """A JSON string literal for `text`, lone surrogates included (which JSON cannot carry)."""
    return (
        '"'
        + "".join(
            f"\\u{ord(c):04x}"
            if ord(c) < 32 or 0xD800 <= ord(c) < 0xE000
            else '\\"'
            if c == '"'
            else "\\\\"
            if c == "\\"
            else c
            for c in text
        )
        + '"'
    )


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """A line that is, or nearly is, a plain record."""
    fields = {"tenant_id": draw(ids), "log_id": draw(ids), "text": draw(texts)}
    pairs = [(key, _escaped(value)) for key, value in fields.items()]
    change = draw(
        st.sampled_from(
            ["none", "none", "drop", "null", "number", "extra", "dup", "escaped key", "surrogate"]
        )
    )
    if change == "drop":
        pairs.pop(draw(st.integers(0, 2)))
    elif change == "null":
        pairs[draw(st.integers(0, 2))] = (pairs[0][0], "null")
    elif change == "number":
        pairs[draw(st.integers(0, 2))] = (pairs[1][0], draw(st.sampled_from(["1", "1e400", "-0"])))
    elif change == "extra":
        pairs.append(("level", draw(st.sampled_from(['"info"', "1e400", "[1]", "{}", "true"]))))
    elif change == "dup":
        pairs.append((pairs[0][0], _escaped(draw(ids))))
    elif change == "escaped key":
        pairs[0] = ("tenant\\u005fid", pairs[0][1])
    elif change == "surrogate":
        pairs[2] = ("text", draw(st.sampled_from(['"\\ud800"', '"\\ud83d\\ude00"', '"\\udfff x"'])))
    draw(st.randoms()).shuffle(pairs)
    return ("{" + ",".join(f'"{key}":{value}' for key, value in pairs) + "}").encode(
        "utf-8", "surrogatepass"
    )


lines = st.one_of(
    records(),
    records(),
    records(),
    st.sampled_from([b"", b" ", b"\t", b"\r", b"\x0b", b"\x0c", b"null", b"[]", b"{}", b"{", b"}"]),
    st.binary(max_size=20),
    st.builds(lambda a, b: a + b, records(), records()),  # two on one line
    st.builds(lambda a, b: a + b" " + b, records(), records()),
    st.builds(lambda r, at: r[:at] + b"\n" + r[at:], records(), st.integers(1, 30)),  # split
    st.builds(lambda r: b"  " + r + b"\r", records()),
    st.builds(lambda r, junk: r + junk, records(), st.binary(max_size=3)),
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(lines, min_size=1, max_size=12), st.sampled_from([b"\n", b"\r\n"]), st.booleans())
def test_any_batch_gets_the_same_answer_either_way(
    batch: list[bytes], separator: bytes, trailing: bool
) -> None:
    body = separator.join(batch) + (separator if trailing else b"")
    at_once, line_by_line = _both_ways(body)
    assert at_once == line_by_line


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.fixed_dictionaries({"tenant_id": ids, "log_id": ids, "text": texts}),
        min_size=1,
        max_size=20,
    )
)
def test_generated_plain_records_are_decoded_at_once_and_agree(batch: list[dict[str, str]]) -> None:
    body = b"\n".join(json.dumps(record).encode() for record in batch)
    assert decode_plain_lines(body, *_lines_of(body)) is not None
    at_once, line_by_line = _both_ways(body)
    assert at_once == line_by_line

"""Properties that hold for any input: checked on generated log lines and on arbitrary Unicode.

Every property runs with a fixed, derandomized Hypothesis profile: the same examples on every
machine, no example database written, no deadline (CI machines are slow and noisy).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from benchmarks.redaction import fakes as f
from benchmarks.redaction.corpus import SAMPLE_PATH, corpus, read_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

from memory_machines.redaction import Redaction, Redactor
from memory_machines.redaction.numbers import NUMBERS
from memory_machines.redaction.plan import CompiledPass, _compile_sweep
from memory_machines.redaction.tokens import TOKENS

PROFILE = settings(derandomize=True, deadline=None, max_examples=250, database=None)
REDACTOR = Redactor()

SAFE_WORDS = (
    "INFO", "ERROR", "request", "completed", "user", "order", "shipped", "retry", "worker",
    "GET", "/api/v1/orders", "status=200", "cache", "miss", "took", "ok", "queue=ingest",
)  # fmt: skip

SafeFragment = Callable[[random.Random], str]
SAFE: tuple[SafeFragment, ...] = (
    lambda rng: rng.choice(SAFE_WORDS),
    f.iso_ts,
    f.clf_ts,
    f.syslog_ts,
    f.uuid,
    f.sha256,
    f.sha1,
    lambda rng: "v" + f.version(rng),
    lambda rng: "version " + f.four_part_version(rng),
    f.order_ref,
    f.byte_count,
    lambda rng: f"{rng.randint(1, 5000)}ms",
    lambda rng: f"pid={rng.randint(2, 65535)}",
    lambda rng: f":{rng.randint(1, 65535)}",
    lambda rng: f"{rng.randint(100, 599)}",
    lambda rng: f"{rng.randint(0, 99)}.{rng.randint(0, 99)}s",
    lambda rng: f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}",
    f.bad_luhn,
)

# Each sensitive value in the context that makes it one: (before, value, after).
Phrase = Callable[[random.Random], tuple[str, str, str]]
PHRASES: dict[str, Phrase] = {
    "phone": lambda rng: ("", f.phone(rng), ""),
    "bare_phone": lambda rng: ('"phone":"', f.bare_phone(rng), '"'),
    "email": lambda rng: ("", f.email(rng), ""),
    "ipv4": lambda rng: ("", f.ipv4(rng), ""),
    "ipv6": lambda rng: ("", f.ipv6(rng), ""),
    "ssn": lambda rng: ("", f.ssn(rng), ""),
    "credit_card": lambda rng: ("", f.card(rng), ""),
    "iban": lambda rng: ("", f.iban(rng), ""),
    "mac": lambda rng: ("", f.mac(rng), ""),
    "aws_access_key": lambda rng: ("", f.aws_access_key(rng), ""),
    "aws_secret_key": lambda rng: ("aws_secret_access_key=", f.aws_secret_key(rng), ""),
    "jwt": lambda rng: ("", f.jwt(rng), ""),
    "bearer_token": lambda rng: ("Authorization: Bearer ", f.opaque_token(rng), ""),
    "basic_auth": lambda rng: ("Authorization: Basic ", f.basic_credentials(rng), ""),
    "private_key": lambda rng: ("", f.private_key(rng), ""),
    "github_token": lambda rng: ("", f.github_token(rng), ""),
    "gitlab_token": lambda rng: ("", f.gitlab_token(rng), ""),
    "slack_token": lambda rng: ("", f.slack_token(rng), ""),
    "stripe_key": lambda rng: ("", f.stripe_key(rng), ""),
    "google_api_key": lambda rng: ("", f.google_api_key(rng), ""),
    "npm_token": lambda rng: ("", f.npm_token(rng), ""),
    "url_credentials": lambda rng: ("postgres://app:", f.password(rng), "@db:5432/x"),
    "secret_assignment": lambda rng: ("password=", f.password(rng), ""),
    "json_secret": lambda rng: ('{"api_key": "', f.mixed(rng, f.ALNUM, 24), '"}'),
}


def safe_text(rng: random.Random, words: int) -> str:
    # ` ; ` between fragments: three numbers in a row (`239 466 6565`) would make a phone number
    return " ; ".join(rng.choice(SAFE)(rng) for _ in range(words))


@st.composite
def lines(draw: st.DrawFn) -> tuple[str, str]:
    """A log line with one sensitive value, and what it must become."""
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    before, value, after = PHRASES[draw(st.sampled_from(sorted(PHRASES)))](rng)
    prefix, suffix = safe_text(rng, rng.randint(0, 6)), safe_text(rng, rng.randint(0, 6))
    # Fields are separated by ` | `: a number right after a space-grouped phone number could be
    # read as one more group of it (see docs/redaction.md, limitations).
    text = f"{prefix} | {before}{value}{after} | {suffix}"
    return text, f"{prefix} | {before}[REDACTED]{after} | {suffix}"


@given(lines())
@PROFILE
def test_a_value_becomes_exactly_one_marker_and_nothing_else_changes(case: tuple[str, str]) -> None:
    text, expected = case
    assert REDACTOR.redact(text).text == expected


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=30))
@PROFILE
def test_text_without_sensitive_values_is_byte_identical(seed: int, words: int) -> None:
    text = safe_text(random.Random(seed), words)
    assert REDACTOR.redact(text).text == text


@given(st.lists(lines(), min_size=1, max_size=4))
@PROFILE
def test_redaction_is_idempotent(cases: list[tuple[str, str]]) -> None:
    once = REDACTOR.redact(" ; ".join(text for text, _ in cases))
    twice = REDACTOR.redact(once.text)
    assert twice.text == once.text
    assert twice.counts == {}


@given(st.lists(lines(), min_size=1, max_size=6))
@PROFILE
def test_a_block_of_lines_redacts_exactly_as_its_lines_one_by_one(
    cases: list[tuple[str, str]],
) -> None:
    texts = [text for text, _ in cases]
    joined = REDACTOR.redact("\n".join(texts)).text
    assert joined == "\n".join(REDACTOR.redact(text).text for text in texts)


@given(st.text(max_size=400))
@PROFILE
def test_any_unicode_is_accepted_without_error(text: str) -> None:
    result = REDACTOR.redact(text)
    assert isinstance(result.text, str)
    assert REDACTOR.redact(result.text).text == result.text


@given(
    st.text(alphabet="0123456789 .:-+()/@=\"'aAeEfFkKxX_#\n", max_size=200),
    st.booleans(),
)
@PROFILE
def test_number_soup_never_raises_and_is_stable(text: str, typed: bool) -> None:
    redactor = Redactor(typed_markers=typed)
    once = redactor.redact(text).text
    assert redactor.redact(once).text == once


@given(st.lists(lines(), min_size=1, max_size=5))
@PROFILE
def test_redact_writes_one_marker_per_reported_span(cases: list[tuple[str, str]]) -> None:
    """`spans()` and `redact()` agree: the reported spans are exactly what gets replaced."""
    text = "\n".join(case for case, _ in cases)
    spans = REDACTOR.spans(text)
    rebuilt, position = [], 0
    for start, end, _ in spans:
        rebuilt += [text[position:start], "[REDACTED]"]
        position = end
    rebuilt.append(text[position:])
    result = REDACTOR.redact(text)
    assert result.text == "".join(rebuilt)
    assert sum(result.counts.values()) == len(spans)


def _sweep_spans(sweep: CompiledPass, text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    sweep.scan(text, spans)
    return spans


def test_family_look_aheads_change_speed_not_results() -> None:
    """A family's look-ahead only skips bodies that could not match (see detectors.FAMILIES)."""
    detectors = [*NUMBERS, *TOKENS]
    guarded = _compile_sweep(detectors)
    plain = _compile_sweep(detectors, guarded=False)
    assert guarded is not None and plain is not None
    assert guarded.regex.pattern != plain.regex.pattern
    texts = [record.text for record in corpus(1500, seed=11)]
    texts += [record.text for record in read_jsonl(SAMPLE_PATH)]
    texts += ["a4-5e-60-c2-19-0b 0011.2233.4455 fe80::1%eth0 ::ffff:10.0.0.1 dead:beef::1"]
    for text in texts:
        assert _sweep_spans(guarded, text) == _sweep_spans(plain, text), text


@PROFILE
@given(st.text(alphabet="0123456789abcdefABCDEF:.-/ ", max_size=60))
def test_family_look_aheads_hold_on_hex_and_digit_soup(text: str) -> None:
    detectors = [*NUMBERS, *TOKENS]
    guarded = _compile_sweep(detectors)
    plain = _compile_sweep(detectors, guarded=False)
    assert guarded is not None and plain is not None
    assert _sweep_spans(guarded, text) == _sweep_spans(plain, text)


def _one_by_one(texts: list[str]) -> list[Redaction]:
    return [REDACTOR.redact(text) for text in texts]


def _together(texts: list[str]) -> list[Redaction]:
    return REDACTOR.redact_many(texts)


@given(st.lists(lines(), max_size=8))
@PROFILE
def test_a_batch_redacts_exactly_as_its_texts_one_by_one(cases: list[tuple[str, str]]) -> None:
    texts = [text for text, _ in cases]
    assert _together(texts) == _one_by_one(texts)


@given(st.lists(st.text(max_size=80), max_size=8))
@PROFILE
def test_a_batch_of_any_unicode_redacts_as_its_texts_one_by_one(texts: list[str]) -> None:
    assert _together(texts) == _one_by_one(texts)


@given(
    st.lists(st.text(alphabet="0123456789 .:-+()/@=\"'aAeEfFkKxX_#\n\r\\", max_size=60), max_size=8)
)
@PROFILE
def test_a_batch_of_number_soup_redacts_as_its_texts_one_by_one(texts: list[str]) -> None:
    assert _together(texts) == _one_by_one(texts)


def test_a_batch_of_the_corpus_redacts_as_its_records_one_by_one() -> None:
    texts = [record.text for record in corpus(1000, seed=5)]
    texts += [record.text for record in read_jsonl(SAMPLE_PATH)]
    expected = _one_by_one(texts)
    for size in (2, 7, 100):
        got = [
            result
            for at in range(0, len(texts), size)
            for result in _together(texts[at : at + size])
        ]
        assert got == expected, size


def test_a_key_cut_short_never_reaches_into_the_next_text_of_a_batch() -> None:
    """A private key block reads on over lines: its text is redacted alone, not joined."""
    rng = random.Random(3)
    key = f.private_key(rng)
    cut = key[: key.index("-----END")].rstrip("\n")
    texts = [
        f"loaded {cut}",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123",  # reads as one more line of key material
        f"{cut}\r",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        "user 555-0199",
    ]
    assert _together(texts) == _one_by_one(texts)
    assert _together(texts)[1] == (texts[1], {})


@pytest.mark.parametrize("value", ["a\nb", "\nb", "a\n"])
def test_a_span_that_is_not_inside_one_text_of_a_batch_sends_the_batch_back_one_by_one(
    value: str,
) -> None:
    """No detector but the excluded key block reads over lines; should one ever, no text of the
    batch gets a marker that belongs to its neighbour or to the newline between them."""
    redactor = Redactor()
    real_find = redactor._find
    # A detector that sees `value` as sensitive: only ever when texts are joined.
    redactor._find = lambda text: [  # type: ignore[misc]
        *real_find(text),
        *((at, at + len(value), "phone") for at in range(len(text)) if text.startswith(value, at)),
    ]
    texts = ["x a", "b y 555-0199", "c"]
    assert redactor.redact_many(texts) == [
        ("x a", {}),
        ("b y [REDACTED]", {"phone": 1}),
        ("c", {}),
    ]

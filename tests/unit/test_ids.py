"""Ids can never escape their tenant's path."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memory_machines.errors import ValidationError
from memory_machines.ids import id_problem, validate_id


@pytest.mark.parametrize("value", ["acme", "a", "A-b_c.d", "x" * 128, "...", "__x", "x__"])
def test_valid_ids(value: str) -> None:
    assert validate_id("tenant_id", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        ".",
        "..",
        "../x",
        "a/b",
        "a\\b",
        "__x__",
        "____",
        "x" * 129,
        "tenant id",
        "café",
        "a\x00b",
        5,
        None,
        ["a"],
    ],
)
def test_invalid_ids(value: object) -> None:
    with pytest.raises(ValidationError):
        validate_id("tenant_id", value)


@given(st.text(max_size=140))
@settings(max_examples=500, derandomize=True, deadline=None)
def test_the_fast_path_agrees_with_the_explained_rules(value: str) -> None:
    problem = id_problem(value)
    try:
        validate_id("log_id", value)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (problem is None)

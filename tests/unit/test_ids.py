"""Ids can never escape their tenant's path."""

from __future__ import annotations

import pytest

from memory_machines.errors import ValidationError
from memory_machines.ids import validate_id


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

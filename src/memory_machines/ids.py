"""Identifier rules shared by every entry point.

An id becomes part of a storage path (``tenants/{tenant_id}/processed_logs/{log_id}``), so it must
never be able to escape its tenant: a conservative charset, no ``.``/``..``, and not the
``__name__`` form that Firestore reserves.
"""

from __future__ import annotations

import re

from memory_machines.errors import ValidationError

MAX_ID_CHARS = 128
_ID_RE = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
# Everything valid in one regex: the fast path for the ingest loop (two ids per record).
_VALID_RE = re.compile(r"(?!\.\.?\Z)(?!__.*__\Z)[A-Za-z0-9_.\-]{1,128}\Z")


def id_problem(value: object) -> str | None:
    """Return why ``value`` is not a valid id, or None when it is."""
    if not isinstance(value, str):
        return "must be a string"
    if not value:
        return "must not be empty"
    if len(value) > MAX_ID_CHARS:
        return f"must be at most {MAX_ID_CHARS} characters"
    if not _ID_RE.fullmatch(value):
        return "may only contain letters, digits, '_', '.' and '-'"
    if value in (".", ".."):
        return "must not be '.' or '..'"
    if len(value) >= 4 and value.startswith("__") and value.endswith("__"):
        return "must not have the reserved form __name__"
    return None


def validate_id(field: str, value: object) -> str:
    """Return ``value`` as a valid id or raise ValidationError naming the field."""
    if type(value) is str and _VALID_RE.match(value):
        return value
    problem = id_problem(value)
    raise ValidationError(f"{field} {problem or 'is not valid'}")

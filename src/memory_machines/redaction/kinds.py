"""Names of the kinds of sensitive values, their precedence and the marker that replaces them.

Kept apart from the detectors so callers (settings, metrics, the CLI) can name kinds without
compiling a single regular expression.
"""

from __future__ import annotations

# Highest precedence first. When two detections overlap, the merged span is reported under the
# kind that comes first here: the most specific evidence wins (a JWT found as the value of
# `token=` is a JWT, not a generic secret assignment).
PRECEDENCE: tuple[str, ...] = (
    "private_key",
    "jwt",
    "aws_access_key",
    "aws_secret_key",
    "github_token",
    "gitlab_token",
    "slack_token",
    "stripe_key",
    "google_api_key",
    "npm_token",
    "bearer_token",
    "basic_auth",
    "url_credentials",
    "credit_card",
    "iban",
    "ssn",
    "email",
    "phone",
    "ipv6",
    "ipv4",
    "mac",
    "secret_assignment",
)

ALL_KINDS: frozenset[str] = frozenset(PRECEDENCE)

RANK: dict[str, int] = {kind: rank for rank, kind in enumerate(PRECEDENCE)}

DEFAULT_MARKER = "[REDACTED]"


def marker(kind: str, *, typed: bool) -> str:
    """Return the replacement text for one redacted span of `kind`."""
    return f"[REDACTED:{kind.upper()}]" if typed else DEFAULT_MARKER


def parse_kinds(spec: str) -> frozenset[str]:
    """Parse a comma-separated list of kinds (as typed on a command line), rejecting unknown names."""
    kinds = frozenset(part.strip() for part in spec.split(",") if part.strip())
    unknown = kinds - ALL_KINDS
    if unknown:
        raise ValueError(
            f"unknown kind(s): {', '.join(sorted(unknown))}; known: {', '.join(PRECEDENCE)}"
        )
    return kinds

"""PII and secret redaction for log text.

`Redactor(kinds=None, typed_markers=False).redact(text)` returns a `Redaction` with the redacted
text and per-kind counts. See docs/redaction.md for the kinds, the rules and measured figures.
`BUILD` says whether the engine runs compiled or interpreted (see `memory_machines.native`).
"""

from memory_machines import BUILDS
from memory_machines.native import REDACTION
from memory_machines.redaction.cli import main_bench, main_redact
from memory_machines.redaction.engine import Redaction, Redactor
from memory_machines.redaction.kinds import ALL_KINDS

BUILD = BUILDS[REDACTION.name]

__all__ = ["ALL_KINDS", "BUILD", "Redaction", "Redactor", "main_bench", "main_redact"]

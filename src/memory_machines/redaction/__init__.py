"""PII and secret redaction for log text.

`Redactor(kinds=None, typed_markers=False).redact(text)` returns a `Redaction` with the redacted
text and per-kind counts. See docs/redaction.md for the kinds, the rules and measured figures.
`BUILD` says whether the engine runs compiled or interpreted (see `native.py`).
"""

from memory_machines.redaction.native import COMPILED, fall_back, select

BUILD = select(__path__)  # before any engine module is imported: it decides where they load from
try:
    from memory_machines.redaction.engine import Redaction, Redactor
except ImportError as error:
    if BUILD != COMPILED:
        raise
    BUILD = fall_back(__path__, error)
    from memory_machines.redaction.engine import Redaction, Redactor

from memory_machines.redaction.cli import main_bench, main_redact  # noqa: E402
from memory_machines.redaction.kinds import ALL_KINDS  # noqa: E402

__all__ = ["ALL_KINDS", "BUILD", "Redaction", "Redactor", "main_bench", "main_redact"]

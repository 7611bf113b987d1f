"""Command-line tools: `memory-machines redact` and `memory-machines bench-redaction`.

`redact` streams: it reads whatever input is available (up to 64 KiB), redacts the complete
lines in it as one block and writes them out at once, so a pipe is redacted as it flows and a
large file never sits in memory. A block redacts exactly as its lines would one by one; the
only thing that may span lines, a PEM private key, is held back until its END line (or 1 MiB)
so that it is never cut in two. Bytes that are not UTF-8 pass through unchanged.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from memory_machines.redaction.engine import Redactor
from memory_machines.redaction.kinds import parse_kinds

_READ_SIZE = 64 * 1024
_PEM_HOLD_LIMIT = 1024 * 1024
_ERRORS = "surrogateescape"  # undecodable bytes survive the round trip untouched


def _read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    read = getattr(stream, "read1", stream.read)
    while chunk := read(_READ_SIZE):
        yield chunk


def _pem_hold_point(text: str) -> int:
    """Where an unfinished private key block starts in `text`, or -1 when there is none."""
    begin = text.rfind("-----BEGIN")
    if begin < 0 or "PRIVATE KEY" not in text[begin : begin + 80]:
        return -1
    if text.find("-----END", begin) >= 0:
        return -1
    return text.rfind("\n", 0, begin) + 1


def blocks(stream: BinaryIO) -> Iterator[str]:
    """Yield the decoded input in blocks of whole lines, keeping private key blocks whole."""
    decoder = codecs.getincrementaldecoder("utf-8")(_ERRORS)
    pending = ""
    for chunk in _read_chunks(stream):
        pending += decoder.decode(chunk)
        cut = pending.rfind("\n") + 1
        hold = _pem_hold_point(pending[:cut])
        if hold >= 0 and len(pending) - hold < _PEM_HOLD_LIMIT:
            cut = hold
        if cut:
            yield pending[:cut]
            pending = pending[cut:]
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _kinds(spec: str) -> frozenset[str]:
    try:
        return parse_kinds(spec)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memory-machines redact",
        description="Redact PII and secrets from log files (or standard input) to standard output.",
    )
    parser.add_argument("files", nargs="*", type=Path, help="files to redact; none or '-': stdin")
    parser.add_argument("--typed", action="store_true", help="write [REDACTED:KIND] markers")
    parser.add_argument("--kinds", type=_kinds, help="comma-separated kinds (default: all)")
    parser.add_argument("--stats", action="store_true", help="print counts per kind to stderr")
    return parser


def main_redact(argv: list[str] | None = None) -> int:
    """Run `memory-machines redact [FILES...] [--typed] [--kinds a,b] [--stats]`."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse reports the error itself
        return int(exit_.code or 0)
    redactor = Redactor(kinds=args.kinds, typed_markers=args.typed)
    out = sys.stdout.buffer
    totals: dict[str, int] = {}
    status = 0
    for path in args.files or [Path("-")]:
        try:
            stream: BinaryIO = sys.stdin.buffer if str(path) == "-" else path.open("rb")
        except OSError as error:
            print(f"memory-machines redact: {path}: {error.strerror}", file=sys.stderr)
            status = 1
            continue
        try:
            for block in blocks(stream):
                redaction = redactor.redact(block)
                out.write(redaction.text.encode("utf-8", _ERRORS))
                out.flush()
                for kind, count in redaction.counts.items():
                    totals[kind] = totals.get(kind, 0) + count
        except BrokenPipeError:  # `... | head`: the reader has all it wants
            return status
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
    if args.stats:
        print(json.dumps(dict(sorted(totals.items()))), file=sys.stderr)
    return status


def _source_root() -> Path | None:
    """The checkout that holds `benchmarks/redaction`, looked for from here and from the cwd."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for directory in (start, *start.parents):
            if (directory / "benchmarks" / "redaction" / "bench.py").is_file():
                return directory
    return None


def main_bench(argv: list[str] | None = None) -> int:
    """Run `memory-machines bench-redaction` (needs a source checkout: the corpus lives there)."""
    root = _source_root()
    if root is None:
        print(
            "memory-machines bench-redaction: run it from a source checkout "
            "(benchmarks/redaction is not installed with the package)",
            file=sys.stderr,
        )
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks.redaction.bench import main

    return main(argv)

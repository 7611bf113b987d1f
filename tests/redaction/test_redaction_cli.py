"""`memory-machines redact`: files or stdin to stdout, streamed in blocks of whole lines."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from memory_machines.redaction import main_redact
from memory_machines.redaction.cli import blocks

KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEAx4B3J2Y4dc3RC0JkYw4CEldF6kCeXo7cMnQyDpBPm7Zc9s4x\n"
    "AbCdEfGh1234==\n"
    "-----END RSA PRIVATE KEY-----\n"
)


class _Stdio:
    """Binary stdin/stdout stand-ins exposing `.buffer`, as the real ones do."""

    def __init__(self, data: bytes = b"") -> None:
        self.buffer = io.BytesIO(data)


def _run(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: bytes = b"") -> bytes:
    out = _Stdio()
    monkeypatch.setattr(sys, "stdin", _Stdio(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    assert main_redact(argv) == 0
    return out.buffer.getvalue()


def test_stdin_is_redacted_to_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run(monkeypatch, [], b"User 555-0199 accessed the system\nok\n")
    assert out == b"User [REDACTED] accessed the system\nok\n"


def test_files_typed_markers_and_kinds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("jane@example.com from 10.0.0.1 call 555-0199\n", encoding="utf-8")
    out = _run(monkeypatch, [str(log), "--typed", "--kinds", "email,ipv4"])
    assert out == b"[REDACTED:EMAIL] from [REDACTED:IPV4] call 555-0199\n"


def test_bytes_that_are_not_utf8_pass_through(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(monkeypatch, [], b"\xff\xfe raw 10.0.0.1") == b"\xff\xfe raw [REDACTED]"


def test_stats_go_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(monkeypatch, ["--stats"], b"a@example.com b@example.com\n")
    assert json.loads(capsys.readouterr().err) == {"email": 2}


def test_a_missing_file_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.log"
    good.write_text("10.0.0.1\n", encoding="utf-8")
    out = _Stdio()
    monkeypatch.setattr(sys, "stdout", out)
    assert main_redact([str(tmp_path / "missing.log"), str(good)]) == 1
    assert out.buffer.getvalue() == b"[REDACTED]\n"
    assert "missing.log" in capsys.readouterr().err


def test_an_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_redact(["--kinds", "email,bogus"]) == 2
    assert "bogus" in capsys.readouterr().err


class _Trickle(io.RawIOBase):
    """A stream that hands out a few bytes per read, as a slow pipe does."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._step, self._pos = data, step, 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        chunk = self._data[self._pos : self._pos + min(self._step, size)]
        self._pos += len(chunk)
        return chunk


def test_blocks_hold_whole_lines_and_keep_private_keys_in_one_piece() -> None:
    data = f"a 555-0199\nkey {KEY}tail é 10.0.0.1".encode()
    pieces = list(blocks(_Trickle(data, step=7)))  # type: ignore[arg-type]
    assert "".join(pieces) == data.decode()
    assert all(piece.endswith("\n") for piece in pieces[:-1])
    assert any(KEY in piece for piece in pieces)


def test_a_key_split_across_reads_is_still_one_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run(monkeypatch, ["--typed"], f"start\nkey {KEY}end\n".encode())
    assert out == b"start\nkey [REDACTED:PRIVATE_KEY]\nend\n"

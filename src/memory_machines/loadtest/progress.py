"""A one-line live progress bar on a terminal, redrawn in place; silent when not a TTY."""

from __future__ import annotations

import shutil
from typing import TextIO

from memory_machines.loadtest.runner import Snapshot

BAR_WIDTH = 24


def render(snapshot: Snapshot, width: int = BAR_WIDTH) -> str:
    done = min(1.0, snapshot.started / snapshot.scheduled) if snapshot.scheduled else 1.0
    filled = int(done * width)
    bar = "#" * filled + "-" * (width - filled)
    other = snapshot.completed - snapshot.ok
    behind = snapshot.due - snapshot.started
    return (
        f"[{bar}] {done:4.0%} {snapshot.elapsed_s:6.1f}/{snapshot.duration_s:g}s"
        f"  sent {snapshot.started}  2xx {snapshot.ok}  other {other}"
        f"  in-flight {snapshot.in_flight}" + (f"  BEHIND {behind}" if behind > 1 else "")
    )


class ProgressLine:
    """Implements :class:`~memory_machines.loadtest.runner.ProgressSink` for a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._drawn = False
        self._status = False

    def update(self, snapshot: Snapshot) -> None:
        self._draw(render(snapshot))

    def status(self, message: str) -> None:
        if not self._status:  # keep the final bar; status lines go below it
            self._stream.write("\n" if self._drawn else "")
            self._status = True
        self._draw(message)

    def _draw(self, line: str) -> None:
        columns = shutil.get_terminal_size((100, 20)).columns
        line = line[: max(10, columns - 1)]  # never wrap, or \r cannot redraw it
        self._stream.write(f"\r{line}\x1b[K")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


def progress_for(stream: TextIO) -> ProgressLine | None:
    """A progress line if ``stream`` is a terminal; logs and pipes get none."""
    isatty = getattr(stream, "isatty", None)
    return ProgressLine(stream) if isatty is not None and isatty() else None

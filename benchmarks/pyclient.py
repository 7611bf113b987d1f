"""A lean HTTP/1.1 keep-alive client on raw asyncio streams, for when wrk is not installed
and for fixed-rate (open-loop) runs, which Debian's wrk cannot do.

It writes pre-built request bytes and reads just the status line, headers and a
``Content-Length`` body, so on the 2 shared cores it costs the server as little as possible.
Open-loop pacing reuses the load tool's pacer: latency counts from each request's due time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from memory_machines.loadtest.pacer import run_open_loop

MakeRequest = Callable[[int], bytes]  # request number -> complete HTTP request bytes


@dataclass(slots=True)
class Samples:
    latencies_s: list[float] = field(default_factory=list)
    non_2xx: int = 0
    errors: int = 0


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        return cls(reader, writer)

    async def roundtrip(self, request: bytes) -> int:
        """Send one request, read its whole response, return the status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def _record(samples: Samples, status: int, latency_s: float) -> None:
    samples.latencies_s.append(latency_s)
    if not 200 <= status < 300:
        samples.non_2xx += 1


async def closed_loop(
    url: str, make_request: MakeRequest, connections: int, duration_s: float
) -> tuple[Samples, float]:
    """Each connection sends, waits, sends again until the time is up (like wrk)."""
    samples = Samples()
    counter = iter(range(1 << 62))
    conns = [await Connection.open(url) for _ in range(connections)]
    start = time.perf_counter()
    deadline = start + duration_s

    async def drive(conn: Connection) -> None:
        while time.perf_counter() < deadline:
            request = make_request(next(counter))
            sent = time.perf_counter()
            try:
                status = await conn.roundtrip(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                samples.errors += 1
                return
            _record(samples, status, time.perf_counter() - sent)

    try:
        await asyncio.gather(*(drive(c) for c in conns))
    finally:
        for conn in conns:
            conn.close()
    return samples, time.perf_counter() - start


async def open_loop(
    url: str, make_request: MakeRequest, rate_rps: float, duration_s: float, connections: int
) -> tuple[Samples, float]:
    """Requests due at a fixed rate whatever the server does; latency from the due time."""
    samples = Samples()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await Connection.open(url))
    start = time.perf_counter()

    async def fire(index: int, due: float) -> None:
        request = make_request(index)
        conn = await idle.get()
        try:
            status = await conn.roundtrip(request)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            samples.errors += 1
            return  # a broken connection is not put back
        _record(samples, status, time.perf_counter() - due)
        idle.put_nowait(conn)

    total = max(1, round(rate_rps * duration_s))
    try:
        await run_open_loop(total, 1 / rate_rps, connections, fire, start=start)
    finally:
        while not idle.empty():
            idle.get_nowait().close()
    return samples, time.perf_counter() - start

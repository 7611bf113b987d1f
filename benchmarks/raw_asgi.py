"""The ceiling: a raw ASGI app that reads the body and answers a fixed 202 JSON envelope.

It runs on exactly the uvicorn settings of ``memory-machines api`` (uvloop, httptools, access
log off, proxy headers off, one process), so the service's throughput divided by this one's is the share of the
server's budget the service keeps for itself.

    python -m benchmarks.raw_asgi --port 8090
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from memory_machines.api.server import uvicorn_config

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

BODY = (
    b'{"success":true,"data":{"status":"accepted","log_id":"raw",'
    b'"correlation_id":"00000000-0000-4000-8000-000000000000"},"error":null}'
)
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
    (b"x-request-id", b"00000000-0000-4000-8000-000000000000"),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more_body = True
    while more_body:
        event = await receive()
        more_body = event.get("more_body", False) and event["type"] == "http.request"
    await send({"type": "http.response.start", "status": 202, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    uvicorn.Server(uvicorn_config(app, args.host, args.port)).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The few HTTP primitives the API needs: read a bounded body, send a JSON answer.

Kept to plain ASGI so that an ingest request costs one header scan, one body read and one JSON
encode; Starlette-style request objects would add allocations on every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from memory_machines.errors import InvalidBody, PayloadTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Request:
    __slots__ = ("_headers", "method", "path", "raw_headers", "receive", "request_id", "scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        # Names arrive lower-cased from the ASGI server; the last value wins. Kept as bytes: an
        # ingest request reads four headers, and decoding all of them cost more than that.
        self.raw_headers: dict[bytes, bytes] = dict(scope["headers"])
        self._headers: dict[str, str] | None = None
        self.request_id = ""

    def header(self, name: bytes) -> str | None:
        """One header's value (``name`` lower-case), or None."""
        value = self.raw_headers.get(name)
        return None if value is None else value.decode("latin-1")

    @property
    def headers(self) -> dict[str, str]:
        """Every header, decoded: for the few paths that hand all of them on."""
        if self._headers is None:
            self._headers = {
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in self.raw_headers.items()
            }
        return self._headers

    def query(self) -> dict[str, str]:
        query_string: bytes = self.scope.get("query_string", b"")
        return dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))

    async def body(self, max_bytes: int) -> bytes:
        """Read the body, refusing as soon as it passes ``max_bytes`` (never buffer a flood)."""
        declared = self.raw_headers.get(b"content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise PayloadTooLarge(f"body is larger than {max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self.receive()
            if event["type"] == "http.disconnect":
                # The client left mid-upload: a truncated body must never pass for the whole one.
                raise InvalidBody("the client disconnected before the body was complete")
            chunk = event.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"body is larger than {max_bytes} bytes")
                chunks.append(chunk)
            if not event.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    request_id: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode("latin-1")),
    ]
    if extra_headers:
        headers.extend(extra_headers)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send,
    status: int,
    payload: Any,
    request_id: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send_bytes(
        send, status, orjson.dumps(payload), b"application/json", request_id, extra_headers
    )


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data, "error": None}


def failure(code: str, message: str, data: Any = None) -> dict[str, Any]:
    return {"success": False, "data": data, "error": {"code": code, "message": message}}

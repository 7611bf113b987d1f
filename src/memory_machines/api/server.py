"""How the HTTP roles are served: one place for uvicorn's settings.

The benchmark's raw-ASGI ceiling is served with this same configuration, so the two are measured
on equal terms.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn


def uvicorn_config(
    app: Any, host: str, port: int, *, graceful_shutdown_s: int = 30
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        lifespan="on",
        access_log=False,
        proxy_headers=False,  # the app never reads the client address; skip the middleware
        log_config=None,
        timeout_graceful_shutdown=graceful_shutdown_s,
    )

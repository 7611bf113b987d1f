"""The HTTP API: a lean ASGI application (no framework on the hot path)."""

from memory_machines.api.app import create_app

__all__ = ["create_app"]

"""The ``memory-machines`` command: one entry point, one subcommand per role or tool."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable

import orjson
import pydantic

from memory_machines import __version__
from memory_machines.logs import configure_logging
from memory_machines.settings import Settings


def _default_port() -> int:
    """Cloud Run and most platforms say the port in ``PORT``."""
    return int(os.environ.get("PORT", "8080"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memory-machines", description="Durable multi-tenant log ingestion with PII redaction."
    )
    parser.add_argument("--version", action="version", version=f"memory-machines {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, help_text in (
        ("serve", "run the API and a worker in one process (the embedded default)"),
        ("api", "run the HTTP API only (ingest, reads, Pub/Sub push endpoint)"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
        p.add_argument(
            "--port", type=int, default=_default_port(), help="port (default $PORT or 8080)"
        )

    sub.add_parser("worker", help="run a worker only", description="Claim and process messages.")

    dlq = sub.add_parser("dlq", help="inspect and replay dead letters", description="Dead letters.")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    dlq_list = dlq_sub.add_parser("list", help="list dead letters as JSON lines")
    dlq_list.add_argument("--limit", type=int, default=100)
    replay = dlq_sub.add_parser("replay", help="re-queue dead letters with their attempts reset")
    target = replay.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", help="the dead letter's id")
    target.add_argument("--all", action="store_true", help="replay every dead letter")

    keys = sub.add_parser("keys", help="API keys bound to tenants", description="API keys.")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys_sub.add_parser(
        "create", help="make a new key for a tenant and print its MM_API_KEYS entry"
    )
    create.add_argument("tenant_id")

    for name, help_text in (
        ("redact", "redact PII and secrets from stdin or files"),
        ("bench-redaction", "measure redaction accuracy and speed against other engines"),
        ("loadtest", "send load to a running service and verify every log was stored"),
        ("gcp", "Google Cloud tools (gcp setup: create topics and subscriptions)"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text, add_help=False)
        p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _run_http(host: str, port: int, with_worker: bool, settings: Settings) -> int:
    import uvicorn

    from memory_machines.api import create_app
    from memory_machines.api.server import uvicorn_config
    from memory_machines.runtime import prepare_collector

    config = uvicorn_config(
        create_app(settings, with_worker=with_worker),
        host,
        port,
        graceful_shutdown_s=int(settings.shutdown_grace_seconds) + 5,
    )
    prepare_collector(settings.gc_young_threshold)
    uvicorn.Server(config).run()
    return 0


async def _worker_main(settings: Settings) -> None:
    from memory_machines.runtime import prepare_collector
    from memory_machines.service import Service

    service = Service.build(settings, with_worker=True)
    assert service.worker is not None
    prepare_collector(settings.gc_young_threshold)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, service.worker.stop)
    await service.start()
    try:
        await service.wait_worker()
    finally:
        await service.close()


async def _dlq(args: argparse.Namespace, settings: Settings) -> int:
    from memory_machines.service import Service

    service = Service.build(settings, with_worker=False)
    await service.start()
    try:
        if args.dlq_command == "list":
            for entry in await service.queue.dead_letters(args.limit):
                print(orjson.dumps(entry.to_dict()).decode())
            return 0
        ids = [args.id] if args.id else [d.id for d in await service.queue.dead_letters(1_000_000)]
        missing = 0
        for dead_letter_id in ids:
            if await service.queue.replay(dead_letter_id):
                print(f"replayed {dead_letter_id}")
            else:
                print(f"no dead letter {dead_letter_id}", file=sys.stderr)
                missing += 1
        return 1 if missing else 0
    finally:
        await service.close()


def _create_key(tenant_id: str) -> int:
    """Print a new key (shown once) and the digest entry to add to ``MM_API_KEYS``."""
    import secrets

    from memory_machines.api.guard import key_digest
    from memory_machines.errors import ValidationError
    from memory_machines.ids import validate_id

    try:
        validate_id("tenant_id", tenant_id)
    except ValidationError as exc:
        print(f"memory-machines: {exc.message}", file=sys.stderr)
        return 2
    key = f"mm_{secrets.token_urlsafe(32)}"
    print(f"key:   {key}")
    print(f"entry: {tenant_id}:sha256:{key_digest(key)}")
    print("Give the key to the tenant; add the entry to MM_API_KEYS (comma-separated).")
    return 0


def _tool(name: str) -> Callable[[list[str]], int]:
    if name == "redact":
        from memory_machines.redaction import main_redact

        return main_redact
    if name == "bench-redaction":
        from memory_machines.redaction import main_bench

        return main_bench
    if name == "loadtest":
        from memory_machines.loadtest.cli import main

        return main
    from memory_machines.gcp.cli import main_gcp

    return main_gcp


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv and argv[0] in ("redact", "bench-redaction", "loadtest", "gcp"):
        return _tool(argv[0])(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "keys":
        return _create_key(args.tenant_id)
    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        print(f"memory-machines: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command in ("serve", "api"):
        return _run_http(args.host, args.port, args.command == "serve", settings)
    if args.command == "worker":
        asyncio.run(_worker_main(settings))
        return 0
    return asyncio.run(_dlq(args, settings))

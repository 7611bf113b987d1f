"""``memory-machines gcp ...``: Google Cloud tools.

``gcp setup`` creates the topics and subscriptions (idempotently, see ``gcp/provision.py``) from
the same settings the services read (``GCP_PROJECT_ID``, ``PUBSUB_TOPIC_ID``, ...). It works
against the emulator when ``PUBSUB_EMULATOR_HOST`` is set.
"""

from __future__ import annotations

import argparse
import sys

import orjson

from memory_machines.errors import MemoryMachinesError
from memory_machines.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="memory-machines gcp", description="Google Cloud tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    setup = sub.add_parser(
        "setup",
        help="create the Pub/Sub topics and subscriptions (idempotent)",
        description="Create or converge the topic, subscription, dead-letter topic and "
        "dead-letter subscription. Safe to run on every deploy.",
    )
    setup.add_argument(
        "--push-endpoint",
        metavar="URL",
        help="make the main subscription push to URL (e.g. https://SERVICE/process) instead of "
        "pull; with PUSH_AUTH_SERVICE_ACCOUNT set, pushes carry an OIDC token",
    )
    setup.add_argument("--json", action="store_true", help="print the actions as JSON lines")
    return parser


def main_gcp(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        from memory_machines.gcp.provision import provision
    except ImportError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = Settings()
    try:
        actions = provision(settings, push_endpoint=args.push_endpoint)
    except MemoryMachinesError as exc:
        print(f"gcp setup failed: {exc.message}", file=sys.stderr)
        return 1
    for action in actions:
        if args.json:
            line = {"action": action.verb, "kind": action.kind, "name": action.name}
            print(orjson.dumps({**line, "detail": action.detail}).decode())
        else:
            print(action)
    return 0

"""``memory-machines loadtest URL``: open-loop load against one service, optionally verified.

Exit codes: 0 success, 1 verification failed (or not a single request was accepted),
2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import orjson

from memory_machines.loadtest import config as defaults
from memory_machines.loadtest.config import ConfigError, LoadConfig, Mix, new_run_id

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {value!r}")
    return name.strip(), content.strip()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="memory-machines loadtest",
        description="Send open-loop ingest traffic to URL and summarise what happened.",
    )
    p.add_argument("url", help="base URL of the service, e.g. http://127.0.0.1:8080")
    rate = p.add_mutually_exclusive_group()
    rate.add_argument(
        "--rpm", type=float, help=f"requests per minute (default {defaults.DEFAULT_RPM:g})"
    )
    rate.add_argument("--rps", type=float, help="requests per second (instead of --rpm)")
    p.add_argument(
        "--duration",
        type=float,
        default=defaults.DEFAULT_DURATION_S,
        help="seconds (default %(default)s)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=defaults.DEFAULT_CONCURRENCY,
        help="max outstanding requests (default %(default)s)",
    )
    p.add_argument(
        "--mix",
        default=defaults.DEFAULT_MIX,
        help="json:text:ndjson request ratio (default %(default)s)",
    )
    p.add_argument(
        "--tenants",
        type=int,
        default=defaults.DEFAULT_TENANTS,
        help="tenants to spread load over (default %(default)s)",
    )
    p.add_argument("--tenant-prefix", help="tenant ids PREFIX1..PREFIXN (default: per-run ids)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=defaults.DEFAULT_BATCH_SIZE,
        help="records per NDJSON request (default %(default)s)",
    )
    p.add_argument(
        "--text-chars",
        type=int,
        default=defaults.DEFAULT_TEXT_CHARS,
        help="characters per log text (default %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=defaults.DEFAULT_TIMEOUT_S,
        help="per-request timeout in seconds (default %(default)s)",
    )
    p.add_argument(
        "--header",
        type=_header,
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header, repeatable (e.g. an API key)",
    )
    p.add_argument("--seed", type=int, help="seed for reproducible payloads")
    p.add_argument("--run-id", help="prefix of this run's log ids (default: random)")
    p.add_argument(
        "--verify",
        action="store_true",
        help="after the run, wait for processing, then check that every accepted log is "
        "stored exactly once",
    )
    p.add_argument(
        "--verify-timeout",
        type=float,
        default=defaults.DEFAULT_VERIFY_TIMEOUT_S,
        help="seconds to wait for the queue to drain (default %(default)s)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument(
        "--plot",
        type=Path,
        metavar="FILE.png",
        help="write latency and throughput charts (needs matplotlib)",
    )
    p.add_argument("--no-progress", action="store_true", help="no live progress line on stderr")
    return p


def config_from_args(args: argparse.Namespace) -> LoadConfig:
    rpm = defaults.DEFAULT_RPM if args.rpm is None else args.rpm
    rate_rps = args.rps if args.rps is not None else rpm / 60.0
    return LoadConfig(
        url=args.url,
        rate_rps=rate_rps,
        duration_s=args.duration,
        concurrency=args.concurrency,
        mix=Mix.parse(args.mix),
        tenants=args.tenants,
        tenant_prefix=args.tenant_prefix,
        batch_size=args.batch_size,
        text_chars=args.text_chars,
        timeout_s=args.timeout,
        seed=args.seed,
        run_id=args.run_id or new_run_id(),
        headers=tuple(args.header),
        verify=args.verify,
        verify_timeout_s=args.verify_timeout,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and on bad usage (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        config = config_from_args(args)
        if args.plot is not None:
            from memory_machines.loadtest.plot import ensure_available

            ensure_available()
    except (ConfigError, RuntimeError) as exc:
        print(f"memory-machines loadtest: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from memory_machines.loadtest.progress import progress_for
    from memory_machines.loadtest.report import to_dict, to_text
    from memory_machines.loadtest.runner import run_load

    progress = None if args.no_progress else progress_for(sys.stderr)
    try:
        result = asyncio.run(run_load(config, progress))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

    if args.json:
        sys.stdout.write(orjson.dumps(to_dict(result), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(to_text(result))
    if args.plot is not None:
        from memory_machines.loadtest.plot import write_plot

        write_plot(result, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_FAILED

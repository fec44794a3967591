"""Command line: ``python -m geo [--database URL] seed-demo | users add | bench [--quick]``.

Thin: parses options, calls the library, turns domain errors into exit code 1 and
one sentence on standard error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Sequence

from geo.auth import STAFF_ROLES, AuthError, add_user
from geo.config import DEFAULT_DEMO_REPORTS, load_settings
from geo.demo import seed_demo
from geo.store import Store, StoreError


def _seed_demo(args: argparse.Namespace) -> int:
    store = Store.open(args.database or load_settings().database_url)
    started = time.perf_counter()
    counts = seed_demo(store, reports=args.reports, seed=args.seed)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{name}={count}" for name, count in counts.items())
    print(f"seeded demo data in {elapsed:.1f} s: {summary}")
    return 0


def _users_add(args: argparse.Namespace) -> int:
    store = Store.open(args.database or load_settings().database_url)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
    try:
        user = add_user(store, args.name, password, args.role)
    except AuthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"added {user.username} ({user.role.value})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    # The benchmarks drive Chromium through Playwright (a test requirement), so they load only when asked.
    from benchmarks.run import main as bench_main

    options = ["--quick"] if args.quick else []
    if args.output:
        options += ["--output", args.output]
    return bench_main(options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Trygghetskartan command line.")
    parser.add_argument("--database", help="SQLAlchemy URL (default: TRYGG_DATABASE_URL or data/trygghet.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed-demo", help="replace all data with the illustrative Markaryd demo")
    seed.add_argument("--reports", type=int, default=DEFAULT_DEMO_REPORTS, help="number of demo reports")
    seed.add_argument("--seed", type=int, default=20261123, help="random seed (same seed, same data)")
    seed.set_defaults(handler=_seed_demo)
    bench = commands.add_parser("bench", help="the explore map against its baselines (benchmarks/), table and ratios")
    bench.add_argument("--quick", action="store_true", help="small sizes, to check the machinery")
    bench.add_argument("--output", help="also write the table (Markdown) and raw numbers (JSON) to this file")
    bench.set_defaults(handler=_bench)
    users_cmd = commands.add_parser("users", help="staff accounts").add_subparsers(dest="users_command", required=True)
    add = users_cmd.add_parser("add", help="add a staff user (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in STAFF_ROLES])
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=_users_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "reports", 0) < 0:
        print("error: --reports must be 0 or more", file=sys.stderr)
        return 1
    try:
        return int(args.handler(args))
    except StoreError as error:
        print(f"error: the database cannot be used ({error.reason}): {error.url}", file=sys.stderr)
        return 1

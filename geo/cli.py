"""Command line: ``python -m geo seed-demo [--reports N] [--database URL]``.

Thin: parses options, calls the library, turns domain errors into exit code 1 and
one sentence on standard error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Trygghetskartan command line.")
    parser.add_argument("--database", help="SQLAlchemy URL (default: TRYGG_DATABASE_URL or data/trygghet.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed-demo", help="replace all data with the illustrative Markaryd demo")
    seed.add_argument("--reports", type=int, default=DEFAULT_DEMO_REPORTS, help="number of demo reports")
    seed.add_argument("--seed", type=int, default=20261123, help="random seed (same seed, same data)")
    seed.set_defaults(handler=_seed_demo)
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

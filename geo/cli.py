"""Command line: ``python -m geo [--database URL] seed-demo [--reports N] | setup --name NAME --boundary FILE
[--crs EPSG] [--admin USERNAME] | users add NAME --role ROLE
| import FILE --layer LAYER [--crs EPSG] | export --layer LAYER --format FMT [--crs EPSG] [--output PATH]
| lagesbild (--area NAME | --municipality) [--from DAY] [--to DAY] [--lang sv|en|ar] [--output PATH]
| bench [--quick] | db upgrade | db current | send-mail [--loop] [--digest] | retention
| record-of-processing [--output PATH]``.

Thin: parses options, calls the library, turns domain errors into exit code 1 and
one sentence on standard error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from geo import audit, municipality, outbox, processing_record, registry, retention
from geo.auth import STAFF_ROLES, AuthError, add_user
from geo.config import DEFAULT_DEMO_REPORTS, LOCAL_TIME_ZONE, load_settings
from geo.demo import demo_now, seed_demo
from geo.i18n import normalize_language, translate
from geo.io import (
    FORMATS,
    MODES,
    SUFFIXES,
    ImportRefused,
    ImportResult,
    ImportSource,
    export_layer,
    import_layer,
    parse_crs,
)
from geo.mail import parse_smtp_url
from geo.model import Role
from geo.store import Store, StoreError, safe_url
from geo.store.schema import database_state, head_revision, upgrade_database


def _seed_demo(args: argparse.Namespace) -> int:
    store = Store.open(args.database or load_settings().database_url)
    started = time.perf_counter()
    counts = seed_demo(store, reports=args.reports, seed=args.seed, now=demo_now(args.day))
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{name}={count}" for name, count in counts.items())
    print(f"seeded demo data in {elapsed:.1f} s: {summary}")
    return 0


def _users_add(args: argparse.Namespace) -> int:
    store = Store.open(args.database or load_settings().database_url)
    password = _read_password(args.name, args.password_stdin) or ""
    try:
        user = add_user(store, args.name, password, args.role)
    except AuthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"added {user.username} ({user.role.value})")
    return 0


def _setup(args: argparse.Namespace) -> int:
    """The first-time set-up: boundary, name, texts, default categories and (with ``--admin``) the
    first admin. Everything is checked before anything is written."""
    lang = _cli_language()
    store = Store.open(args.database or load_settings().database_url)
    try:
        source = municipality.boundary_source(args.boundary)
        boundary = municipality.read_boundary(source, crs=args.crs)
        name = municipality.check_name(args.name)
        texts = municipality.check_texts(_setup_texts(args))
    except ImportRefused as error:
        key = "setup.error.no_crs_cli" if error.key == "io.no_crs" else None
        message = translate(key, lang, name=Path(args.boundary).name) if key else error.text(lang)
        print(f"error: {message}", file=sys.stderr)
        return 1
    except municipality.SetupRefused as error:
        print(f"error: {error.text(lang)}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {args.boundary}: {error.strerror or error}", file=sys.stderr)
        return 1
    admin = None
    if args.admin:
        password = _read_password(args.admin, args.password_stdin, confirm=True)
        if password is None:
            print(f"error: {translate('setup.error.passwords_differ', lang)}", file=sys.stderr)
            return 1
        try:
            admin = add_user(store, args.admin, password, Role.ADMIN)
        except AuthError as error:
            print(f"error: {translate(error.key, lang)}", file=sys.stderr)
            return 1
    result = municipality.set_up(store, None, name=name, boundary=boundary, texts=texts)
    town = result.municipality
    (lat, lon), zoom = town.home
    print(translate("setup.cli_done", lang, name=town.name, lat=f"{lat:.5f}", lon=f"{lon:.5f}", zoom=zoom))
    if result.categories_added:
        print(translate("setup.cli_categories", lang, n=len(store.categories())))
    if admin is not None:
        print(translate("setup.cli_admin", lang, user=admin.username))
    elif not store.has_admin():
        print(translate("setup.cli_no_admin", lang))
    return 0


def _setup_texts(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    """The texts given on the command line (``--title``, ``--title-en``, ...), by setting and language."""
    texts: dict[str, dict[str, str]] = {}
    for key in municipality.TEXT_KEYS:
        for lang in ("sv", "en", "ar"):
            value = getattr(args, f"{key}_{lang}", None)
            if value:
                texts.setdefault(key, {})[lang] = value
    return texts


def _read_password(user: str, from_stdin: bool, *, confirm: bool = False) -> str | None:
    """The password for ``user``: a line of standard input, or asked at the terminal (twice with
    ``confirm``; None when the two differ)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {user}: ")
    if confirm and getpass.getpass(f"password for {user} (again): ") != password:
        return None
    return password


def _cli_language() -> str:
    """Messages in the language of ``LANG`` (``en_GB.UTF-8`` → English), else Swedish."""
    return normalize_language(os.environ.get("LANG", ""))


def _import(args: argparse.Namespace) -> int:
    store = Store.open(args.database or load_settings().database_url)
    mapping = None
    if args.map:
        mapping = {}
        for item in args.map:
            name, _, column = item.partition("=")
            mapping[name.strip()] = column.strip() or None
    lang = _cli_language()
    try:
        source = ImportSource.from_path(args.file)
        result = import_layer(
            store,
            Role.ADMIN,
            source,
            args.layer,
            crs=args.crs,
            mapping=mapping,
            default_kind=args.kind,
            repair=not args.no_repair,
            dry_run=args.dry_run,
            mode=args.mode,
            key=args.key,
        )
    except ImportRefused as error:
        print(f"error: {error.text(lang)}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for problem in result.repaired:
        print(problem.text(lang))
    _print_plan(result, lang, args.dry_run)
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {result.count} features into {result.layer} from {args.file} ({result.mode})")
    return 0


def _print_plan(result: ImportResult, lang: str, dry_run: bool) -> None:
    """What the import added, changed and removed (or would, on a dry run), by name."""
    counts = {"added": len(result.added), "changed": len(result.changed), "removed": len(result.removed)}
    if dry_run:
        print(translate("io.import.plan", lang, **counts))
    else:
        print(translate("io.import.done_plan", lang, layer=result.layer, **counts))
    if result.layer == "reports":
        return  # reports are counted, not named
    for key, names in (
        ("io.import.plan_added", result.added),
        ("io.import.plan_changed", result.changed),
        ("io.import.plan_removed", result.removed),
    ):
        if names:
            print(translate(key, lang, names=", ".join(names)))


def _export(args: argparse.Namespace) -> int:
    store = Store.open(args.database or load_settings().database_url)
    viewer = Role.ADMIN if args.exact else Role.PUBLIC
    try:
        crs = parse_crs(args.crs)
        exported = export_layer(store, viewer, args.layer, args.format, crs=crs)
    except ImportRefused as error:
        print(f"error: {error.text(_cli_language())}", file=sys.stderr)
        return 1
    output = args.output or f"{args.layer}{SUFFIXES[args.format]}"
    if not output.lower().endswith(SUFFIXES[args.format]):
        # A zipped Shapefile under a .shp name (or a GeoPackage under .csv) is a broken file for the reader.
        stem = output[: -len(Path(output).suffix)] if Path(output).suffix else output
        print(f"note: a {args.format} export is a {SUFFIXES[args.format]} file: writing {stem}{SUFFIXES[args.format]}")
        output = f"{stem}{SUFFIXES[args.format]}"
    try:
        with open(output, "wb") as handle:
            handle.write(exported.data)
    except OSError as error:
        print(f"error: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 1
    face = "exact (staff)" if args.exact else "public"
    print(f"exported {exported.count} features of {args.layer} ({face}) to {output} in {crs.to_string()}")
    return 0


def _lagesbild(args: argparse.Namespace) -> int:
    from geo import lagesbild

    store = Store.open(args.database or load_settings().database_url)
    if bool(args.area) == bool(args.municipality):
        print("error: give either --area NAME or --municipality", file=sys.stderr)
        return 1
    try:
        zone = lagesbild.find_zone(store, args.area) if args.area else None
    except lagesbild.UnknownArea as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    today = dt.datetime.now(LOCAL_TIME_ZONE).date()
    date_from, date_to = args.date_from, args.date_to
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    doc = lagesbild.make(
        store, actor=audit.SYSTEM, zone=zone, date_from=date_from, date_to=date_to, lang=args.lang, today=today
    )
    html_wanted = args.output.lower().endswith((".html", ".htm"))
    data = lagesbild.html(store, doc).encode("utf-8") if html_wanted else lagesbild.pdf(store, doc)
    try:
        Path(args.output).write_bytes(data)
    except OSError as error:
        print(f"error: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 1
    period = doc.statistics.period
    print(f"wrote the lägesbild of {lagesbild.area_name(doc)}, {period.start} to {period.end}, to {args.output}")
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a day YYYY-MM-DD: {text!r}") from error


def _db_upgrade(args: argparse.Namespace) -> int:
    url = args.database or load_settings().database_url
    try:
        before = upgrade_database(url)
    except StoreError as error:
        print(f"error: cannot upgrade the schema of {error.url}: {error.detail}", file=sys.stderr)
        return 1
    url = safe_url(url)
    if before.state == "newer":
        print(f"error: {url} is at revision {before.revision}, newer than this code's {before.head}", file=sys.stderr)
        return 1
    if before.state == "current":
        print(f"{url} is up to date (revision {before.head})")
    elif before.state == "empty":
        print(f"created the schema (revision {before.head}) in {url}")
    else:
        print(f"upgraded {url} from revision {before.revision or '(before migrations)'} to {before.head}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    url = args.database or load_settings().database_url
    try:
        state = database_state(url)
    except StoreError as error:
        print(f"error: cannot read the schema of {error.url}: {error.detail}", file=sys.stderr)
        return 1
    print(f"{safe_url(url)}: {state.state}, revision {state.revision or '(none)'}, code's head {head_revision()}")
    return 0


def _retention(args: argparse.Namespace) -> int:
    settings = load_settings()
    store = Store.open(args.database or settings.database_url)
    removed = retention.run_if_due(store, settings.retention, holder=retention.holder_name(), due=dt.timedelta(0))
    if removed is None:
        print("error: another process of the app is applying retention right now; try again later", file=sys.stderr)
        return 1
    print(f"retention applied ({retention.describe(settings.retention)}): removed {retention.summary(removed)}")
    return 0


def _record(args: argparse.Namespace) -> int:
    text = processing_record.render(load_settings())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote the record of processing to {args.output}")
    else:
        print(text, end="")
    return 0


def _bench(args: argparse.Namespace) -> int:
    # The benchmarks drive Chromium through Playwright (a test requirement), so they load only when asked.
    from benchmarks.run import main as bench_main

    options = ["--quick"] if args.quick else []
    if args.output:
        options += ["--output", args.output]
    return bench_main(options)


def _send_mail(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.smtp_url:
        print("error: no mail server: set TRYGG_SMTP_URL (e.g. smtp+starttls://user:pass@host:587)", file=sys.stderr)
        return 1
    try:
        parse_smtp_url(settings.smtp_url)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    store = Store.open(args.database or settings.database_url)
    if args.digest:
        print(f"queued the digest to {outbox.queue_digest(store, settings, force=True)} staff members")
    while True:
        result = outbox.run_once(store, settings)
        print(
            f"sent {result.sent}, waiting to retry {result.retrying}, failed {result.failed}, stopped {result.dropped}"
        )
        if not args.loop:
            return 0
        time.sleep(args.every)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Trygghetskartan command line.")
    parser.add_argument("--database", help="SQLAlchemy URL (default: TRYGG_DATABASE_URL or data/trygghet.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed-demo", help="replace all data with the illustrative Markaryd demo")
    seed.add_argument("--reports", type=int, default=DEFAULT_DEMO_REPORTS, help="number of demo reports")
    seed.add_argument("--seed", type=int, default=20261123, help="random seed (same seed and day, same data)")
    seed.add_argument(
        "--day",
        type=dt.date.fromisoformat,
        help="the day the demo ends, YYYY-MM-DD (default today): reports cover the two years before it",
    )
    seed.set_defaults(handler=_seed_demo)
    setup = commands.add_parser(
        "setup", help="set the deployment up for a municipality: name, boundary file, first admin, default categories"
    )
    setup.add_argument("--name", required=True, help="the municipality's name, e.g. 'Lerums kommun'")
    setup.add_argument(
        "--boundary", required=True, help="the boundary: GeoPackage, GeoJSON, Shapefile (.shp or zipped), any CRS"
    )
    setup.add_argument("--crs", help="CRS of a boundary file that declares none, e.g. 3006 (SWEREF 99 TM)")
    setup.add_argument("--admin", metavar="USERNAME", help="create this first admin (asks for the password)")
    setup.add_argument("--password-stdin", action="store_true", help="read the admin's password from standard input")
    for key, what in (
        ("title", "the app's title"),
        ("open311_contact", "the contact in the Open311 discovery document"),
        ("privacy_contact", "the contact for questions about personal data"),
        ("accessibility_contact", "where to report an accessibility barrier"),
    ):
        flag = key.replace("_", "-")
        setup.add_argument(f"--{flag}", dest=f"{key}_sv", metavar="TEXT", help=f"{what} (Swedish)")
        setup.add_argument(f"--{flag}-en", dest=f"{key}_en", metavar="TEXT", help=f"{what} in English")
        setup.add_argument(f"--{flag}-ar", dest=f"{key}_ar", metavar="TEXT", help=f"{what} in Arabic")
    setup.set_defaults(handler=_setup)
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
    imp = commands.add_parser(
        "import", help="import a GeoJSON, GeoPackage, zipped Shapefile or CSV file (all or nothing)"
    )
    imp.add_argument("file", help="the file (.geojson, .gpkg, .zip with one .shp, .csv)")
    imp.add_argument("--layer", required=True, choices=registry.layer_names())
    imp.add_argument("--crs", help="CRS of a file that declares none, e.g. 3006 (SWEREF 99 TM)")
    imp.add_argument("--kind", help="zone or meeting place kind for rows without one (e.g. platssamverkan)")
    imp.add_argument(
        "--map", action="append", metavar="FIELD=COLUMN", help="take FIELD from COLUMN (repeatable; default: by name)"
    )
    imp.add_argument("--no-repair", action="store_true", help="refuse invalid geometries instead of repairing them")
    imp.add_argument("--dry-run", action="store_true", help="check all, list what would change, write nothing")
    imp.add_argument(
        "--mode",
        choices=MODES,
        default="append",
        help="append (default), replace the whole layer, or update features matched by --key (reports: append only)",
    )
    imp.add_argument("--key", help="with --mode update: the file's key column (id, or the column of a field like name)")
    imp.set_defaults(handler=_import)
    exp = commands.add_parser("export", help="export a layer (public by default: published, coarsened, scrubbed)")
    exp.add_argument("--layer", required=True, choices=registry.layer_names())
    exp.add_argument("--format", required=True, choices=FORMATS)
    exp.add_argument("--crs", default="4326", help="CRS of the output, e.g. 3006 (default 4326, WGS84)")
    exp.add_argument("--output", help="file to write (default: LAYER.gpkg/.geojson/.zip/.csv here)")
    exp.add_argument("--exact", action="store_true", help="staff export: exact locations, all reports not rejected")
    exp.set_defaults(handler=_export)
    send = commands.add_parser("send-mail", help="send the e-mails that are due (TRYGG_SMTP_URL), then stop")
    send.add_argument("--loop", action="store_true", help="keep sending (every --every seconds) until stopped")
    send.add_argument("--every", type=float, default=15.0, help="seconds between rounds with --loop (default 15)")
    send.add_argument("--digest", action="store_true", help="queue the staff's daily digest now, then send")
    send.set_defaults(handler=_send_mail)
    doc = commands.add_parser("lagesbild", help="a printable situation report (PDF, or HTML with --output X.html)")
    doc.add_argument("--area", help="the zone or medborgarlöfte area, by name")
    doc.add_argument("--municipality", action="store_true", help="the whole municipality")
    doc.add_argument("--from", dest="date_from", type=_day, help="first day YYYY-MM-DD (default: a year back)")
    doc.add_argument("--to", dest="date_to", type=_day, help="last day YYYY-MM-DD (default: today)")
    doc.add_argument("--lang", default="sv", choices=("sv", "en", "ar"))
    doc.add_argument("--output", default="lagesbild.pdf", help="file to write (.pdf, or .html for the print page)")
    doc.set_defaults(handler=_lagesbild)
    commands.add_parser(
        "retention", help="remove now what is kept no longer (retention settings), in one transaction; prints counts"
    ).set_defaults(handler=_retention)
    record = commands.add_parser(
        "record-of-processing", help="the record of processing (what is stored, why, how long, who sees it)"
    )
    record.add_argument("--output", help="write it to this file (default: standard output)")
    record.set_defaults(handler=_record)
    db_cmd = commands.add_parser("db", help="the database schema (migrations)").add_subparsers(
        dest="db_command", required=True
    )
    db_cmd.add_parser(
        "upgrade", help="bring the schema to this version (creates it in an empty database)"
    ).set_defaults(handler=_db_upgrade)
    db_cmd.add_parser("current", help="show the schema's revision and the code's").set_defaults(handler=_db_current)
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

"""The audit log: who did what to the municipality's data, beyond a report's status
(accounts and roles, categories, zones, meeting places, actions, imports, exports with
exact places, settings). A report's own changes stay in its history (``report_events``).

A row holds when (UTC), who (a user name, or ``"system"`` for the command line), an action
named ``<thing>.<verb>`` (``"zone.delete"``, ``"export.exact"``), its target (an id, a
layer, a user name) and a few short details (a role, a count, a format). Never personal
data or a report's text: `record` refuses a detail that holds an e-mail address, a phone
number or a personal identity number, and any value longer than `MAX_VALUE`.

Only an admin reads it (`geo.rights.Right.VIEW_AUDIT`): newest first, filtered by action,
actor and days, and as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from geo.auth import User
from geo.config import LOCAL_TIME_ZONE
from geo.i18n import format_moment, messages, normalize_language, translate, translator
from geo.privacy import scrub_text
from geo.rights import Right, require
from geo.store import Connection, Store, utcnow

SYSTEM = "system"
"""The actor of changes made without a logged-in user (the command line)."""
ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
MAX_VALUE = 200
"""The most characters a detail's value may hold."""
MAX_DETAILS = 12
DEFAULT_LIMIT = 1000
"""The most rows `entries` returns unless asked for more."""
CSV_COLUMNS = ("at", "actor", "action", "target", "detail")
ACTION_GROUPS = (
    "account",
    "category",
    "zone",
    "place",
    "action",
    "dossier",
    "promise",
    "import",
    "export",
    "mail",
    "settings",
)
"""The things actions are done to (the part before the dot), for the admin's filter."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditEntry:
    """One staff action. ``at`` is UTC."""

    at: dt.datetime
    actor: str
    action: str
    target: str
    detail: Mapping[str, str] = field(default_factory=dict)


def _actor_name(actor: User | str) -> str:
    name = actor.username if isinstance(actor, User) else str(actor)
    if not name:
        raise ValueError("actor must name someone, got an empty name")
    return name


def _is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID in its usual form (a row's id: never personal data, though
    its digits can look like a phone number to the scrubber)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _check_text(name: str, value: str) -> str:
    if len(value) > MAX_VALUE:
        raise ValueError(f"{name} must have at most {MAX_VALUE} characters, got {len(value)}")
    if not _is_uuid(value) and scrub_text(value).text != value:
        raise ValueError(f"{name} looks like personal data (an e-mail, phone or identity number): not recorded")
    return value


def _check_detail(detail: Mapping[str, str] | None) -> dict[str, str]:
    if not detail:
        return {}
    if len(detail) > MAX_DETAILS:
        raise ValueError(f"detail must hold at most {MAX_DETAILS} values, got {len(detail)}")
    return {str(key): _check_text(f"detail[{key!r}]", str(value)) for key, value in detail.items()}


def record(
    store: Store,
    actor: User | str,
    action: str,
    target: str,
    detail: Mapping[str, str] | None = None,
    *,
    conn: Connection | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Record that ``actor`` did ``action`` (``"<thing>.<verb>"``) to ``target``, with a few
    short ``detail`` values (never personal data or report text: `ValueError`). Pass
    ``conn`` to write inside your own transaction, so that the row and the change it records
    are kept or lost together."""
    if not ACTION.match(action):
        raise ValueError(f"action must look like 'zone.delete', got {action!r}")
    store.add_audit(
        at=now or utcnow(),
        actor=_actor_name(actor),
        action=action,
        target=_check_text("target", str(target)),
        detail=_check_detail(detail),
        conn=conn,
    )


def _day_start(day: dt.date) -> dt.datetime:
    """The first moment (UTC) of the Swedish day ``day``."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TIME_ZONE).astimezone(dt.UTC)


def entries(
    store: Store,
    viewer: User | None,
    *,
    action: str = "",
    actor: str = "",
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> list[AuditEntry]:
    """The log as the admin reads it, newest first: actions starting with ``action``
    (``"zone"`` or ``"zone.delete"``), by ``actor``, on Swedish days ``first_day`` to
    ``last_day`` (both included), at most ``limit`` (None: all). `PermissionError` for
    anyone without ``view_audit``."""
    require(viewer, Right.VIEW_AUDIT)
    rows = store.audit_rows(
        action_prefix=action.strip(),
        actor=actor.strip().lower(),
        since=_day_start(first_day) if first_day else None,
        until=_day_start(last_day + dt.timedelta(days=1)) if last_day else None,
        limit=limit,
    )
    return [AuditEntry(r["at"], r["actor"], r["action"], r["target"], dict(r["detail"] or {})) for r in rows]


def actors(store: Store, viewer: User | None) -> list[str]:
    """Everyone the log names (for the admin's filter)."""
    require(viewer, Right.VIEW_AUDIT)
    return store.audit_actors()


def action_label(action: str, lang: str) -> str:
    """The action in ``lang`` (catalogue ``audit.action.<action>``), or its code when the
    catalogue has no words for it yet."""
    return _known(f"audit.action.{action}", lang) or action


def detail_text(detail: Mapping[str, str]) -> str:
    """``key=value`` pairs, by key, joined with ``"; "``."""
    return "; ".join(f"{key}={detail[key]}" for key in sorted(detail))


_VALUE_KINDS = {"role": "role", "kind": "zone_kind", "mode": "io.mode"}
"""Details whose values are codes with words in the catalogue (``<kind>.<code>``)."""
_WORDS = ("yes", "no", "linked", "unlinked")


def _known(key: str, lang: str) -> str | None:
    return translate(key, lang) if key in messages(normalize_language(lang)) or key in messages("sv") else None


def detail_words(detail: Mapping[str, str], lang: str) -> str:
    """`detail_text` in ``lang``: each key and each coded value in the reader's words where
    the catalogue has them (``audit.detail.<key>``, roles, kinds, modes, yes/no), names and
    numbers as they are."""
    parts = []
    for key in sorted(detail):
        value = detail[key]
        if key in _VALUE_KINDS:
            value = _known(f"{_VALUE_KINDS[key]}.{value}", lang) or value
            if key == "kind" and value == detail[key]:
                value = _known(f"meeting_place_kind.{value}", lang) or value
        elif value in _WORDS:
            value = _known(f"audit.value.{value}", lang) or value
        parts.append(f"{_known(f'audit.detail.{key}', lang) or key}: {value}")
    return "; ".join(parts)


def table(found: Iterable[AuditEntry], lang: str) -> pd.DataFrame:
    """``found`` as the admin reads it in ``lang``: when (Swedish time), who, what, target, details."""
    t = translator(lang)
    rows = [
        (format_moment(e.at, lang), e.actor, action_label(e.action, lang), e.target, detail_words(e.detail, lang))
        for e in found
    ]
    columns = [t(f"audit.column.{name}") for name in CSV_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(found: Iterable[AuditEntry]) -> bytes:
    """``found`` as CSV (UTF-8 with a byte order mark, so a spreadsheet reads å, ä, ö and
    Arabic): `CSV_COLUMNS`, the moment in ISO 8601 UTC, a cell a spreadsheet would run as a
    formula neutralised with a leading ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in found:
        at = entry.at.astimezone(dt.UTC).isoformat(timespec="seconds")
        writer.writerow([at, *(_cell(v) for v in (entry.actor, entry.action, entry.target, detail_text(entry.detail)))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

"""Storage limitation (GDPR art. 5.1 e): residents' data is kept only as long as the settings
say (`geo.config.Retention`), and a resident may withdraw their own
report with its reference code.

`apply` removes, in one transaction, the free text, contact e-mail and moderator's note of
reports closed more than ``text_days`` ago, and every report older than ``report_days``
(counted first per month, category, feeling and time of day when ``old_reports`` is
``aggregate``); with them, staff sessions idle longer than a session lasts and rate-limit
rows older than their window. It logs what it removed as counts, never content, in the
server's log and in the audit log (`geo.audit`, action ``retention.run``).

`run_if_due` is what the app runs (`start_daily`: at start-up, then every hour it asks
whether a day has passed): the database holds the claim (`geo.store.Store.claim_job`), so of
several processes on one database one runs it at a time, and once a day.
``python -m geo retention`` runs `apply` at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from dataclasses import asdict

from geo import audit
from geo.auth import SESSION_IDLE_LIMIT
from geo.config import Retention, Settings
from geo.moderation import rejection_kind
from geo.reporting import RATE_WINDOW
from geo.store import Removed, Store, StoreError, utcnow

LOG = logging.getLogger(__name__)
JOB = "retention"
EVERY = dt.timedelta(days=1)
"""How often the app applies retention."""
LEASE = dt.timedelta(hours=1)
"""How long a claim holds if its process dies before letting go."""
CHECK_EVERY_S = 3600.0
"""How often a running app asks whether retention is due."""


def reason_kind(reason: str) -> str:
    """The kind of a rejection's reason (``"personal_data: a name"`` → ``personal_data``),
    all of it that retention keeps: ``other`` for free words, ``""`` for no reason."""
    return rejection_kind(reason).value if reason else ""


def cutoffs(policy: Retention, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(closed before, created before): reports closed before the first lose their text,
    reports made before the second are removed. ``now`` is aware."""
    if now.tzinfo is None:
        raise ValueError(f"now must be time-zone aware, got {now!r}")
    return now - dt.timedelta(days=policy.text_days), now - dt.timedelta(days=policy.report_days)


def _counts(removed: Removed) -> dict[str, str]:
    return {name: str(count) for name, count in asdict(removed).items()}


def summary(removed: Removed) -> str:
    """One line of counts for logs and the jobs table (never content)."""
    return ", ".join(f"{name}={count}" for name, count in asdict(removed).items())


def describe(policy: Retention) -> str:
    """The policy in one line, for people."""
    return (
        f"text, contact and note {policy.text_days} days after closing; "
        f"reports after {policy.report_days} days, {policy.old_reports}"
    )


def apply(store: Store, policy: Retention, *, now: dt.datetime | None = None) -> Removed:
    """Apply ``policy`` once, in one transaction, and log the counts."""
    now = now or utcnow()
    closed_before, created_before = cutoffs(policy, now)
    removed = store.apply_retention(
        closed_before=closed_before,
        created_before=created_before,
        aggregate=policy.old_reports == "aggregate",
        reason_kind=reason_kind,
        idle_before=now - SESSION_IDLE_LIMIT,
        rate_before=now - RATE_WINDOW,
        then=lambda conn, removed: audit.record(
            store, audit.SYSTEM, "retention.run", "reports", _counts(removed), conn=conn, now=now
        ),
    )
    LOG.info("retention removed: %s", summary(removed))
    return removed


def holder_name() -> str:
    """Who claims a job: host, process and a random part (a restarted process is another holder)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


def run_if_due(
    store: Store,
    policy: Retention,
    *,
    holder: str,
    now: dt.datetime | None = None,
    due: dt.timedelta = EVERY,
) -> Removed | None:
    """`apply` if no other process is applying it and it last finished at least ``due`` ago;
    None when not run. A failure lets go of the claim (due again) and is raised."""
    now = now or utcnow()
    if not store.claim_job(JOB, holder, now=now, lease=LEASE, due=due):
        return None
    try:
        removed = apply(store, policy, now=now)
    except BaseException:
        store.finish_job(JOB, holder, now=now, result=None)
        raise
    store.finish_job(JOB, holder, now=now, result=summary(removed))
    return removed


def start_daily(
    settings: Settings, *, check_every_s: float = CHECK_EVERY_S, after: threading.Thread | None = None
) -> threading.Thread:
    """A background thread of this process: retention at start-up (unless another process is
    applying it right now), then once a day among all processes on the database. Problems are
    logged, never raised: the app keeps serving. With ``after`` (the start-up warm-up), the first
    round waits for that thread to end: retention's one long transaction (a scan of every report)
    would otherwise take the two cores and, on SQLite, hold the first visitor's reads at its commit."""
    holder = holder_name()

    def run() -> None:
        from geo.startup import app_store  # late: startup imports much of the app

        if after is not None:
            after.join()

        due = dt.timedelta(0)  # at start-up: whenever it last ran
        pause = threading.Event()  # never set: a wait that does not hold the GIL
        while True:
            try:
                run_if_due(app_store(settings), settings.retention, holder=holder, due=due)
            except (StoreError, OSError, ValueError) as error:
                LOG.warning("retention not applied: %s", error)
            except Exception:  # a background thread must not die silently
                LOG.exception("retention failed")
            due = EVERY
            pause.wait(check_every_s)

    thread = threading.Thread(target=run, name="trygg-retention", daemon=True)
    thread.start()
    return thread

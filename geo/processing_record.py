"""The record of processing (GDPR art. 30, *registerförteckning*): what Trygghetskartan stores
about people, why, for how long and who sees it, written from the settings (`geo.config`) and
the code's own limits, so that it cannot drift from what the app does.

``python -m geo record-of-processing --output docs/record-of-processing.md`` writes it; the
copy in ``docs/`` is the one for the default settings (a test checks it is in step). A
municipality with other retention settings runs the command for its own copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geo.auth import HANDOFF_LIFETIME, SESSION_IDLE_LIMIT
from geo.config import Settings
from geo.privacy import PUBLIC_GRID_M
from geo.reporting import FORM_SESSION_LIMIT, RATE_WINDOW


@dataclass(frozen=True)
class Entry:
    data: str
    where: str
    why: str
    kept: str
    who: str


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def entries(settings: Settings) -> list[Entry]:
    """One entry per kind of data about people, from ``settings``."""
    policy = settings.retention
    old = (
        "then deleted, after being counted per month, category, feeling and time of day (no place, no text)"
        if policy.old_reports == "aggregate"
        else "then deleted without a trace"
    )
    return [
        Entry(
            "A resident's report: place (WGS84), category, feeling, time of day, language, when it was made, "
            "status, reference code",
            "`reports`",
            "to give the municipality, the police and residents one picture of where people feel unsafe "
            "(public interest, GDPR art. 6.1 e)",
            f"{policy.report_days} days from when it was made, {old}; at once when the resident withdraws it "
            "with the reference code (`/status`)",
            f"staff (team, police, admin) see the exact place; the public sees only published reports, moved to "
            f"the {PUBLIC_GRID_M:g} m grid, and counts of at least 5",
        ),
        Entry(
            "The report's free text (scrubbed on arrival of personal identity numbers, phone numbers and "
            "e-mail addresses; the original is never stored)",
            "`reports.text`",
            "to understand what makes the place feel unsafe",
            f"until {policy.text_days} days after the case is closed, then removed",
            "staff; the public sees the text of published reports",
        ),
        Entry(
            "A contact e-mail address, only when the resident gives it and consents",
            "`report_contacts`",
            "to tell the resident what happened to the report (consent, GDPR art. 6.1 a)",
            f"removed when staff close the case, and at the latest {policy.text_days} days after closing",
            "never shown on the map or in exports; staff's outgoing messages only",
        ),
        Entry(
            "A moderator's note on why a report was not published",
            "`reports.moderation_reason`, `report_events.comment`",
            "to tell the resident the kind of reason and keep the decision accountable",
            f"until {policy.text_days} days after closing; then only the kind of reason is kept",
            "staff; the resident sees only the kind of reason",
        ),
        Entry(
            "The history of a report: who of the staff changed its status or moderation, when, and the public comment",
            "`report_events`",
            "accountability for decisions on residents' reports",
            "as long as the report",
            "staff; the public comment is public",
        ),
        Entry(
            "Staff accounts: user name, password hash (never the password), role, single sign-on e-mail, "
            "failed log-ins and lock-out",
            "`users`",
            "to let only staff see exact places and change reports",
            "until an admin removes the account",
            "admins",
        ),
        Entry(
            "Staff sessions: a random id, hashes of the one-time code and of the cookie's token, "
            "when it started and was last used",
            "`staff_sessions`",
            "to keep a member of staff logged in across reloads and app processes",
            f"ends after {_minutes(SESSION_IDLE_LIMIT)} minutes idle (a one-time code lasts "
            f"{_minutes(HANDOFF_LIFETIME)} minutes); the row is removed by the daily retention run",
            "no one (the app compares hashes)",
        ),
        Entry(
            "E-mails to a resident about their report and to staff (subject and text; the resident's address "
            "stays in `report_contacts` and is read when sending)",
            "`outbox`",
            "to tell the resident what happened to the report, and staff what waits for them",
            f"with the report (deleted with it, and when it is withdrawn); a message that has gone (or was "
            f"given up or stopped) is removed {policy.text_days} days after it was written",
            "no one in the app; the mail server sends them",
        ),
        Entry(
            "The audit log: which member of staff did what (accounts, roles, categories, zones, meeting "
            "places, imports, exact exports, settings), when; retention runs and withdrawals as counts only",
            "`audit_log`",
            "accountability for staff's handling of the data (GDPR art. 5.2)",
            "no period set by the app: the municipality decides (it names staff, never residents)",
            "admins",
        ),
        Entry(
            "Rate-limit events: a random id of a browser session (never an IP address) and a time",
            "`rate_events`",
            f"to stop floods of reports and guessing of reference codes ({FORM_SESSION_LIMIT} per "
            f"{_minutes(RATE_WINDOW)} minutes)",
            f"{_minutes(RATE_WINDOW)} minutes",
            "no one",
        ),
    ]


def render(settings: Settings) -> str:
    """The record as Markdown."""
    policy = settings.retention
    lines = [
        "# Record of processing (registerförteckning)",
        "",
        "Written by `python -m geo record-of-processing` from the app's settings "
        "(here: the defaults); do not edit by hand.",
        "",
        "Controller: the municipality running the app (its name and privacy contact are its settings). "
        "Residents report without an account; no IP address, browser fingerprint or cookie is stored "
        "with a report. Backups hold the same data and should be kept no longer than the periods below.",
        "",
        "## Retention settings",
        "",
        "| setting | value |",
        "|---|---|",
        f"| `TRYGG_RETENTION_TEXT_DAYS` | {policy.text_days} |",
        f"| `TRYGG_RETENTION_REPORT_DAYS` | {policy.report_days} |",
        f"| `TRYGG_RETENTION_OLD_REPORTS` | {policy.old_reports} |",
        "",
        "The app applies them at start-up and once a day (`python -m geo retention` at once), in one "
        "transaction, and logs what it removed as counts, never content. Invented demo reports "
        "(source `demo`) are left alone.",
        "",
        "## What is stored",
        "",
        "| data | where | why | kept for | who sees it |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {e.data} | {e.where} | {e.why} | {e.kept} | {e.who} |" for e in entries(settings)]
    return "\n".join(lines) + "\n"

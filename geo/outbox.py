"""E-mail to residents and staff through an outbox that loses nothing.

**Writing.** A change that should tell someone (a report sent, published or not, its status
changed, a reply, the case closed) calls `notify` with the connection of its own transaction:
the message is written to the ``outbox`` table in that transaction, so it exists exactly when
the change does. Only when e-mail is configured (``TRYGG_SMTP_URL``): without it nothing is
queued, no address is stored and Rapportera says replies are not available.

**The resident stays anonymous.** Messages name the report, never the address: it stays in
``report_contacts`` and is read only when a message is sent. The case's last message
(``final``) deletes the address once it has gone, not before. Every message to a resident
carries a link to ``/status?ref=`` and a one-click stop link signed with HMAC-SHA256
(``TRYGG_MAIL_SECRET``, or a key drawn once and kept in the database), which cannot be forged
for another report.

**Sending.** `send_due` claims due messages in the database (`geo.store.Store.claim_messages`:
each goes to one sender only, even with several processes), sends them over SMTP
(`geo.mail`), and marks each sent, or tries again later with exponential backoff
(`backoff`), or gives up after `MAX_ATTEMPTS` or a permanent refusal (the admin sees it on the
Administration page and can send it again). A sender that stops mid-way leaves its message
``sending``: it is not sent again on its own (at most once), the admin sees it. `run_once`
also queues the staff's daily digest (`queue_digest`). It runs in a background thread of the
app (`geo.startup.start_mail_sender`) and as ``python -m geo send-mail``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geo import audit, letters, mail
from geo.auth import User
from geo.config import LOCAL_TIME_ZONE, Settings, load_settings
from geo.i18n import format_day, label, translator
from geo.model import Moderation, category_labels
from geo.privacy import is_valid_email
from geo.rights import Right, require
from geo.store import Connection, ReportQuery, Store, column_length, utcnow
from geo.store.outbox import add_message, contact_facts, forget_contact, mail_secret

LOG = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
"""Tries before a message is given up (about four hours of backoff in all)."""
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=2)
STUCK_AFTER = dt.timedelta(minutes=15)
"""A message claimed longer ago and never finished is shown to the admin as interrupted."""
BATCH = 50
STOP_PATH = "/stop-messages"
MAX_REPLY_LENGTH = column_length("report_events", "comment")
DIGEST_ITEMS = 30
"""Reports listed by name in a digest; the rest are counted."""


def enabled(settings: Settings | None = None) -> bool:
    """Whether e-mail is configured (``TRYGG_SMTP_URL``)."""
    return (settings or load_settings()).mail_enabled


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4, … minutes, at most two hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


# -- links ------------------------------------------------------------------------------


def status_url(settings: Settings, ref_code: str) -> str:
    return f"{settings.public_url}/status?ref={ref_code}"


def signature(secret: str, ref_code: str) -> str:
    """The stop link's signature for report ``ref_code``."""
    return hmac.new(secret.encode(), f"stop:{ref_code}".encode(), hashlib.sha256).hexdigest()


def stop_url(settings: Settings, secret: str, ref_code: str) -> str:
    return f"{settings.public_url}{STOP_PATH}?ref={ref_code}&sig={signature(secret, ref_code)}"


def _secret(conn: Connection, settings: Settings) -> str:
    return settings.mail_secret or mail_secret(conn)


# -- writing, in the caller's transaction ----------------------------------------------


def notify(
    conn: Connection,
    report_id: str,
    kind: str,
    *,
    final: bool = False,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    **values: str,
) -> bool:
    """Queue message ``kind`` (`geo.letters.RESIDENT_KINDS`) to the resident of ``report_id``
    in the caller's transaction ``conn``; True when queued. Nothing is queued when the resident
    gave no address, when the case's last message already waits, or without e-mail configured.
    ``final``: the case closes; the address is deleted once this message has gone (at once,
    without e-mail configured)."""
    settings = settings or load_settings()
    facts = contact_facts(conn, report_id)
    if facts is None or facts.closing:
        return False
    if not settings.mail_enabled:
        if final:
            forget_contact(conn, report_id)
        return False
    composed = letters.resident(
        kind,
        facts.language,
        facts.ref_code,
        status_url=status_url(settings, facts.ref_code),
        stop_url=stop_url(settings, _secret(conn, settings), facts.ref_code),
        final=final,
        **values,
    )
    row = {
        "kind": kind,
        "report_id": report_id,
        "language": facts.language,
        "subject": composed.subject,
        "body_text": composed.text,
        "body_html": composed.html,
        "forget_contact": final,
    }
    add_message(conn, row, now=now or utcnow())
    return True


def confirm(settings: Settings) -> Callable[[Connection, str, str], None]:
    """What `geo.store.Store.add_report` runs in its transaction: the confirmation, with the
    reference code and the status link."""

    def then(conn: Connection, report_id: str, ref_code: str) -> None:
        notify(conn, report_id, "confirmation", settings=settings)

    return then


def status_words(status: str, lang: str) -> str:
    return label("status", status, lang)


# -- the staff's own settings -----------------------------------------------------------


@dataclass(frozen=True)
class StaffMail:
    email: str
    digest: bool
    language: str


def staff_settings(store: Store, username: str) -> StaffMail | None:
    found = store.staff_mail(username)
    return None if found is None else StaffMail(found["email"], bool(found["digest"]), found["language"])


def save_staff_settings(store: Store, username: str, email: str, digest: bool, language: str) -> None:
    """A staff member's own address and digest choice; an empty address removes both.
    `ValueError` for an address that is not one, or the digest without an address."""
    email = email.strip()
    if email and not is_valid_email(email):
        raise ValueError("email")
    if digest and not email:
        raise ValueError("digest_needs_email")
    store.set_staff_mail(username, email=email or None, digest=digest, language=language)


# -- the daily digest -------------------------------------------------------------------


def queue_digest(
    store: Store, settings: Settings | None = None, *, now: dt.datetime | None = None, force: bool = False
) -> int:
    """Queue today's digest to every staff member who asked for it (from
    ``TRYGG_DIGEST_HOUR``, once a day across every process; ``force``: now, again): reports
    waiting for moderation, oldest first. Nothing when nothing waits. How many were queued."""
    settings = settings or load_settings()
    now = now or utcnow()
    local = now.astimezone(LOCAL_TIME_ZONE)
    if not settings.mail_enabled or (not force and local.hour < settings.digest_hour):
        return 0
    recipients = store.digest_recipients()
    if not recipients:
        return 0
    if not force and not store.claim_day("digest", local.date().isoformat()):
        return 0
    pending = store.reports_frame(
        ReportQuery(moderation=(Moderation.PENDING.value,)), columns=["ref_code", "category", "created_at"]
    ).sort_values("created_at", kind="stable")
    overdue = overdue_actions(store, local.date())
    if pending.empty and not overdue:
        return 0
    categories = store.categories(include_inactive=True)
    messages = [_digest_row(settings, r, pending, overdue, categories) for r in recipients]
    return store.queue_messages(messages, now=now)


ACTIVE_ACTIONS = ("planerad", "pagar")
"""`geo.actions.ActionStatus` codes of actions still to be done (that module imports this one)."""


def overdue_actions(store: Store, today: dt.date) -> list[dict[str, Any]]:
    """Actions still to be done whose due date (a Swedish local day) is before ``today``, oldest due first."""
    return [r for r in store.action_rows() if r["status"] in ACTIVE_ACTIONS and r["due_date"] < today]


def _digest_row(
    settings: Settings,
    recipient: dict[str, Any],
    pending: Any,
    overdue: list[dict[str, Any]],
    categories: list[Any],
) -> dict[str, Any]:
    lang = recipient["language"]
    t = translator(lang)
    names = category_labels(categories, lang)
    sections: list[tuple[str, list[str], letters.Link]] = []
    if not pending.empty:
        lines = [
            t(
                "mail.digest.item",
                code=r.ref_code,
                category=names.get(r.category, r.category),
                day=format_day(r.created_at, lang),
            )
            for r in pending.head(DIGEST_ITEMS).itertuples()
        ]
        if len(pending) > DIGEST_ITEMS:
            lines.append(t("mail.digest.more", n=len(pending) - DIGEST_ITEMS))
        link = letters.Link(t("mail.digest.open"), f"{settings.public_url}/granskning")
        sections.append((t("mail.digest.pending", n=len(pending)), lines, link))
    if overdue:
        lines = [
            t("mail.digest.overdue_item", title=a["title"], day=format_day(a["due_date"], lang))
            for a in overdue[:DIGEST_ITEMS]
        ]
        if len(overdue) > DIGEST_ITEMS:
            lines.append(t("mail.digest.more", n=len(overdue) - DIGEST_ITEMS))
        link = letters.Link(t("mail.digest.open_actions"), f"{settings.public_url}/platssamverkan")
        sections.append((t("mail.digest.overdue", n=len(overdue)), lines, link))
    composed = letters.digest(lang, sections)
    return {
        "kind": "digest",
        "username": recipient["username"],
        "language": lang,
        "subject": composed.subject,
        "body_text": composed.text,
        "body_html": composed.html,
    }


# -- sending ---------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0


def send_due(
    store: Store,
    settings: Settings | None = None,
    *,
    now: dt.datetime | None = None,
    limit: int = BATCH,
    deliver: Callable[[mail.SmtpTarget, Any], None] = mail.deliver,
) -> SendResult:
    """Claim the messages due at ``now``, ``limit`` at a time, and send them until none is due
    (a resident's next message becomes due once the one before it has gone) or the server cannot
    be reached; see the module."""
    settings = settings or load_settings()
    result = SendResult()
    if not settings.smtp_url:
        return result
    target = mail.parse_smtp_url(settings.smtp_url)
    now = now or utcnow()
    while claimed := store.claim_messages(secrets.token_hex(8), now=now, limit=limit):
        if not _send_claimed(store, settings, target, claimed, now, result, deliver):
            break
    return result


def _send_claimed(
    store: Store,
    settings: Settings,
    target: mail.SmtpTarget,
    claimed: list[dict[str, Any]],
    now: dt.datetime,
    result: SendResult,
    deliver: Callable[[mail.SmtpTarget, Any], None],
) -> bool:
    """Send claimed messages; False when the server could not be reached (the rest given back)."""
    for index, message in enumerate(claimed):
        to = store.recipient(message)
        if to is None:
            store.message_dropped(message["id"], "no address (the resident stopped messages)")
            result.dropped += 1
            continue
        try:
            deliver(target, _email(store, settings, message, to))
        except mail.DeliveryError as error:
            attempts = message["attempts"] + 1
            give_up = error.permanent or attempts >= MAX_ATTEMPTS
            store.message_failed(message["id"], str(error), retry_at=None if give_up else now + backoff(attempts))
            result.failed += give_up
            result.retrying += not give_up
            LOG.warning("mail %s not sent (try %d): %s", message["id"], attempts, error)
            if error.unreachable:  # the rest would fail alike: give them back untried
                store.release_messages([m["id"] for m in claimed[index + 1 :]])
                return False
        else:
            store.message_sent(message["id"], now=utcnow())
            result.sent += 1
    return True


def _email(store: Store, settings: Settings, message: dict[str, Any], to: str) -> Any:
    return mail.build_message(
        sender=settings.mail_from,
        sender_name=settings.mail_from_name,
        to=to,
        subject=message["subject"],
        text=message["body_text"],
        html=message["body_html"],
        language=message["language"],
        headers=_unsubscribe_headers(store, settings, message),
    )


def _unsubscribe_headers(store: Store, settings: Settings, message: dict[str, Any]) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe (the mail program's own "stop" button) for a resident's
    message that is not the case's last: the same signed link as in the message's text."""
    found = store.report_ref(message["report_id"]) if message.get("report_id") else None
    if found is None or message.get("forget_contact"):
        return {}
    url = stop_url(settings, settings.mail_secret or store.stored_mail_secret(), found)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def run_once(store: Store, settings: Settings | None = None, *, now: dt.datetime | None = None) -> SendResult:
    """One round of the sender: today's digest if due, then every due message."""
    settings = settings or load_settings()
    queue_digest(store, settings, now=now)
    return send_due(store, settings, now=now)


# -- stopping ---------------------------------------------------------------------------


def check_stop(store: Store, ref_code: str, sig: str, settings: Settings | None = None) -> tuple[str, str] | None:
    """``(report id, language)`` when the stop link's signature is right for ``ref_code`` (checked
    in constant time), else None. Changes nothing: opening the link only asks (`stop` acts)."""
    settings = settings or load_settings()
    ref_code = ref_code.strip().upper()[:16]
    secret = settings.mail_secret or store.stored_mail_secret()
    if not ref_code or not hmac.compare_digest(signature(secret, ref_code), sig.strip().lower()[:128]):
        return None
    return store.report_for_stop(ref_code)


def stop(store: Store, ref_code: str, sig: str, settings: Settings | None = None) -> tuple[bool, str]:
    """Follow a stop link: ``(True, language)`` when its signature is right for ``ref_code``
    (the resident's address for that report is then deleted and its waiting messages dropped),
    ``(False, "sv")`` otherwise."""
    found = check_stop(store, ref_code, sig, settings)
    if found is None:
        return False, "sv"
    report_id, lang = found
    store.stop_messages(report_id)
    return True, lang


# -- what the admin sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """The outbox as the admin sees it: the server (without its password), how many messages
    are in each state, and those that did not go (never an address or a body)."""

    server: str | None
    sender: str
    counts: dict[str, int]
    troubles: list[dict[str, Any]]


def overview(store: Store, actor: User | None, *, now: dt.datetime | None = None) -> Overview:
    """For the admin: see `Overview`. Troubles are messages given up, waiting after a failed
    try, or interrupted (claimed more than `STUCK_AFTER` ago and never finished)."""
    _check_admin(actor)
    settings = load_settings()
    server = None
    if settings.smtp_url:
        try:
            server = str(mail.parse_smtp_url(settings.smtp_url))
        except ValueError as error:
            server = str(error)
    return Overview(
        server=server,
        sender=f"{settings.mail_from_name} <{settings.mail_from}>",
        counts=store.outbox_counts(),
        troubles=store.outbox_troubles(stuck_before=(now or utcnow()) - STUCK_AFTER),
    )


def retry(store: Store, actor: User | None, message_id: int) -> bool:
    """Send a failed or interrupted message again (the admin's choice: an interrupted one may
    have gone already). False when it is neither."""
    user = _check_admin(actor)
    retried = store.retry_message(message_id, now=utcnow())
    if retried:
        audit.record(store, user, "mail.retry", str(message_id))
    return retried


def _check_admin(actor: User | None) -> User:
    return require(actor, Right.MANAGE_SETTINGS)

"""Sending one e-mail over SMTP, with the standard library's `email` and `smtplib`.

``TRYGG_SMTP_URL`` names the server: ``smtp://host[:25]`` (plain), ``smtps://host[:465]`` (TLS
from the start) or ``smtp+starttls://user:password@host[:587]`` (STARTTLS), with an optional
user and password (percent-encoded). `parse_smtp_url` reads it; `build_message` makes a
plain-text message with a simple HTML alternative; `deliver` hands it to the server and says
whether a failure is worth trying again (`DeliveryError.permanent`). What to send and when is
`geo.outbox`'s.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": ("plain", 25), "smtps": ("ssl", 465), "smtp+starttls": ("starttls", 587)}
"""URL scheme → how the connection is secured, and its default port."""
TIMEOUT_S = 30.0
_EMAIL = re.compile(r"[^\s<>@,;:\"']+@[^\s<>@,;:\"']+")


@dataclass(frozen=True)
class SmtpTarget:
    """A mail server: ``security`` is ``plain``, ``ssl`` or ``starttls``."""

    security: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        """The server without its password, for logs and the admin page."""
        user = f"{self.username}@" if self.username else ""
        scheme = next(name for name, (security, _) in SCHEMES.items() if security == self.security)
        return f"{scheme}://{user}{self.host}:{self.port}"


class DeliveryError(Exception):
    """A message did not go. ``permanent``: the server refused it for good (a 5xx answer about
    this message); otherwise trying later may work (server unreachable, busy, 4xx)."""

    def __init__(self, detail: str, *, permanent: bool = False, unreachable: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent
        self.unreachable = unreachable


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server named by ``url``; `ValueError` naming what is wrong (never the password)."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("TRYGG_SMTP_URL is empty; expected smtp://, smtps:// or smtp+starttls://host[:port]")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValueError(f"TRYGG_SMTP_URL is not a URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"TRYGG_SMTP_URL's scheme must be one of {sorted(SCHEMES)}, got {scheme!r}")
    host = parts.hostname or ""
    if not host or any(ch.isspace() for ch in host):
        raise ValueError("TRYGG_SMTP_URL names no host; expected e.g. smtp+starttls://relay.kommun.se:587")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("TRYGG_SMTP_URL takes no path, query or fragment")
    security, default_port = SCHEMES[scheme]
    if port == 0:
        raise ValueError("TRYGG_SMTP_URL's port must be between 1 and 65535, got 0")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpTarget(security, host, port or default_port, username or None, password)


def build_message(
    *,
    sender: str,
    sender_name: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    language: str,
    headers: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """A message with a plain-text body and an HTML alternative, in ``language``."""
    message = EmailMessage()
    message["From"] = Address(display_name=sender_name, addr_spec=sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the bodies: setting a body clears Content-* headers
    return message


def deliver(target: SmtpTarget, message: EmailMessage, *, timeout: float = TIMEOUT_S) -> None:
    """Hand ``message`` to the server; `DeliveryError` when it did not go."""
    try:
        with _connect(target, timeout) as client:
            if target.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryError(_clean(f"recipient refused: {codes}"), permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as error:
        detail = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error)
        # 5xx about the message is final; a refused login is the server's setting, not the message's.
        permanent = error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError)
        raise DeliveryError(_clean(f"{error.smtp_code} {detail}"), permanent=permanent) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise DeliveryError(_clean(f"{type(error).__name__}: {error}"), unreachable=True) from None


def _connect(target: SmtpTarget, timeout: float) -> smtplib.SMTP:
    if target.security == "ssl":
        return smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    return smtplib.SMTP(target.host, target.port, timeout=timeout)


def _clean(detail: str) -> str:
    """A server's answer without any e-mail address in it (it may echo the recipient's), for
    the admin's page and the log."""
    return _EMAIL.sub("[address]", detail)[:500]

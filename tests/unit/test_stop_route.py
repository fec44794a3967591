"""Issue #20: the stop link of an e-mail, through its HTTP route (`geo.stop_route`), answered in
the resident's language; a forged link changes nothing."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest
from starlette.responses import Response
from starlette.routing import Route

from geo.outbox import send_due
from geo.reporting import ReportDraft, submit
from geo.stop_route import stop_routes
from geo.store import Store
from tests.support.smtp import SmtpServer


def ask(method: str, path_and_query: str, form: dict[str, str] | None = None) -> Response:
    """``method path?query`` answered by the stop route, on an event loop of its own in a worker thread."""
    parts = urlsplit(path_and_query)
    body = urlencode(form or {}).encode()
    headers = [(b"content-type", b"application/x-www-form-urlencoded")] if form is not None else []
    scope = {
        "type": "http", "method": method, "path": parts.path, "query_string": parts.query.encode(),
        "headers": headers, "scheme": "http", "server": ("testserver", 80), "path_params": {},
    }  # fmt: skip
    (route,) = stop_routes()
    assert isinstance(route, Route) and route.path == parts.path
    replies: list[Response] = []

    async def run() -> None:
        sent = False

        async def receive() -> dict[str, object]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                replies.append(Response(status_code=int(message["status"])))  # type: ignore[call-overload]
            elif message["type"] == "http.response.body":
                replies[-1].body = bytes(message.get("body", b""))  # type: ignore[arg-type]

        await route.app(scope, receive, send)

    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, run()).result()
    return replies[-1]


@pytest.fixture
def served(filled_store: Store, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TRYGG_DATABASE_URL", filled_store.engine.url.render_as_string(hide_password=False))
    return filled_store


def stop_link(store: Store, smtp: SmtpServer, lang: str, email: str) -> tuple[str, str]:
    draft = ReportDraft(13.60, 56.46, "otrygg", "trafik", "dag", "Fort", email, True, lang)
    done = submit(store, draft)
    send_due(store)
    link = re.search(r"https?://\S+/stop-messages\?\S+", smtp.to(email)[-1].text).group(0)
    return done.id, link[link.index("/stop-messages") :]


def test_issue_20_the_stop_link_asks_first_and_its_button_deletes_the_address_in_arabic(
    served: Store, smtp: SmtpServer
) -> None:
    report_id, link = stop_link(served, smtp, "ar", "boende@example.se")
    opened = ask("GET", link)  # what a mail scanner or a link preview also does
    page = opened.body.decode()
    assert opened.status_code == 200 and '<html lang="ar" dir="rtl">' in page and "هل تريد" in page
    assert served.report_contact(report_id) == "boende@example.se"  # opening the link changes nothing
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    action = re.search(r'<form method="post" action="([^"]+)">', page).group(1)
    assert set(form) == {"ref", "sig"} and action == "/stop-messages"
    reply = ask("POST", action, form)  # the button
    assert reply.status_code == 200 and "لن تتلقى المزيد" in reply.body.decode()
    assert served.report_contact(report_id) is None


def test_issue_20_a_mail_programs_one_click_post_to_the_link_stops_at_once(served: Store, smtp: SmtpServer) -> None:
    report_id, link = stop_link(served, smtp, "sv", "boende@example.se")
    reply = ask("POST", link, {"List-Unsubscribe": "One-Click"})  # RFC 8058
    assert reply.status_code == 200 and "Inga fler meddelanden" in reply.body.decode()
    assert served.report_contact(report_id) is None


def test_issue_20_a_forged_stop_link_changes_nothing(served: Store, smtp: SmtpServer) -> None:
    mine, link = stop_link(served, smtp, "sv", "boende@example.se")
    other, other_link = stop_link(served, smtp, "en", "granne@example.se")
    my_code = re.search(r"ref=(\w+)", link).group(1)
    other_sig = re.search(r"sig=(\w+)", other_link).group(1)
    for forged in (
        f"/stop-messages?ref={my_code}&sig={other_sig}",
        f"/stop-messages?ref={my_code}&sig={'0' * 64}",
        f"/stop-messages?ref={my_code}",
        "/stop-messages",
    ):
        reply = ask("GET", forged)
        assert reply.status_code == 400 and "Länken är inte giltig" in reply.body.decode()
    assert served.report_contact(mine) and served.report_contact(other)

"""Issue #20: ``TRYGG_SMTP_URL`` is outside input: its parser, with properties (Hypothesis), and
the messages `geo.letters` writes."""

from __future__ import annotations

import contextlib
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import letters
from geo.mail import SmtpTarget, build_message, parse_smtp_url

HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}", fullmatch=True)
STATUS = "https://x/status?ref=ABCD2345"
SECRETS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://localhost", SmtpTarget("plain", "localhost", 25)),
        ("smtps://relay.kommun.se", SmtpTarget("ssl", "relay.kommun.se", 465)),
        (
            "smtp+starttls://user:pa%40ss@relay.kommun.se:2525",
            SmtpTarget("starttls", "relay.kommun.se", 2525, "user", "pa@ss"),
        ),
        ("SMTP+STARTTLS://relay.kommun.se/", SmtpTarget("starttls", "relay.kommun.se", 587)),
    ],
)
def test_issue_20_the_smtp_url_names_scheme_host_port_and_login(url: str, expected: SmtpTarget) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        ("http://relay.kommun.se", "scheme"),
        ("smtp://", "no host"),
        ("smtp://relay:99999", "not a URL"),
        ("smtp://relay/inbox", "no path"),
        ("relay.kommun.se:25", "scheme"),
    ],
)
def test_issue_20_a_wrong_smtp_url_is_refused_with_a_reason(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_smtp_url(url)


@given(
    scheme=st.sampled_from(["smtp", "smtps", "smtp+starttls"]),
    host=HOSTS,
    port=st.none() | st.integers(1, 65535),
    user=st.none() | SECRETS.filter(bool),
    password=st.none() | SECRETS,
)
def test_issue_20_any_well_formed_smtp_url_reads_back_what_was_put_in(
    scheme: str, host: str, port: int | None, user: str | None, password: str | None
) -> None:
    login = ""
    if user:
        login = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "") + "@"
    target = parse_smtp_url(f"{scheme}://{login}{host}" + (f":{port}" if port else ""))
    assert (target.host, target.username) == (host, user or None)
    assert target.password == (password if user else None)
    assert target.port == (port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[scheme])
    # shown without its password
    assert str(target) == f"{scheme}://" + (f"{user}@" if user else "") + f"{host}:{target.port}"


@given(st.text(max_size=80))
def test_issue_20_any_text_as_smtp_url_is_a_target_or_a_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_smtp_url(text)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.words.append(data)


@given(comment=st.text(max_size=200), reply=st.text(max_size=200))
def test_issue_20_staff_words_are_escaped_in_the_html(comment: str, reply: str) -> None:
    composed = letters.resident(
        "reply", "ar", "ABCD2345", status_url=STATUS, stop_url="https://x/s", reply=reply, comment=comment
    )
    parsed = _Tags()
    parsed.feed(composed.html)
    assert parsed.tags <= {"html", "head", "meta", "title", "body", "p", "br", "a", "hr"}
    shown = "".join(parsed.words)
    for line in (reply.strip() + "\n" + comment.strip()).split("\n"):
        assert line.strip() in shown.replace("\n", "")


def test_issue_20_a_message_has_both_bodies_and_says_its_language() -> None:
    composed = letters.resident("confirmation", "ar", "ABCD2345", status_url=STATUS, stop_url="https://x/s")
    message = build_message(
        sender="trygghet@kommun.se",
        sender_name="Trygghetskartan",
        to="boende@example.se",
        subject=composed.subject,
        text=composed.text,
        html=composed.html,
        language="ar",
    )
    assert message["Content-Language"] == "ar"
    assert message.get_body(("plain",)).get_content().startswith("شكرًا")
    assert 'dir="rtl"' in message.get_body(("html",)).get_content()

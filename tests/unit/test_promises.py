"""Medborgarlöften followed up in public (#21): activities, their log, the public page with
counts under 5 suppressed. Every test runs on SQLite and on PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest

from geo import promises
from geo.actions import Refused
from geo.auth import User
from geo.model import Role, ZoneKind
from geo.store import Store
from tests.conftest import NOW

POLICE = User("polis.erik", Role.POLICE)
TODAY = dt.date(2026, 11, 1)


def centrum(store: Store) -> str:
    return next(z.id for z in store.zones(ZoneKind.MEDBORGARLOFTE) if z.name == "Centrum")


def test_activities_and_their_log_make_the_public_page(filled_store: Store) -> None:
    zone = centrum(filled_store)
    walk = promises.add_activity(filled_store, zone, "Ökad närvaro vid resecentrum fredag kväll", POLICE, now=NOW)
    later = NOW + dt.timedelta(minutes=1)
    promises.add_activity(filled_store, zone, "Trygghetsvandring varje kvartal", POLICE, now=later)
    for day in (dt.date(2026, 10, 2), dt.date(2026, 10, 9)):
        promises.log_done(filled_store, walk, day, POLICE, note="Två poliser på plats 20–23.", today=TODAY, now=NOW)
    page = promises.promise_page(filled_store, zone, today=TODAY)
    assert page is not None
    assert (page.name, page.promise_text, page.last_follow_up) == ("Centrum", "Vi lovar", dt.date(2026, 10, 9))
    assert [(a.text, a.times, a.last_done) for a in page.activities] == [
        ("Ökad närvaro vid resecentrum fredag kväll", 2, dt.date(2026, 10, 9)),
        ("Trygghetsvandring varje kvartal", 0, None),
    ]
    assert [e.done_on for e in page.log] == [dt.date(2026, 10, 9), dt.date(2026, 10, 2)]
    # the area holds a few published reports: every month with 1–4 says "fewer than 5", none says its count
    assert len(page.trend) == promises.TREND_MONTHS and page.trend[-1][0] == dt.date(2026, 11, 1)
    assert {n for _, n in page.trend} <= {None, 0}
    assert None in {n for _, n in page.trend}


def test_a_platssamverkan_zone_has_no_promise_page(filled_store: Store) -> None:
    other = next(z.id for z in filled_store.zones(ZoneKind.PLATSSAMVERKAN))
    assert promises.promise_page(filled_store, other) is None
    with pytest.raises(Refused):
        promises.add_activity(filled_store, other, "Något", POLICE)


@pytest.mark.parametrize(
    ("day", "note", "key"),
    [
        (None, "", "promise.error.day_missing"),
        (TODAY + dt.timedelta(days=1), "", "promise.error.day_future"),
        (TODAY, "Ring mig på 070-123 45 67", "action.error.personal_data"),
        (TODAY, "x" * 1001, "action.error.too_long"),
    ],
)
def test_bad_follow_up_is_refused_and_nothing_is_logged(
    filled_store: Store, day: dt.date | None, note: str, key: str
) -> None:
    zone = centrum(filled_store)
    walk = promises.add_activity(filled_store, zone, "Närvaro", POLICE)
    with pytest.raises(Refused) as refused:
        promises.log_done(filled_store, walk, day, POLICE, note=note, today=TODAY)
    assert key in [p.key for p in refused.value.problems]
    page = promises.promise_page(filled_store, zone, today=TODAY)
    assert page is not None and page.log == ()


def test_only_those_who_follow_up_promises_may_log(filled_store: Store) -> None:
    with pytest.raises(PermissionError):
        promises.add_activity(filled_store, centrum(filled_store), "Närvaro", None)
    with pytest.raises(PermissionError):
        promises.add_activity(filled_store, centrum(filled_store), "Närvaro", User("visare", Role.VIEWER))


def test_issue_21_a_promise_area_on_karta_links_to_its_public_page(filled_store: Store) -> None:
    from geo import explore, mapview, registry
    from geo.viewstate import ExploreView

    zones = explore.load_layers(filled_store, ExploreView(), viewer=Role.PUBLIC).frame("zones")
    popups = mapview.Popups(
        lambda row: explore.layer_details(registry.ZONES, row, "ar", None, Role.PUBLIC),
        "rtl",
        lambda row: explore.promise_link(row, "ar"),
    )
    shown = {row["id"]: popups.properties(row) for row in zones.to_dict("records")}
    promise = shown[centrum(filled_store)]
    assert (promise["u"], promise["ut"]) == (f"/lofte?omrade={centrum(filled_store)}&lang=ar", "كيف تتم متابعة الوعد")
    other = next(z.id for z in filled_store.zones(ZoneKind.PLATSSAMVERKAN))
    assert "u" not in shown[other]
    assert mapview.Popups(lambda row: ("x", []), link_of=lambda row: ("https://evil.example", "x")).properties({}) == {
        "t": "x",
        "d": [],
    }, "a link leaves the app never"


def test_issue_21_other_services_find_each_promise_page_in_the_zones_geojson_and_discovery(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    from urllib.parse import parse_qs, urlsplit

    from geo import api
    from tests.support.asgi import call

    monkeypatch.setattr(api, "_db", lambda: filled_store)
    reply = call(api.geojson_layer, "/api/layers/zones.geojson", {"name": "zones"})
    assert reply.status_code == 200
    features = json.loads(reply.body)["features"]
    assert "id" not in features[0]["properties"], "no internal id beside the page's address"
    pages = {f["properties"]["name"]: f["properties"]["promise_page"] for f in features}
    wanted = {z.name: z.id for z in filled_store.zones(ZoneKind.MEDBORGARLOFTE)}
    assert wanted and {name for name, page in pages.items() if page is not None} == set(wanted)
    for name, zone_id in wanted.items():
        link = urlsplit(pages[name])
        assert (link.scheme, link.netloc, link.path) == ("http", "testserver", "/lofte")
        (omrade,) = parse_qs(link.query)["omrade"]
        page = promises.promise_page(filled_store, omrade)  # what /lofte shows for it
        assert page is not None and page.zone_id == zone_id
    for fmt in ("json", "xml"):
        found = call(api.discovery, f"/open311/v2/discovery.{fmt}", {"fmt": fmt})
        assert b"http://testserver/lofte" in found.body, fmt

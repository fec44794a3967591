"""Karta's heat map for staff (issue #18) through Streamlit's AppTest, on a real SQLite file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import add_user
from geo.i18n import translate
from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.store import Store
from tests.app.conftest import app_on_demo
from tests.app.test_explore_page import log_in, run_app

HEAT = "explore_heat"
PASSWORD = "ett långt lösenord"
HEAT_DATA = re.compile(r"L\.heatLayer\(\s*(\[.*?\]),\s*\{", re.S)


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = app_on_demo(tmp_path / "demo.db", monkeypatch, reports=500)
    add_user(Store.open(url), "kommun.hanna", PASSWORD, "team")
    return url


def sent_to_the_map(at: AppTest) -> str:
    """What the page sends to st_folium: the map's script and the groups it swaps in."""
    return "".join(json.loads(c.proto.json_args).get("feature_group") or "" for c in at.get("component_instance"))


def heat_weights(at: AppTest) -> int | None:
    """The sum of the heat map's weights on the map (None: no heat map drawn)."""
    found = HEAT_DATA.search(sent_to_the_map(at))
    return None if found is None else int(sum(row[2] for row in json.loads(found.group(1))))


def staff_at_home(**query: str) -> AppTest:
    at = run_app(**query)
    log_in(at, "kommun.hanna", PASSWORD)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_issue_18_the_public_has_no_heat_map_option_even_from_a_link(demo_db: str) -> None:
    at = run_app(heat="1")
    assert HEAT not in {t.key for t in at.toggle}
    assert heat_weights(at) is None
    assert "heatLayer" not in sent_to_the_map(at)
    assert not any(translate("heat.summary", "sv", n=0)[:20] in c.value for c in at.caption)


def test_issue_18_staff_switch_to_the_heat_map_and_back(demo_db: str) -> None:
    at = staff_at_home()
    toggle = at.toggle(key=HEAT)
    assert toggle.label == translate("heat.toggle", "sv") and not toggle.value
    assert heat_weights(at) is None
    at.toggle(key=HEAT).set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    store = Store.open(demo_db)
    everything = count_reports(store, viewer=Role.TEAM)
    assert heat_weights(at) == everything
    assert at.query_params["heat"] == "1"
    assert any(translate("heat.summary", "sv", n=everything) == c.value for c in at.caption)
    links = [link.proto for link in at.get("page_link")]
    assert any(link.label == translate("heat.hotspots_link", "sv") for link in links)
    at.toggle(key=HEAT).set_value(False).run()
    assert heat_weights(at) is None


def test_issue_18_filters_change_what_the_heat_map_draws(demo_db: str) -> None:
    at = staff_at_home()
    at.toggle(key=HEAT).set_value(True).run()
    store = Store.open(demo_db)
    for widget, value, flt in (
        ("explore_feeling", ["otrygg"], ReportFilter(feelings=("otrygg",))),
        ("explore_tod", ["natt"], ReportFilter(feelings=("otrygg",), times_of_day=("natt",))),
        ("explore_status", ["ny"], ReportFilter(feelings=("otrygg",), times_of_day=("natt",), statuses=("ny",))),
    ):
        at.multiselect(key=widget).set_value(value).run()
        assert not at.exception, [e.message for e in at.exception]
        assert heat_weights(at) == count_reports(store, flt, viewer=Role.TEAM), widget
    zone = store.zones()[0]
    at.selectbox(key="explore_zone").set_value(zone.id).run()
    flt = ReportFilter(feelings=("otrygg",), times_of_day=("natt",), statuses=("ny",), zone_id=zone.id)
    assert heat_weights(at) == count_reports(store, flt, viewer=Role.TEAM)


def test_issue_18_a_staff_link_with_heat_opens_the_heat_map_in_arabic(demo_db: str) -> None:
    at = staff_at_home(heat="1", lang="ar", feeling="otrygg")
    assert at.toggle(key=HEAT).label == translate("heat.toggle", "ar")
    assert at.toggle(key=HEAT).value
    expected = count_reports(Store.open(demo_db), ReportFilter(feelings=("otrygg",)), viewer=Role.TEAM)
    assert heat_weights(at) == expected
    assert any(translate("heat.summary", "ar", n=expected) == c.value for c in at.caption)

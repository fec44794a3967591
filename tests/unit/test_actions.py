"""Åtgärder (#21): saving an action with the reports it answers, the reports' status following
it, the resident's view of it, and refusals of bad input. Every store test runs on SQLite and
on PostGIS (`tests.conftest.store`)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import actions
from geo.actions import ActionDraft, ActionStatus, Refused, parse_cost, parse_geometry, parse_ref_codes, validate
from geo.auth import User
from geo.model import Role, Status
from geo.moderation import history
from geo.reporting import normalize_ref_code
from geo.store import REF_CODE_ALPHABET, REF_CODE_LENGTH, Store
from tests.conftest import NOW

TEAM = User("kommun.anna", Role.TEAM)
START = dt.date(2026, 11, 2)
DUE = dt.date(2026, 12, 15)
INSIDE_POINT = "POINT (13.6 56.46)"


def zone_id(store: Store, name: str) -> str:
    return next(zone.id for zone in store.zones() if zone.name == name)


def refs(store: Store, **where: str) -> list[str]:
    frame = store.reports_frame()
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return sorted(frame["ref_code"])


def draft(store: Store, **changes: object) -> ActionDraft:
    base = ActionDraft(
        title="Ny belysning vid gångtunneln",
        organisation="Markaryds kommun, gatuenheten",
        start_date=START,
        due_date=DUE,
        description="Fyra nya lampor och buskarna klipps.",
        zone_id=zone_id(store, "Centrum"),
        public=True,
    )
    return ActionDraft(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def published_open(store: Store) -> list[str]:
    frame = store.reports_frame()
    chosen = frame[(frame["moderation"] == "published") & (frame["status"].isin(["ny", "bekraftad"]))]
    return sorted(chosen["ref_code"])


def test_linking_two_reports_plans_them_and_done_fixes_them(filled_store: Store) -> None:
    first, second = published_open(filled_store)[:2]
    action = actions.create_action(
        filled_store, draft(filled_store, report_refs=f"{first.lower()}, {second}"), TEAM, now=NOW
    )
    assert action.report_refs == tuple(sorted([first, second]))
    for code in (first, second):
        row = filled_store.report_by_ref(code)
        assert row is not None
        assert row["status"] == Status.ACTION_PLANNED.value
        assert row["public_comment"] == "Ny belysning vid gångtunneln. Fyra nya lampor och buskarna klipps."
    # the resident following the report sees the action, who is responsible and when it is due
    row = filled_store.report_by_ref(first)
    assert row is not None
    (seen,) = actions.actions_for_report(filled_store, row["id"])
    assert (seen.title, seen.organisation, seen.due_date, seen.status) == (
        "Ny belysning vid gångtunneln",
        "Markaryds kommun, gatuenheten",
        DUE,
        ActionStatus.PLANNED,
    )
    changed = actions.mark_done(filled_store, action.id, TEAM, comment="Lamporna är på plats.", now=NOW)
    assert len(changed) == 2
    row = filled_store.report_by_ref(first)
    assert row is not None
    assert (row["status"], row["public_comment"]) == (Status.FIXED.value, "Lamporna är på plats.")
    events = history(filled_store, row["id"], TEAM)
    assert [(e.actor, e.from_value, e.to_value) for e in events if e.field == "status"][-2:] == [
        ("kommun.anna", row_status_before(events), Status.ACTION_PLANNED.value),
        ("kommun.anna", Status.ACTION_PLANNED.value, Status.FIXED.value),
    ]
    (seen,) = actions.actions_for_report(filled_store, row["id"])
    assert seen.status is ActionStatus.DONE


def row_status_before(events: list) -> str:  # type: ignore[type-arg]
    return next(e.from_value for e in events if e.field == "status" and e.to_value == Status.ACTION_PLANNED.value)


def test_a_non_public_action_changes_the_status_but_shows_nothing(filled_store: Store) -> None:
    (code, *_) = published_open(filled_store)
    before = filled_store.report_by_ref(code)
    assert before is not None
    actions.create_action(filled_store, draft(filled_store, report_refs=code, public=False), TEAM, now=NOW)
    row = filled_store.report_by_ref(code)
    assert row is not None
    assert row["status"] == Status.ACTION_PLANNED.value
    assert row["public_comment"] == before["public_comment"]
    assert actions.actions_for_report(filled_store, row["id"]) == []
    assert actions.public_actions(filled_store) == []
    assert len(actions.actions(filled_store, TEAM)) == 1


def test_an_action_on_a_drawn_line_outside_any_zone(filled_store: Store) -> None:
    action = actions.create_action(
        filled_store,
        draft(filled_store, zone_id=None, geometry_wkt="LINESTRING (13.6 56.46, 13.62 56.47)", cost="12 500 kr"),
        TEAM,
        now=NOW,
    )
    (stored,) = actions.actions(filled_store, TEAM)
    assert stored.geometry_wkt == "LINESTRING (13.6 56.46, 13.62 56.47)"
    assert stored.cost == 12500.0 and stored.zone_id is None and stored.id == action.id


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"due_date": START - dt.timedelta(days=1)}, "due_date", "action.error.due_before_start"),
        ({"zone_id": None, "geometry_wkt": "POINT (15.0 59.0)"}, "geometry", "action.error.outside"),
        ({"zone_id": None}, "geometry", "action.error.where_missing"),
        ({"description": "Ring Anna på 070-123 45 67"}, "description", "action.error.personal_data"),
        ({"organisation": "Kommunen, anna@example.se"}, "organisation", "action.error.personal_data"),
        ({"title": "  "}, "title", "action.error.title_missing"),
        ({"cost": "tolv"}, "cost", "action.error.cost"),
        ({"report_refs": "ABC"}, "report_refs", "action.error.ref_format"),
        ({"zone_id": "no-such-zone"}, "zone", "action.error.zone"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    filled_store: Store, changes: dict[str, object], field: str, key: str
) -> None:
    with pytest.raises(Refused) as refused:
        actions.create_action(filled_store, draft(filled_store, **changes), TEAM, now=NOW)
    assert (field, key) in [(p.field, p.key) for p in refused.value.problems]
    assert actions.actions(filled_store, TEAM) == []


def test_a_missing_or_rejected_report_refuses_the_whole_action(filled_store: Store) -> None:
    (good, *_) = published_open(filled_store)
    (rejected,) = refs(filled_store, moderation="rejected")
    missing = next(c for c in ("ABCD2345", "BCDE2345", "CDEF2345") if filled_store.report_by_ref(c) is None)
    for bad, key in ((missing, "action.error.report_missing"), (rejected, "action.error.report_rejected")):
        with pytest.raises(Refused) as refused:
            actions.create_action(filled_store, draft(filled_store, report_refs=f"{good} {bad}"), TEAM, now=NOW)
        assert [p.key for p in refused.value.problems] == [key]
    assert actions.actions(filled_store, TEAM) == []
    row = filled_store.report_by_ref(good)
    assert row is not None and row["status"] != Status.ACTION_PLANNED.value


def test_only_staff_may_create_actions(filled_store: Store) -> None:
    with pytest.raises(PermissionError):
        actions.create_action(filled_store, draft(filled_store), None, now=NOW)
    with pytest.raises(PermissionError):
        actions.create_action(filled_store, draft(filled_store), User("x", Role.PUBLIC), now=NOW)


def test_overdue_is_an_active_action_past_its_due_date(filled_store: Store) -> None:
    action = actions.create_action(filled_store, draft(filled_store), TEAM, now=NOW)
    assert action.overdue(DUE + dt.timedelta(days=1)) and not action.overdue(DUE)
    actions.change_status(filled_store, action.id, ActionStatus.DROPPED, TEAM, comment="Ersatt av annan åtgärd")
    (stored,) = actions.actions(filled_store, TEAM)
    assert stored.status is ActionStatus.DROPPED and not stored.overdue(DUE + dt.timedelta(days=1))


# -- parsers of outside input (property-based) ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [("", None), ("12 500", 12500.0), ("12500,50", 12500.5), ("1.250", 1250.0), ("3000 kr", 3000.0), ("99.5", 99.5)],
)
def test_costs_as_people_type_them(text: str, amount: float | None) -> None:
    assert parse_cost(text) == amount


@given(st.text(max_size=40))
def test_parse_cost_returns_an_amount_or_refuses(text: str) -> None:
    try:
        amount = parse_cost(text)
    except ValueError:
        return
    assert amount is None or 0 <= amount <= actions.MAX_COST


@given(st.integers(min_value=0, max_value=999_999_999))
def test_parse_cost_reads_every_whole_amount_grouped_by_spaces(amount: int) -> None:
    assert parse_cost(f"{amount:,}".replace(",", " ")) == amount


CODES = st.text(alphabet=REF_CODE_ALPHABET, min_size=REF_CODE_LENGTH, max_size=REF_CODE_LENGTH)


@given(st.lists(CODES, max_size=8), st.sampled_from([",", " ", ";", "\n", ", "]))
def test_parse_ref_codes_finds_every_code_once(codes: list[str], separator: str) -> None:
    found, bad = parse_ref_codes(separator.join(c.lower() for c in codes))
    assert bad == () and found == tuple(dict.fromkeys(codes))


@given(st.text(max_size=60))
def test_parse_ref_codes_never_fails_and_keeps_only_codes(text: str) -> None:
    found, _bad = parse_ref_codes(text)
    assert all(normalize_ref_code(code) == code for code in found)


@given(st.text(max_size=80))
def test_parse_geometry_returns_an_allowed_geometry_or_refuses(text: str) -> None:
    try:
        geometry = parse_geometry(text)
    except ValueError:
        return
    assert geometry is None or geometry.geom_type in actions.GEOMETRY_TYPES


@given(
    st.floats(min_value=-180, max_value=180, allow_nan=False),
    st.floats(min_value=-90, max_value=90, allow_nan=False),
)
def test_parse_geometry_reads_any_point_in_degrees(lon: float, lat: float) -> None:
    geometry = parse_geometry(f"POINT ({lon!r} {lat!r})")
    assert geometry is not None and (geometry.x, geometry.y) == (lon, lat)


@given(st.text(max_size=60), st.text(max_size=60))
def test_validate_never_fails_on_any_text(title: str, refs_text: str) -> None:
    problems = validate(
        ActionDraft(
            title=title, organisation="Kommunen", start_date=START, due_date=DUE, zone_id="z", report_refs=refs_text
        ),
        boundary=None,
        zone_ids=["z"],
    )
    assert all(p.key.startswith("action.error.") for p in problems)


def test_every_change_is_in_the_audit_log_and_police_may_not_change_actions(filled_store: Store) -> None:
    from geo import audit

    action = actions.create_action(filled_store, draft(filled_store), TEAM, now=NOW)
    actions.change_status(filled_store, action.id, ActionStatus.ONGOING, TEAM, now=NOW)
    actions.mark_done(filled_store, action.id, TEAM, now=NOW)
    logged = audit.entries(filled_store, User("admin", Role.ADMIN), action="action")
    assert [(e.actor, e.action, e.target) for e in reversed(logged)] == [
        ("kommun.anna", "action.create", action.id),
        ("kommun.anna", "action.update", action.id),
        ("kommun.anna", "action.done", action.id),
    ]
    with pytest.raises(PermissionError):
        actions.mark_done(filled_store, action.id, User("polis.erik", Role.POLICE), now=NOW)
    assert [a.title for a in actions.actions(filled_store, User("polis.erik", Role.POLICE))] == [action.title]


# -- the map layer "Det här görs" ------------------------------------------------------------


def test_a_public_action_is_on_the_public_map_and_api_and_a_non_public_one_is_not(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from geo import api
    from geo.explore import load_layers
    from geo.viewstate import ExploreView
    from tests.support.asgi import call

    shown = actions.create_action(filled_store, draft(filled_store, title="Ny belysning"), TEAM, now=NOW)
    hidden = actions.create_action(
        filled_store,
        draft(filled_store, title="Kamerabevakning utreds", public=False, due_date=START, zone_id=None,
              geometry_wkt="POINT (13.6 56.46)"),
        TEAM,
        now=NOW,
    )  # fmt: skip
    public = load_layers(filled_store, ExploreView(), viewer=Role.PUBLIC).frame("actions")
    assert list(public["id"]) == [shown.id]
    assert not {"public", "overdue"} & set(public.columns)
    staff = load_layers(filled_store, ExploreView(), viewer=Role.TEAM).frame("actions")
    assert set(staff["id"]) == {shown.id, hidden.id}
    assert staff.set_index("id").loc[hidden.id, "overdue"] == "yes", "overdue is marked for staff"
    monkeypatch.setattr(api, "_db", lambda: filled_store)
    reply = call(api.geojson_layer, "/api/layers/actions.geojson", {"name": "actions"})
    assert reply.status_code == 200
    features = json.loads(reply.body)["features"]
    assert [f["properties"]["name"] for f in features] == ["Ny belysning"]
    assert b"Kamerabevakning" not in reply.body and b"overdue" not in reply.body
    # a whole-zone action is drawn at a point of its zone
    (lon, lat) = features[0]["geometry"]["coordinates"]
    assert 13.59 <= lon <= 13.61 and 56.45 <= lat <= 56.47


def test_issue_21_a_drawn_line_and_area_are_on_the_public_layer_as_drawn(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import shapely

    from geo import api
    from geo.explore import load_layers
    from geo.viewstate import ExploreView
    from tests.support.asgi import call

    line = "LINESTRING (13.6 56.46, 13.605 56.462)"
    area = "POLYGON ((13.6 56.46, 13.602 56.46, 13.602 56.461, 13.6 56.46))"
    for title, wkt in (("Ny gångväg", line), ("Röjd slänt", area)):
        actions.create_action(filled_store, draft(filled_store, title=title, geometry_wkt=wkt), TEAM, now=NOW)
    public = load_layers(filled_store, ExploreView(), viewer=Role.PUBLIC).frame("actions").set_index("name")
    assert public.geometry["Ny gångväg"].equals(shapely.from_wkt(line))
    assert public.geometry["Röjd slänt"].equals(shapely.from_wkt(area))
    monkeypatch.setattr(api, "_db", lambda: filled_store)
    reply = call(api.geojson_layer, "/api/layers/actions.geojson", {"name": "actions"})
    kinds = {f["properties"]["name"]: f["geometry"]["type"] for f in json.loads(reply.body)["features"]}
    assert kinds == {"Ny gångväg": "LineString", "Röjd slänt": "Polygon"}


def test_issue_21_what_is_drawn_on_the_map_becomes_the_actions_place() -> None:
    from geo.mapview import drawn_shape

    def marker(lon: float, lat: float) -> dict[str, object]:
        return {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}

    boundary = filled_boundary()
    two = drawn_shape([marker(13.6, 56.46), marker(13.61, 56.47)])
    assert two is not None and two.geom_type == "MultiPoint"
    assert validate(ActionDraft(**{**base_draft().__dict__, "geometry_wkt": two.wkt}), boundary=boundary) == []
    outside = drawn_shape([marker(12.5, 56.0)])
    assert outside is not None
    problems = validate(ActionDraft(**{**base_draft().__dict__, "geometry_wkt": outside.wkt}), boundary=boundary)
    assert [(p.field, p.key) for p in problems] == [("geometry", "action.error.outside")]
    assert drawn_shape([]) is None and drawn_shape(None) is None
    assert drawn_shape([{"type": "Feature", "geometry": {"type": "Point", "coordinates": "x"}}]) is None


def test_issue_21_the_action_map_offers_point_line_and_area_tools_served_by_the_app() -> None:
    from geo import mapview
    from geo.config import TileSource

    m = mapview.drawing_map(
        TileSource(url=None, attribution=""),
        center=(56.46, 13.6),
        zoom=12,
        around=filled_boundary(),
        context=[],
        tools=("marker", "polyline", "polygon", "rectangle"),
    )
    page = m.get_root().render()
    assert '"marker": true' in page and '"polyline": true' in page and '"circle": false' in page
    assert "leaflet.draw" in page and "cdnjs" not in page and "jsdelivr" not in page


def filled_boundary():  # type: ignore[no-untyped-def]
    import shapely

    return shapely.box(13.3, 56.3, 14.0, 56.8)  # EPSG:4326, around Markaryd


def base_draft() -> ActionDraft:
    return ActionDraft(title="Ny lampa", organisation="Kommunen", start_date=START, due_date=DUE, zone_id=None)


def test_the_action_layer_is_not_offered_for_import_or_export() -> None:
    from geo import registry

    assert "actions" not in registry.layer_names() and "actions" in registry.public_layers()


# -- the municipality's åtgärdsplan ----------------------------------------------------------


def test_the_action_plan_groups_by_area_follows_up_and_prints(filled_store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    from geo import plan

    done = actions.create_action(filled_store, draft(filled_store, title="Ny belysning"), TEAM, now=NOW)
    actions.mark_done(filled_store, done.id, TEAM, now=NOW)
    actions.create_action(
        filled_store,
        draft(filled_store, title="Röja sly", zone_id=None, geometry_wkt="POINT (13.6 56.46)", due_date=START),
        TEAM,
        now=NOW,
    )
    today = DUE + dt.timedelta(days=10)
    found = plan.action_plan(filled_store, TEAM, today=today, other_area="Övriga platser")
    assert [(g.area, [i.action.title for i in g.actions]) for g in found.groups] == [
        ("Centrum", ["Ny belysning"]),
        ("Övriga platser", ["Röja sly"]),
    ]
    assert (found.done, found.late, found.dropped, found.active) == (1, 1, 0, 1)
    (centrum,) = found.groups[0].actions
    # the reports in Centrum in the days since the start and as many days before it
    assert centrum.before is not None and centrum.after is not None
    html = plan.plan_html(found, "sv")
    assert "Kommunens åtgärdsplan" in html and "Röja sly" in html and "Försenad" in html
    if shutil.which("pdftotext") is None:
        return
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan.plan_pdf(found, "sv"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "belysning" in text and "Centrum" in text and "Försenad" in text  # a narrow column may wrap a title
    path.write_bytes(plan.plan_pdf(found, "ar"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "البلدية" in text
    with pytest.raises(PermissionError):
        plan.action_plan(filled_store, None)


def test_issue_21_the_plan_is_grouped_by_category_or_hot_spot_as_counted_independently(filled_store: Store) -> None:
    from collections import Counter

    import geopandas as gpd
    import h3
    import shapely

    from geo import plan
    from geo.model import SWEREF99TM, WGS84
    from geo.places import known_places
    from geo.statistics import HOTSPOT_RESOLUTION

    frame = filled_store.reports_frame()
    frame = frame[frame["moderation"] == "published"]
    by_category = frame.groupby("category")["ref_code"].apply(sorted)
    first, second = sorted(by_category.index, key=lambda c: -len(by_category[c]))[:2]
    made = [
        draft(filled_store, title="A", report_refs=by_category[first][0]),
        draft(filled_store, title="B", zone_id=None, geometry_wkt="POINT (13.6 56.46)",
              report_refs=f"{by_category[first][-1]}, {by_category[second][0]}"),
        draft(filled_store, title="C", zone_id=None, geometry_wkt="POINT (13.62 56.47)"),
    ]  # fmt: skip
    for one in made:
        actions.create_action(filled_store, one, TEAM, now=NOW)

    # by category: every category of the reports an action answers, counted here from the reports
    names = {c.code: c.label("sv") for c in filled_store.categories(include_inactive=True)}
    category_of = dict(zip(frame["ref_code"], frame["category"], strict=True))
    expected: Counter[str] = Counter()
    for one in made:
        codes = {category_of[ref] for ref in parse_ref_codes(one.report_refs)[0]}
        expected.update([names[c] for c in codes] or ["Utan kopplade rapporter"])
    found = plan.action_plan(filled_store, TEAM, by="category", lang="sv")
    assert {g.area: len(g.actions) for g in found.groups} == dict(expected)
    assert found.done + found.active == 3, "the figures count every action once"
    assert "Kategori" in plan.plan_html(found, "sv")

    # by hot spot: the H3 cell of a point of the action's place, named by the nearest known place
    zone = shapely.from_wkt(next(z.geometry_wkt for z in filled_store.zones() if z.name == "Centrum"))
    points = [zone.representative_point(), shapely.Point(13.6, 56.46), shapely.Point(13.62, 56.47)]
    places = known_places(filled_store)
    place_points = gpd.GeoSeries(gpd.points_from_xy([p.lon for p in places], [p.lat for p in places]), crs=WGS84)
    expected = Counter()
    for point in points:
        lat, lon = h3.cell_to_latlng(h3.latlng_to_cell(point.y, point.x, HOTSPOT_RESOLUTION))
        centre = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(SWEREF99TM).iloc[0]
        distances = place_points.to_crs(SWEREF99TM).distance(centre)
        nearest = int(distances.idxmin())
        expected[f"Nära {places[nearest].name} ({int(round(distances[nearest], -1))} m)"] += 1
    found = plan.action_plan(filled_store, TEAM, by="hotspot", lang="sv")
    assert {g.area: len(g.actions) for g in found.groups} == dict(expected)
    assert len(expected) == 2, "A and B lie in one cell, C in another"
    with pytest.raises(ValueError):
        plan.action_plan(filled_store, TEAM, by="color")

"""The explore page through Streamlit's AppTest, on a real SQLite file."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.i18n import translate
from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.store import Store
from tests.app.conftest import app_on_demo, map_reported

TIMEOUT = 60
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return app_on_demo(tmp_path / "demo.db", monkeypatch, reports=500)


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return map_reported(at)


SHOW_TABLE = "explore_show_table"


def show_table(at: AppTest) -> AppTest:
    """Ask for the report table, as a visitor does with the toggle under the map."""
    if not at.dataframe:
        at.toggle(key=SHOW_TABLE).set_value(True).run()
        assert not at.exception, [e.message for e in at.exception]
    return at


def table_rows(at: AppTest) -> int:
    return len(show_table(at).dataframe[0].value)


class TestExplorePage:
    def test_page_shows_title_widgets_map_and_table(self, demo_db: str) -> None:
        at = run_app()
        assert at.title[0].value == "Trygghetskartan"
        layers = [toggle for toggle in at.toggle if toggle.key.startswith("explore_layer_")]
        assert len(layers) == 6  # reports, actions (Det här görs), meeting places, two kinds of zone, boundary
        assert all(toggle.value for toggle in layers)
        keys = {w.key for w in at.multiselect}
        assert {"explore_cat", "explore_feeling", "explore_tod", "explore_status"} <= keys
        assert at.selectbox(key="explore_zone") is not None
        assert len(at.date_input) == 2
        assert table_rows(at) > 400

    def test_public_sees_no_table_until_asking_for_it(self, demo_db: str) -> None:
        at = run_app()
        assert not at.dataframe
        toggle = at.toggle(key=SHOW_TABLE)
        assert toggle.label == "Visa tabellen"
        assert not toggle.value
        assert translate("explore.table_title", "sv", n=table_rows(at)) in [h.value for h in at.subheader]
        at.multiselect(key="explore_feeling").set_value(["trygg"]).run()
        assert at.dataframe, "the table stays while the visitor keeps it on"
        at.toggle(key=SHOW_TABLE).set_value(False).run()
        assert not at.dataframe

    def test_the_table_toggle_speaks_the_visitors_language(self, demo_db: str) -> None:
        assert run_app(lang="en").toggle(key=SHOW_TABLE).label == "Show the table"
        assert run_app(lang="ar").toggle(key=SHOW_TABLE).label == "اعرض الجدول"

    def test_filter_change_changes_the_row_count(self, demo_db: str) -> None:
        at = run_app()
        everything = table_rows(at)
        at.multiselect(key="explore_feeling").set_value(["trygg"]).run()
        assert not at.exception
        safe_only = table_rows(at)
        assert 0 < safe_only < everything
        at.multiselect(key="explore_tod").set_value(["natt"]).run()
        assert table_rows(at) < safe_only

    def test_filters_are_written_to_the_url(self, demo_db: str) -> None:
        at = run_app()
        at.multiselect(key="explore_status").set_value(["ny", "bekraftad"]).run()
        assert at.query_params["status"] == "ny,bekraftad"

    def test_link_with_filters_reproduces_the_view(self, demo_db: str) -> None:
        everything = table_rows(run_app())
        at = run_app(feeling="trygg", layers="reports,boundary", z="14", lat="56.46", lon="13.60")
        assert at.multiselect(key="explore_feeling").value == ["trygg"]
        assert not at.toggle(key="explore_layer_meeting_places").value
        assert table_rows(at) < everything

    def test_malformed_query_parameters_fall_back_to_defaults(self, demo_db: str) -> None:
        at = run_app(feeling="<script>", z="abc", lat="north", sel="x", cat="nope", **{"from": "2025-99-99"})
        assert at.multiselect(key="explore_feeling").value == []
        assert not at.error
        assert table_rows(at) > 400

    def test_zone_filter_limits_reports(self, demo_db: str) -> None:
        at = run_app()
        everything = table_rows(at)
        assert len(at.selectbox(key="explore_zone").options) >= 5  # "all areas" and at least four zones
        zone_id = Store.open(demo_db).zones()[0].id
        at.selectbox(key="explore_zone").set_value(zone_id).run()
        assert not at.exception
        assert 0 < table_rows(at) < everything

    def test_reset_clears_filters(self, demo_db: str) -> None:
        at = run_app(feeling="trygg")
        at.button(key="explore_reset").click().run()
        assert at.multiselect(key="explore_feeling").value == []


class TestLanguages:
    @pytest.mark.parametrize(
        ("lang", "title"), [("sv", "Trygghetskartan"), ("en", "Safety map"), ("ar", "خريطة الأمان")]
    )
    def test_lang_parameter_picks_the_language(self, demo_db: str, lang: str, title: str) -> None:
        at = run_app(lang=lang)
        assert at.title[0].value == title

    def test_arabic_turns_the_page_right_to_left(self, demo_db: str) -> None:
        # the document itself gets lang and dir (pages/_shared.py: page_shell), not CSS alone
        at = run_app(lang="ar")
        assert any('"lang": "ar", "dir": "rtl"' in h.value for h in at.get("html"))
        assert any('"lang": "en", "dir": "ltr"' in h.value for h in run_app(lang="en").get("html"))

    def test_language_picker_switches_language(self, demo_db: str) -> None:
        at = run_app()
        at.selectbox(key="lang").set_value("en").run()
        assert at.title[0].value == "Safety map"
        assert at.query_params["lang"] == "en"


class TestBadDatabase:
    def test_corrupt_database_file_gives_a_clear_message(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "corrupt.db"
        path.write_bytes(b"garbage, not sqlite" * 500)
        monkeypatch.setenv("TRYGG_DATABASE_URL", f"sqlite:///{path}")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.run()  # one run only: without a map no rerun comes, so the sidebar must not wait for one
        assert "skadad" in at.error[0].value
        assert at.selectbox(key="lang") is not None and at.text_input(key="login_user") is not None
        assert not at.dataframe

    def test_read_only_database_gives_a_clear_message(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "ro.db"
        Store.open(f"sqlite:///{path}").close()
        monkeypatch.setenv("TRYGG_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
        at = run_app(lang="en")
        assert "cannot be written" in at.error[0].value


def test_page_file_runs_on_its_own(demo_db: str) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert table_rows(map_reported(at)) > 400


def test_a_new_map_is_sent_alone_and_the_filters_details_and_table_follow(demo_db: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["feeling"] = "trygg"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Trygghetskartan"
    assert not {"explore_feeling", "explore_show_table", "lang"} & _keys(at), "no filters, table or language yet"
    assert not at.text_input, "no log-in yet"
    map_reported(at)
    assert at.multiselect(key="explore_feeling").value == ["trygg"], "the link's filter, kept meanwhile"
    assert {"explore_show_table", "lang"} <= _keys(at)
    assert at.text_input(key="login_user") is not None
    assert at.query_params["feeling"] == "trygg"
    at.switch_page("pages/status.py").run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    assert "explore_feeling" in _keys(at), "a map sent once in the session: everything at once"


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill in the sidebar's staff log-in and press the button, as a person does."""
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(password)
    return at.button(key="login").click().run()


def _keys(at: AppTest) -> set[str]:
    return {w.key for w in [*at.multiselect, *at.toggle, *at.selectbox, *at.date_input] if w.key}


def test_html_in_names_and_texts_is_shown_as_text(demo_db: str) -> None:
    from geo.model import MeetingPlace, MeetingPlaceKind

    hostile = "<script>alert(1)</script><b>Fritidsgård</b>"
    store = Store.open(demo_db)
    place = MeetingPlace(hostile, MeetingPlaceKind.YOUTH_CENTRE, 13.6, 56.46)
    store.add_meeting_places([place])
    at = run_app(sel=f"meeting_place:{place.id}")
    lists = [element.value for element in at.get("html") if "trygg-map-list" in element.value]
    assert lists, "the map's content as a list"
    assert html.escape(hostile) in lists[0] and hostile not in lists[0]
    assert not any(hostile in markdown.value for markdown in at.markdown)


def test_template_syntax_in_a_residents_text_reaches_the_map_as_written(demo_db: str) -> None:
    """A resident's "{{" once raised on the server while the map was built (branca compiled every
    element's text as a Jinja template again; geo.map_render): Karta broke for whoever saw the
    report, and "{{ 7*7 }}" came out as "49"."""
    from geo.auth import add_user
    from geo.reporting import ReportDraft, submit

    store = Store.open(demo_db)
    add_user(store, "kommun.zoe", "ett långt lösenord", "team")
    text = "Lampan {{ 7*7 }} är trasig {{ {% sedan i maj"
    draft = ReportDraft(13.6031, 56.4612, "otrygg", store.categories()[0].code, "kvall", text=text)
    submit(store, draft)
    at = run_app(lat="56.4612", lon="13.6031", z="18")
    log_in(at, "kommun.zoe", "ett långt lösenord")
    map_reported(at)
    sent = "".join(c.proto.json_args for c in at.get("component_instance"))
    assert "Lampan 49" not in sent
    assert json_text(text) in sent, "the pending report's popup holds the text as it was written"


def json_text(text: str) -> str:
    """``text`` as a map's GeoJSON carries it (JSON in a script, then inside the component's JSON)."""
    import json

    from jinja2.utils import htmlsafe_json_dumps

    return json.dumps(str(htmlsafe_json_dumps(text)))[1:-1]


def test_issue_15_a_zones_reports_inside_follow_the_filters(demo_db: str) -> None:
    from geo.auth import add_user

    store = Store.open(demo_db)
    add_user(store, "kommun.zoe", "ett långt lösenord", "team")
    zone = store.zones()[0]
    at = run_app(sel=f"zone:{zone.id}")
    log_in(at, "kommun.zoe", "ett långt lösenord")
    inside = translate("details.reports_inside", "sv")

    everything = _after(at, inside)
    at.multiselect(key="explore_feeling").set_value(["trygg"]).run()
    safe = _after(at, inside)
    expected = count_reports(store, ReportFilter(zone_id=zone.id, feelings=("trygg",)), viewer=Role.TEAM)
    assert safe == expected < everything


def _after(at: AppTest, caption: str) -> int:
    """The number shown under ``caption`` in the staff side panel."""
    panel = [(e.type, e.value) for e in at.main if e.type in ("caption", "text")]
    position = panel.index(("caption", caption))
    return int(panel[position + 1][1])


class TestWhoSeesWhat:
    def test_public_sees_published_reports_only_snapped_to_the_grid(self, demo_db: str) -> None:
        at = show_table(run_app())
        moderation = set(at.dataframe[0].value["Granskning"])
        assert moderation == {"Publicerad"}
        assert any("50 meter" in c.value for c in at.caption)

    def test_staff_log_in_and_see_pending_reports(self, demo_db: str) -> None:
        from geo.auth import add_user

        add_user(Store.open(demo_db), "kommun.anna", "ett långt lösenord", "team")
        at = run_app()
        public_rows = table_rows(at)
        log_in(at, "kommun.anna", "ett långt lösenord")
        assert not at.exception
        assert at.dataframe, "staff have the table from the start"
        assert "Väntar" in set(at.dataframe[0].value["Granskning"])
        assert table_rows(at) > public_rows
        at.button(key="logout").click().run()
        assert not at.dataframe, "after logging out the table is on demand again"
        assert table_rows(at) == public_rows

    def test_staff_can_hide_the_table_and_it_stays_hidden(self, demo_db: str) -> None:
        from geo.auth import add_user

        add_user(Store.open(demo_db), "kommun.bo", "ett långt lösenord", "team")
        at = run_app()
        log_in(at, "kommun.bo", "ett långt lösenord")
        assert at.toggle(key=SHOW_TABLE).value
        at.toggle(key=SHOW_TABLE).set_value(False).run()
        assert not at.dataframe
        at.multiselect(key="explore_feeling").set_value(["trygg"]).run()
        assert not at.dataframe

    def test_wrong_password_gives_one_generic_message(self, demo_db: str) -> None:
        at = run_app()
        log_in(at, "nobody", "whatever123")
        assert "Inloggningen misslyckades" in at.error[0].value


class TestModerationPage:
    def test_anonymous_visitor_typing_the_page_gets_a_refusal(self, demo_db: str) -> None:
        at = AppTest.from_file(str(ROOT / "pages" / "moderation.py"), default_timeout=TIMEOUT)
        at.run()
        assert not at.exception
        assert "bara för inloggad personal" in at.error[0].value
        assert not at.button

    def test_team_publishes_a_pending_report(self, demo_db: str) -> None:
        from geo.auth import StaffSession, User
        from geo.model import Role
        from geo.store import utcnow

        at = AppTest.from_file(str(ROOT / "pages" / "moderation.py"), default_timeout=TIMEOUT)
        at.session_state["staff_session"] = StaffSession(User("kommun.anna", Role.TEAM), utcnow())
        at.run()
        assert not at.exception
        before = len(at.multiselect(key="moderation_selected").options)
        first = Store.open(demo_db).reports_frame().query("moderation == 'pending'")["id"].iloc[0]
        at.multiselect(key="moderation_selected").set_value([first]).run()
        at.button(key="moderation_publish").click().run()
        assert not at.exception
        assert len(at.multiselect(key="moderation_selected").options) == before - 1


def test_issue_19_a_meeting_places_hours_are_said_in_words_in_its_details(demo_db: str) -> None:
    from geo.model import MeetingPlace, MeetingPlaceKind

    store = Store.open(demo_db)
    place = MeetingPlace(
        "Läxhjälpen", MeetingPlaceKind.HOMEWORK_HELP, 13.6, 56.46, opening_hours="Mo-Th 15:00-17:00; PH off"
    )
    store.add_meeting_places([place])
    at = run_app(sel=f"meeting_place:{place.id}")
    shown = [e.value for kind in (at.markdown, at.text, at.caption, at.get("html")) for e in kind]
    assert any("Måndag–torsdag 15:00–17:00; stängt på helgdagar" in str(value) for value in shown)


def test_issue_17_police_set_status_on_any_report_from_the_maps_panel(demo_db: str) -> None:
    # The rights table lets the police set status and a public comment on any report, also one
    # outside every medborgarlöfte area (Granskning is the team's): Karta's panel is where they do it.
    import shapely

    from geo.auth import StaffSession, User
    from geo.model import Status, ZoneKind
    from geo.store import ReportQuery, utcnow

    store = Store.open(demo_db)
    promised = [shapely.from_wkt(z.geometry_wkt) for z in store.zones(ZoneKind.MEDBORGARLOFTE)]
    frame = store.reports_frame(ReportQuery(moderation=("published",), statuses=("ny",)))
    outside = next(r.id for r in frame.itertuples() if not any(g.covers(shapely.Point(r.lon, r.lat)) for g in promised))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["staff_session"] = StaffSession(User("polis.lisa", Role.POLICE), utcnow())
    at.query_params["sel"] = f"report:{outside}"
    at.run()
    at = map_reported(at)
    key = f"karta_{outside}"
    at.selectbox(key=f"{key}_status").set_value(Status.ACTION_PLANNED.value)
    at.text_input(key=f"{key}_comment").set_value("Belysningen byts vecka 50")
    at.button(key=f"{key}_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Statusen är sparad." in [s.value for s in at.success]
    row = store.reports_frame(ReportQuery(ids=(outside,)), columns=["status", "public_comment"]).iloc[0]
    assert (row["status"], row["public_comment"]) == (Status.ACTION_PLANNED.value, "Belysningen byts vecka 50")


def test_issue_17_a_viewer_sees_the_history_but_no_status_form(demo_db: str) -> None:
    from geo.auth import StaffSession, User
    from geo.store import ReportQuery, utcnow

    report = Store.open(demo_db).reports_frame(ReportQuery(moderation=("published",)))["id"].iloc[0]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["staff_session"] = StaffSession(User("politiker.per", Role.VIEWER), utcnow())
    at.query_params["sel"] = f"report:{report}"
    at.run()
    at = map_reported(at)
    assert not at.exception, [e.message for e in at.exception]
    assert not [b for b in at.button if b.key == f"karta_{report}_save"]


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_issue_17_the_status_filter_and_the_status_form_have_different_names(demo_db: str, lang: str) -> None:
    # A screen reader lists form fields by name: staff on Karta met two boxes called "Status" (the
    # filter in the menu and the selected report's new status in the panel).
    from geo.auth import StaffSession, User
    from geo.store import ReportQuery, utcnow

    report = Store.open(demo_db).reports_frame(ReportQuery(moderation=("published",)))["id"].iloc[0]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["staff_session"] = StaffSession(User("kommun.anna", Role.TEAM), utcnow())
    at.query_params["sel"] = f"report:{report}"
    at.query_params["lang"] = lang
    at.run()
    at = map_reported(at)
    names = [w.label for kind in (at.selectbox, at.multiselect) for w in kind]
    assert translate("filter.status", lang) in names and translate("moderation.status", lang) in names
    assert len(names) == len(set(names)), sorted(names)

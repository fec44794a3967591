"""Rapportera: a resident marks a place, says how it feels and why, without an account.

Form → preview (scrubbed text, nearby reports, +1) → confirm → reference code. The
form stays on the page during the preview, so nothing typed is ever lost; any
change hides the preview until it is asked for again. Logic: `geo.reporting`.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo import mapview
from geo.i18n import format_month, label
from geo.layers import boundary_layer
from geo.model import Feeling, TimeOfDay, category_labels
from geo.places import Place, known_places
from geo.privacy import show_redactions
from geo.reporting import (
    MAX_TEXT_LENGTH,
    ReportDraft,
    check_pin,
    is_probably_bot,
    nearby_reports,
    preview_text,
    submit,
    take_submission_slot,
    validate,
)
from pages._browser import locate_button, position_of, reference_code
from pages._shared import (
    REPORT_MAP_SENT_KEY,
    first_map_view,
    language,
    map_home,
    municipality,
    places_link,
    rerun_if_the_map_stays_silent,
    settings,
    store,
    tr,
)

PIN_KEY = "report_pin"
LAST_CLICK_KEY = "report_last_click"
PROBLEMS_KEY = "report_problems"
PREVIEW_KEY = "report_preview"
DONE_KEY = "report_done"
LIMITER_KEY = "report_limiter"
MAP_KEY = "report_map"
NEARBY_KEY = "report_nearby"
SUPPORT_ERROR_KEY = "report_support_error"
FIELDS = ("report_feeling", "report_category", "report_tod", "report_text", "report_email", "report_consent")
PIN_ZOOM = 17
"""A tap on a map showing less than this zooms in to the pin (at 17 a fingertip is a few metres)."""
ROUGH_POSITION_M = 100
"""A browser position less precise than this (metres) is called approximate."""
VIEW_KEY = "report_view"
SEARCH_KEY = "report_search"
SCROLL_KEY = "report_scroll"
LOCATE_KEY = "report_locate"
LOCATE_NOTE_KEY = "report_locate_note"
LOCATE_ERRORS = ("denied", "unavailable", "timeout", "unsupported")
PLACES_KEY = "report_places"
FINDER_KEY = "report_finder"
MAP_WAITED_KEY = "report_map_waited"

t = tr()
lang = language()
db = store()
replies = settings().mail_enabled
"""Whether residents may leave an address for replies (e-mail is configured)."""
categories = db.categories()
found_boundary = db.boundary()
boundary = found_boundary[1] if found_boundary else None
# The rate limit's bucket for this browser session: a random id, never an IP address.
rate_bucket: str = st.session_state.setdefault(LIMITER_KEY, secrets.token_hex(16))


def current_draft() -> ReportDraft:
    pin = st.session_state.get(PIN_KEY)
    return ReportDraft(
        lon=pin[0] if pin else None,
        lat=pin[1] if pin else None,
        feeling=st.session_state.get("report_feeling"),
        category=st.session_state.get("report_category"),
        time_of_day=st.session_state.get("report_tod"),
        text=st.session_state.get("report_text") or "",
        email=(st.session_state.get("report_email") or "") if replies else "",
        email_consent=bool(st.session_state.get("report_consent")) and replies,
        language=lang,
        honeypot=st.session_state.get("report_website") or "",
    )


def ask_preview() -> None:
    draft = current_draft()
    problems = validate(draft, boundary=boundary, categories=categories)
    st.session_state[PROBLEMS_KEY] = problems
    st.session_state[PREVIEW_KEY] = None if problems else draft


def feeling_changed() -> None:
    st.session_state["report_category"] = None


def clear_form() -> None:
    for key in (*FIELDS, PIN_KEY, PROBLEMS_KEY, PREVIEW_KEY, SEARCH_KEY, "report_website"):
        st.session_state.pop(key, None)


def start_over() -> None:
    clear_form()
    for key in (DONE_KEY, MAP_KEY, VIEW_KEY):
        st.session_state.pop(key, None)


def set_pin(lon: float, lat: float, *, zoom_in: bool = False, centre: bool = False) -> None:
    """Put the pin at (lon, lat), EPSG:4326; an earlier complaint about the pin no longer holds.

    ``zoom_in``: a map showing less detail than `PIN_ZOOM` zooms to the pin, so that a
    fingertip can then place it within a few metres; ``centre``: the map centres on the pin
    (a position or a place found far from the view). A pin outside the municipality is
    refused at once, where the resident is looking."""
    st.session_state[PIN_KEY] = (lon, lat)
    problems = [p for p in st.session_state.get(PROBLEMS_KEY) or [] if p.field != "pin"]
    if (refused := check_pin(lon, lat, boundary)) is not None:
        problems.insert(0, refused)
    st.session_state[PROBLEMS_KEY] = problems
    zoom = (st.session_state.get(MAP_KEY) or {}).get("zoom")
    zoom = zoom if isinstance(zoom, int | float) else map_home()[1]
    if (zoom_in and zoom < PIN_ZOOM) or centre:
        previous = (st.session_state.get(VIEW_KEY) or {}).get("zoom")
        wanted = max(zoom, PIN_ZOOM)
        # st_folium applies a zoom only when it differs from the last one it was given; Leaflet
        # rounds this nudge away (zoomSnap 1), so a second zoom-in to the same level still happens.
        if previous is not None and abs(previous - wanted) < 1e-3:
            wanted = previous + (1e-6 if previous == round(previous) else -1e-6)
        st.session_state[VIEW_KEY] = {"center": [lat, lon], "zoom": wanted}
    if centre:
        st.session_state[SCROLL_KEY] = st.session_state.get(SCROLL_KEY, 0) + 1


def located() -> None:
    """The browser answered "use my location": the pin goes there, or the resident is told why not."""
    position = position_of(LOCATE_KEY)
    if position is None:
        return
    if "error" in position:
        kind = position["error"] if position["error"] in LOCATE_ERRORS else "unavailable"
        st.session_state[LOCATE_NOTE_KEY] = (f"report.locate_error.{kind}", {})
        return
    try:
        lon, lat, accuracy = float(position["lon"]), float(position["lat"]), float(position.get("accuracy") or 0)
    except (KeyError, TypeError, ValueError):
        st.session_state[LOCATE_NOTE_KEY] = ("report.locate_error.unavailable", {})
        return
    set_pin(lon, lat, zoom_in=True, centre=True)
    if accuracy > ROUGH_POSITION_M:
        st.session_state[LOCATE_NOTE_KEY] = ("report.located_rough", {"m": round(accuracy)})


def go_to_place() -> None:
    """The resident chose a place from the search: the pin goes there and the map follows."""
    chosen = st.session_state.get(SEARCH_KEY)
    places: list[Place] = st.session_state.get(PLACES_KEY) or []
    if isinstance(chosen, int) and 0 <= chosen < len(places):
        set_pin(places[chosen].lon, places[chosen].lat, zoom_in=True, centre=True)


def support(number: int) -> None:
    """+1 on the ``number``th report of the duplicate hint shown in the previous run."""
    keys: list[str] = st.session_state.get(NEARBY_KEY) or []
    if number >= len(keys):
        return
    if wait := take_submission_slot(db, session_id=rate_bucket):
        st.session_state[SUPPORT_ERROR_KEY] = t("report.rate_limited", minutes=max(1, wait // 60))
        return
    supporters = db.add_supporter(keys[number])
    st.session_state[DONE_KEY] = {"kind": "support", "supporters": supporters}


def problem_here(field: str) -> None:
    for problem in st.session_state.get(PROBLEMS_KEY) or []:
        if problem.field == field:
            st.error(t(problem.key, max=MAX_TEXT_LENGTH, **dict(problem.values)))


def draw_finder() -> None:
    """Above the map: "use my location" and the search among the places the app knows."""
    locate_button(
        label=t("report.locate"),
        busy=t("report.locating"),
        key=LOCATE_KEY,
        on_position=located,
        scroll=st.session_state.get(SCROLL_KEY, 0),
    )
    if note := st.session_state.pop(LOCATE_NOTE_KEY, None):
        (st.warning if note[0].startswith("report.locate_error") else st.info)(t(note[0], **note[1]))
    st.caption(t("report.locate_privacy"))
    places = known_places(db)
    st.session_state[PLACES_KEY] = places
    st.selectbox(
        t("report.search"),
        options=list(range(len(places))),
        format_func=lambda i: " · ".join(
            part for part in (places[i].name, label("place_kind", places[i].kind, lang), places[i].detail) if part
        ),
        index=None,
        placeholder=t("report.search_placeholder"),
        key=SEARCH_KEY,
        on_change=go_to_place,
    )
    problem_here("pin")


st.title(t("report.title"))
st.caption(t("report.anonymous"))

done: dict[str, Any] | None = st.session_state.get(DONE_KEY)
if done is not None:
    if done["kind"] == "report":
        code = done["ref_code"]
        st.success(t("report.thanks"))
        st.markdown(f"**{t('report.your_code')}**")
        reference_code(
            code,
            label=t("report.your_code"),
            copy=t("report.copy"),
            copied=t("report.copied"),
            select=t("report.copy_select"),
            key="report_code",
        )
        st.info(t("report.code_save"))
        # A plain link (a page link needs st.navigation, which a page run alone lacks); the code is
        # of the reference-code alphabet only, so it needs no escaping in the address or the text.
        lang_param = f"&lang={lang}" if lang != "sv" else ""
        st.markdown(f"🔎 [{t('report.follow', code=code)}](status?ref={code}{lang_param})")
    else:
        st.success(t("report.supported", n=done["supporters"]))
    places_link("places.report_link")
    st.button(t("report.new"), on_click=start_over, type="primary")
    st.stop()

# 1. The place: a tap drops the pin (and zooms in to it), another tap moves it; or the
# browser's position, or a place the app knows.
st.subheader(t("report.step_place"))
st.caption(t("report.place_help"))
first_view = first_map_view(REPORT_MAP_SENT_KEY)
map_state = st.session_state.get(MAP_KEY) or {}
click = map_state.get("last_clicked")
if isinstance(click, dict) and click != st.session_state.get(LAST_CLICK_KEY):
    st.session_state[LAST_CLICK_KEY] = click
    set_pin(float(click["lng"]), float(click["lat"]), zoom_in=True)

# On the session's first view the map goes alone (first_map_view): what comes above it, the
# position and the place search, follows in the map's rerun, into its container sent now.
with st.container(key=FINDER_KEY):
    if first_view:
        st.html('<div class="trygg-finder-space" aria-hidden="true"></div>')
    else:
        draw_finder()

pin = st.session_state.get(PIN_KEY)
view = st.session_state.get(VIEW_KEY) or {}
home_centre, home_zoom = map_home()
base = mapview.base_map(settings().tiles, center=home_centre, zoom=home_zoom)
mapview.crosshair(t("report.crosshair")).add_to(base)
groups = [mapview.boundary_group(boundary_layer(db)), mapview.pin_group(pin)]
mapview.localized(base, *groups)
st_folium(
    base,
    key=MAP_KEY,
    feature_group_to_add=groups,
    returned_objects=["last_clicked", "center", "zoom"],
    center=view.get("center"),
    zoom=view.get("zoom"),
    use_container_width=True,
    height=380,
)
if first_view:
    rerun_if_the_map_stays_silent(MAP_WAITED_KEY)
    st.stop()


def pin_at_centre() -> None:
    """For keyboard users: pan the map with the arrow keys, then put the pin in its middle (the cross)."""
    centre = (st.session_state.get(MAP_KEY) or {}).get("center")
    if not isinstance(centre, dict):  # the map has not moved yet: it is where it opened
        (lat, lon), _zoom = map_home()
        centre = {"lat": lat, "lng": lon}
    set_pin(float(centre["lng"]), float(centre["lat"]))


st.button(t("report.pin_centre"), on_click=pin_at_centre, help=t("report.pin_centre_help"))
if pin:
    st.caption(t("report.pin_at", lat=f"{pin[1]:.5f}", lon=f"{pin[0]:.5f}"))
else:
    st.caption(t("report.no_pin_yet"))

# 2. How it feels, and why.
st.subheader(t("report.step_what"))
st.radio(
    t("report.feeling"),
    options=[f.value for f in Feeling],
    format_func=lambda v: t(f"report.feeling_option.{v}"),
    index=None,
    horizontal=True,
    key="report_feeling",
    on_change=feeling_changed,
)
problem_here("feeling")
feeling = st.session_state.get("report_feeling")
choices = [c for c in categories if feeling and c.feeling.value == feeling]
if choices:
    st.radio(
        t("report.category"),
        options=[c.code for c in choices],
        format_func=category_labels(choices, lang).__getitem__,
        captions=[c.help.get(lang) or c.help.get("sv", "") for c in choices],
        index=None,
        key="report_category",
    )
else:
    st.caption(t("report.category_after_feeling"))
problem_here("category")
st.radio(
    t("report.time_of_day"),
    options=[v.value for v in TimeOfDay],
    format_func=lambda v: label("time_of_day", v, lang),
    index=None,
    horizontal=True,
    key="report_tod",
)
problem_here("time_of_day")
# No max_chars: Streamlit would drop a whole paste longer than it without a word (TESTING.md).
# Everything typed stays in the field; an over-long text is explained here and refused on preview.
st.text_area(t("report.text"), key="report_text", help=t("report.text_help"))
typed = len(preview_text(current_draft()))
if typed > MAX_TEXT_LENGTH and not any(p.field == "text" for p in st.session_state.get(PROBLEMS_KEY) or []):
    st.warning(t("report.text_over", n=typed, max=MAX_TEXT_LENGTH, over=typed - MAX_TEXT_LENGTH))
problem_here("text")

# 3. Optional follow-up by e-mail, with explicit consent; only when the app can send e-mail
# (TRYGG_SMTP_URL): otherwise no address is asked for, the page says why and how to follow the
# report instead, and the heading says so (it asked "would you like a reply?" with no reply on offer).
st.subheader(t("report.step_contact" if replies else "report.step_follow"))
# who answers questions about personal data: the municipality's settings (geo.municipality)
if privacy_contact := (town.text("privacy_contact", lang) if (town := municipality()) else None):
    st.caption(t("report.privacy_contact", contact=privacy_contact))
if replies:
    st.text_input(t("report.email"), key="report_email", help=t("report.email_help"))
    st.checkbox(t("report.consent"), key="report_consent")
    problem_here("email")
else:
    st.info(t("report.replies_unavailable"))
# Invisible to people (hidden by CSS, out of the tab order); robots fill it in.
st.html("<style>.st-key-report_website{display:none !important}</style>")
st.text_input(t("report.honeypot"), key="report_website", label_visibility="collapsed")

st.button(t("report.preview"), on_click=ask_preview, type="primary")
if st.session_state.get(PROBLEMS_KEY):
    st.error(t("report.fix_errors"))

draft = current_draft()
previewed: ReportDraft | None = st.session_state.get(PREVIEW_KEY)
if previewed is not None and asdict(previewed) == asdict(draft):
    st.divider()
    st.subheader(t("report.preview_title"))
    category = next(c for c in categories if c.code == draft.category)
    st.markdown(f"**{t('report.feeling')}**")
    st.text(t(f"report.feeling_option.{draft.feeling}"))
    st.markdown(f"**{t('report.category')}**")
    st.text(f"{category.icon} {category.label(lang)}")
    st.markdown(f"**{t('report.time_of_day')}**")
    st.text(label("time_of_day", draft.time_of_day, lang))
    st.markdown(f"**{t('report.text')}**")
    stored_text = preview_text(draft)
    st.text(show_redactions(stored_text, t("report.redacted")) or "–")
    if stored_text != draft.text.strip():
        st.info(t("report.scrubbed_note"))
    if replies:
        st.markdown(f"**{t('report.email')}**")
        st.text(t("report.email_given") if draft.email.strip() else t("report.email_none"))

    nearby = nearby_reports(db, draft.lon, draft.lat, draft.category)[:5]
    # Only the hint's own index reaches the page; the reports' ids stay on the server.
    st.session_state[NEARBY_KEY] = [found.key for found in nearby]
    if nearby:
        st.warning(t("report.nearby", n=len(nearby)))
        category_names = category_labels(categories, lang)
        for number, found in enumerate(nearby):
            columns = st.columns([3, 1], vertical_alignment="center")
            columns[0].text(
                t(
                    "report.nearby_item",
                    category=category_names.get(found.category, found.category),
                    month=format_month(found.month, lang),
                    distance=found.within_m,
                    n=found.supporters,
                )
            )
            columns[1].button(t("report.support"), key=f"report_support_{number}", on_click=support, args=(number,))

    if error := st.session_state.pop(SUPPORT_ERROR_KEY, None):
        st.error(error)
    if st.button(t("report.confirm"), type="primary", key="report_confirm"):
        if is_probably_bot(draft):
            st.error(t("report.error.rejected"))
        elif problems := validate(draft, boundary=boundary, categories=categories):
            st.session_state[PROBLEMS_KEY] = problems
            st.rerun()
        elif wait := take_submission_slot(db, session_id=rate_bucket):
            st.error(t("report.rate_limited", minutes=max(1, wait // 60)))
        else:
            submitted = submit(db, draft)
            clear_form()
            st.session_state[DONE_KEY] = {"kind": "report", "ref_code": submitted.ref_code}
            st.rerun()

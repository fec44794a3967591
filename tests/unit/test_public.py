"""The public face of a report (geo/public.py): raw fields never leave through a public surface.

A published report is stored with text that was never scrubbed (as an old import or a direct
database edit could leave it), an e-mail contact, a moderation reason and an exact position;
a pending and a rejected report carry their own markers. Every public surface is then read:
the anonymous map (table, details, hexagon points, points in view), the public exports in
every format, ``/api/layers/reports.geojson``, Open311 and the public copy of an area review.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo import api
from geo.auth import User
from geo.explore import load_layers, report_by_id
from geo.hexagons import points_in_bbox, report_points
from geo.io import FORMATS, export_layer, layer_frame
from geo.layers import ReportFilter
from geo.model import Role
from geo.privacy import coarsen_points
from geo.public import PUBLIC_REPORT_COLUMNS, public_reports
from geo.review import EXPORT_COLUMNS, export_csv, export_geojson, review_area
from geo.store import Store
from geo.viewstate import ExploreView
from tests.conftest import NOW

EXACT = (13.6012345, 56.4612345)
"""Inside the test zone (conftest's SQUARE_WKT), off the 50 m grid."""
RAW = ("811218-9876", "anna.andersson@example.se", "070-123 45 67")
SECRETS = ("PENDING-ONLY", "REJECTED-ONLY", "skäl som bara personalen ser", "kontakt@example.org")


@pytest.fixture
def leaky(filled_store: Store) -> Store:
    """``filled_store`` plus one published report with raw text and a contact, one pending, one rejected."""
    base = {"category": "trafik", "feeling": "otrygg", "time_of_day": "dag", "created_at": NOW, "source": "web"}
    filled_store.add_report(
        {
            **base,
            "lon": EXACT[0],
            "lat": EXACT[1],
            "text": f"Ring {RAW[0]} eller {RAW[1]}",
            "public_comment": f"Svar till {RAW[2]}",
            "status": "ny",
            "moderation": "published",
            "moderation_reason": SECRETS[2],
        },
        email=SECRETS[3],
    )
    for marker, moderation in ((SECRETS[0], "pending"), (SECRETS[1], "rejected")):
        filled_store.add_report(
            {**base, "lon": 13.6001, "lat": 56.4601, "text": marker, "status": "ny", "moderation": moderation}
        )
    return filled_store


def assert_public(frame: pd.DataFrame) -> None:
    """Only published reports' public columns, on the 50 m grid, no raw text."""
    position = {"geometry", "lon", "lat"}
    assert set(frame.columns) - position <= set(PUBLIC_REPORT_COLUMNS)
    assert not {"moderation_reason", "source", "email", "language"} & set(frame.columns)
    if "moderation" in frame.columns:
        assert set(frame["moderation"]) <= {"published"}
    if "geometry" in frame.columns:
        lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    else:
        lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    assert_on_grid(lon, lat)
    assert_no_secrets(frame.drop(columns=[c for c in position if c in frame.columns]).to_csv())


def assert_on_grid(lon: np.ndarray, lat: np.ndarray) -> None:
    snapped = coarsen_points(lon, lat)
    np.testing.assert_allclose(snapped[0], lon, atol=1e-9)
    np.testing.assert_allclose(snapped[1], lat, atol=1e-9)
    assert not np.any(np.isclose(lon, EXACT[0], atol=1e-7) & np.isclose(lat, EXACT[1], atol=1e-7))


def assert_no_secrets(text: str) -> None:
    for value in (*RAW, *SECRETS, "1234500"):  # the exact longitude's digits
        assert value not in text


def test_issue_15_the_anonymous_map_shows_only_the_public_face(leaky: Store) -> None:
    layers = load_layers(leaky, ExploreView(), viewer=Role.PUBLIC)
    assert len(layers.reports) >= 1
    assert_public(layers.reports)
    for ident in leaky.reports_frame(columns=("id",))["id"]:
        assert_public(report_by_id(leaky, ident, Role.PUBLIC))
    points = report_points(leaky, ReportFilter(), viewer=Role.PUBLIC)
    assert_on_grid(points.lon, points.lat)
    assert_public(points_in_bbox(leaky, ReportFilter(), (13.0, 56.0, 14.0, 57.0), viewer=Role.PUBLIC))


def test_issue_15_public_exports_in_every_format_hold_only_the_public_face(leaky: Store) -> None:
    assert_public(layer_frame(leaky, Role.PUBLIC, "reports"))
    for fmt in FORMATS:
        made = export_layer(leaky, Role.PUBLIC, "reports", fmt)
        assert made.count >= 1
        assert_no_secrets(made.data.decode("latin-1"))  # bytes of every format, zipped ones included


def test_issue_15_the_geojson_api_and_open311_hold_only_the_public_face(leaky: Store) -> None:
    collection = api.layer_geojson(leaky, "reports")
    assert_no_secrets(json.dumps(collection, ensure_ascii=False))
    for feature in collection["features"]:
        assert set(feature["properties"]) <= set(PUBLIC_REPORT_COLUMNS)
        assert_on_grid(
            np.array([feature["geometry"]["coordinates"][0]]), np.array([feature["geometry"]["coordinates"][1]])
        )
    rows = api._request_rows(leaky)
    assert len(rows) >= 1
    assert_public(rows)
    answers = [api._service_request(row, {}, "sv") for row in rows.to_dict("records")]
    assert_no_secrets(json.dumps(answers, ensure_ascii=False, default=str))


def test_issue_15_the_public_copy_of_an_area_review_holds_only_the_public_face(leaky: Store) -> None:
    zone = leaky.zones()[0]
    review = review_area(leaky, zone.id, User("polis", Role.POLICE))
    assert review is not None and len(review.reports) >= 3  # staff see the pending one and exact places
    assert set(EXPORT_COLUMNS) <= set(PUBLIC_REPORT_COLUMNS)
    collection = json.loads(export_geojson(review, public=True))
    assert_no_secrets(json.dumps(collection, ensure_ascii=False))
    assert {f["properties"]["moderation"] for f in collection["features"]} == {"published"}
    assert_no_secrets(export_csv(review, public=True).decode("utf-8-sig"))


def test_the_public_face_keeps_nothing_but_its_columns() -> None:
    frame = pd.DataFrame(
        {
            "lon": [EXACT[0]],
            "lat": [EXACT[1]],
            "moderation": ["published"],
            "text": [RAW[1]],
            "moderation_reason": ["x"],
            "email": ["y"],
        }
    )
    face = public_reports(frame)
    assert list(face.columns) == ["moderation", "text", "lon", "lat"]
    assert RAW[1] not in face["text"].iloc[0]
    assert_on_grid(face["lon"].to_numpy(), face["lat"].to_numpy())
    with pytest.raises(ValueError, match="geometry or lon/lat"):
        public_reports(pd.DataFrame({"text": ["x"]}))

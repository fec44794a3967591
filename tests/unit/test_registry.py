"""The layer registry (geo/registry.py): one declaration per layer, read by every surface."""

from __future__ import annotations

import dataclasses
import json
from contextlib import AbstractContextManager

import pytest

from geo import api, registry
from geo.explore import load_layers
from geo.i18n import LANGUAGES, messages
from geo.io import export_layer, layer_frame
from geo.model import Role
from geo.store import Store
from geo.store.tables import metadata
from geo.viewstate import LAYERS, SELECTABLE_KINDS, ExploreView, parse_view
from tests.support.asgi import call

SECRET = registry.Layer(
    name="secret_places",
    table="meeting_places",
    geometry=registry.POINT,
    fields=registry.MEETING_PLACES.fields,
    load=registry.MEETING_PLACES.load,
    public=None,
)
"""A layer registered without a public face: staff only, whatever surface asks."""


def test_issue_16_a_layer_without_a_public_face_reaches_no_public_surface(filled_store: Store) -> None:
    with registered_secret():
        assert "secret_places" in registry.layer_names()
        assert "secret_places" not in registry.public_layers()
        assert not layer_frame(filled_store, Role.TEAM, "secret_places").empty  # staff see it
        with pytest.raises(PermissionError, match="no public face"):
            layer_frame(filled_store, Role.PUBLIC, "secret_places")
        with pytest.raises(PermissionError, match="no public face"):
            export_layer(filled_store, Role.PUBLIC, "secret_places", "geojson")
        with pytest.raises(PermissionError):
            registry.public_frame(filled_store, "secret_places")
        public_map = load_layers(filled_store, ExploreView(), viewer=Role.PUBLIC)
        assert "secret_places" not in public_map.others
        assert "secret_places" in load_layers(filled_store, ExploreView(), viewer=Role.TEAM).others


def test_issue_16_the_geojson_api_serves_no_layer_without_a_public_face(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "_db", lambda: filled_store)  # the route reads this test's database
    with registered_secret():
        refused = get_layer("secret_places")
        served = get_layer("meeting_places")
    assert refused.status_code == 404
    assert "secret_places" not in json.loads(refused.body)["description"]
    assert served.status_code == 200 and json.loads(served.body)["features"]


def get_layer(name: str) -> api.Response:
    """``GET /api/layers/<name>.geojson`` through the route's handler."""
    return call(api.geojson_layer, f"/api/layers/{name}.geojson", {"name": name})


def registered_secret() -> AbstractContextManager[registry.Layer]:
    return registry.registered(SECRET)


def test_a_name_is_registered_once() -> None:
    with (
        pytest.raises(ValueError, match="registered already"),
        registry.registered(dataclasses.replace(SECRET, name="zones")),
    ):
        pass


def test_field_lengths_come_from_the_schema() -> None:
    for layer in registry.layers():
        table = metadata.tables[layer.table]
        for spec in layer.fields:
            column = table.c.get(spec.name)
            expected = getattr(column.type, "length", None) if column is not None else None
            assert layer.max_length(spec.name) == expected
    assert registry.ZONES.max_length("description") == 2000
    assert registry.REPORTS.max_length("text") == 1000


def test_the_explore_map_reads_its_toggles_and_selections_from_the_registry() -> None:
    assert LAYERS == ("reports", "actions", "meeting_places", "platssamverkan", "medborgarlofte", "boundary")
    assert set(SELECTABLE_KINDS) == {"report", "meeting_place", "zone", "action"}
    view = parse_view({"layers": "boundary,nonsense", "sel": "zone:abc"})
    assert view.layers == ("boundary",) and view.selected == ("zone", "abc")
    assert [g.name for g in registry.draw_order()][-1] == "meeting_places"  # on top


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_name_a_layer_shows_is_in_the_catalogue(lang: str) -> None:
    catalogue = messages(lang)
    keys = {f"io.layer.{name}" for name in registry.layer_names()}
    keys |= {f"layer.{group.name}" for group in registry.map_groups()}
    keys |= {item.key for group in registry.map_groups() for item in group.legend}
    keys |= {spec.detail for layer in registry.layers() for spec in layer.fields if spec.detail}
    assert sorted(k for k in keys if not catalogue.get(k)) == []


def test_every_public_face_names_columns_its_layer_has(filled_store: Store) -> None:
    for name in registry.public_layers():
        layer = registry.get(name)
        frame = layer.features(filled_store)
        assert layer.public is not None
        missing = set(layer.public.columns) - set(frame.columns) - {"updated_at"}
        assert missing == set(), name

"""The layer registry: every layer of the map declared once.

A `Layer` says everything the rest of `geo/` needs to know about one layer: its
geometry type, its table, its fields (with their lengths taken from the schema), its
public face (who may see what), its map groups and legend entries, whether a click
selects it, the fields its details show, and its import and export names. `viewstate`
(URL names), `explore` (map, legend, details), `mapview` (colours), `io` (import and
export), `api` (``/api/layers/``) and the store's "is the database empty" read it.

**A new layer** is one `Layer` in `_REGISTRY` (below) plus its table and migration
(`geo/store/tables.py`, ``geo/store/migrations/``), catalogue entries for its names
(``layer.<group>``, ``io.layer.<name>``, its legend and detail labels) and tests. A simple
layer (points or polygons with text, number, enum and date fields) needs nothing else:
its import (`geo.io`) converts each row by its `Field` s (names, aliases, kinds, codes,
defaults, ``required``, lengths from the schema) and its loader reads its table
(`geo.store.Store.features`). A layer that needs more declares hooks: ``load`` (its own
loader) and ``convert`` (its own row converter: reports are scrubbed and checked against
the form's rules, the boundary is the union of the file's polygons).

**The public face.** A layer reaches a public surface (anonymous map, public exports,
``/api/layers/``) only through `public_frame`, which applies the layer's `PublicFace`.
A layer registered without one (``public=None``) is staff-only: `public_layers` leaves
it out and `public_frame` refuses it with `PermissionError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geo.model import PlaceKind, ZoneKind

if TYPE_CHECKING:
    from geo.store import Store

DESCRIPTION_LANGUAGES = ("en", "ar", "so", "ti", "fa", "uk")
"""The languages besides Swedish a meeting place's description is written in (files carry each as
``description:<code>``, as OpenStreetMap does; Swedish is ``description``)."""
POINT = ("Point",)
POLYGONAL = ("Polygon", "MultiPolygon")

Loader = Callable[["Store"], gpd.GeoDataFrame]
"""A layer's features as staff see them (EPSG:4326)."""
Converter = Callable[..., Any]
"""A layer's own import conversion (`geo.io`): ``convert(store, rows, geometries, default_kind, now)``
→ what its import writes. None: the generic one, driven by the layer's fields."""


@dataclass(frozen=True)
class Field:
    """One field of a layer as files and people see it.

    ``aliases`` are the column names (folded: lower case, å/ä → a, ö → o) that an imported
    file's column maps to by itself; ``short_name`` the 10-character Shapefile (dBase) name;
    ``detail`` the catalogue key of its label in the details panel (None: not shown);
    ``labels`` the catalogue prefix that turns a code into words (``zone_kind``);
    ``kind`` how an import reads it: ``text``, ``number``, ``enum``, ``date``, ``list`` or ``other``
    (``list`` and ``other`` only through a layer's own ``convert`` hook);
    ``codes`` an enum's stored values (read also as their labels under ``labels``) and
    ``default`` the value of an enum left empty (None: an empty one is a problem when ``required``).
    """

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    short_name: str | None = None
    detail: str | None = None
    labels: str | None = None
    kind: str = "text"
    codes: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class PublicFace:
    """What the public may see of a layer: ``columns`` (nothing else leaves) and ``make``,
    the one function that turns the staff frame into the public one (filtering rows,
    coarsening positions, scrubbing text); by default the columns as they are."""

    columns: tuple[str, ...]
    make: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None


@dataclass(frozen=True)
class LegendItem:
    """One row of the map's legend: a catalogue key (placeholders none), a colour, a shape
    (``circle``, ``hollow``, ``area`` or ``line``)."""

    key: str
    color: str
    shape: str = "circle"


@dataclass(frozen=True)
class MapGroup:
    """One toggle of the explore map: the features of ``layer`` it shows (all, or those whose
    ``where = (column, value)``), drawn as ``symbol`` (``reports``, ``marker``, ``area`` or
    ``outline``) in ``color``. ``name`` is its URL name (``?layers=``) and its catalogue key
    ``layer.<name>``; ``draw_order`` puts it below (low) or above (high) the others."""

    name: str
    layer: str
    symbol: str
    color: str
    legend: tuple[LegendItem, ...]
    draw_order: int
    where: tuple[str, str] | None = None


@dataclass(frozen=True)
class Layer:
    """One layer. ``name`` is its import/export and API name (``io.layer.<name>``),
    ``table`` the table that holds it, ``geometry`` the geometry types it takes,
    ``public`` its public face (None: staff only), ``load`` its features as staff see them
    (None: its table read by `geo.layers.simple_layer`), ``convert`` its import conversion
    (None: the generic one of `geo.io`, by its fields),
    ``selectable`` the kind a click on one of its features selects (``?sel=<kind>:<id>``),
    ``title`` the field that titles its details, ``export_drop`` the columns exports leave out,
    ``exchange`` whether import and export offer it."""

    name: str
    table: str
    geometry: tuple[str, ...]
    fields: tuple[Field, ...]
    public: PublicFace | None
    load: Loader | None = None
    convert: Converter | None = None
    groups: tuple[MapGroup, ...] = ()
    selectable: str | None = None
    title: str | None = "name"
    export_drop: tuple[str, ...] = ("id",)
    date_columns: tuple[str, ...] = field(default=())
    exchange: bool = True
    """Whether it is imported and exported as a GIS layer (`layer_names`); a layer drawn from
    data kept elsewhere (the actions, entered on their own page) is not."""

    def features(self, store: Store) -> gpd.GeoDataFrame:
        """The layer's features as staff see them (EPSG:4326): its ``load`` hook, or its table
        read by `geo.layers.simple_layer`."""
        if self.load is not None:
            return self.load(store)
        from geo.layers import simple_layer

        return simple_layer(store, self)

    @property
    def simple(self) -> bool:
        """Whether import and export derive from the entry alone (no ``convert`` hook)."""
        return self.convert is None

    @property
    def points(self) -> bool:
        return self.geometry == POINT

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def max_length(self, name: str) -> int | None:
        """The most characters the schema's column ``name`` holds (None: unbounded or no such column)."""
        from geo.store import max_length

        return max_length(self.table, name)

    def short_names(self) -> dict[str, str]:
        """``{field: 10-character Shapefile name}`` for the fields whose name is longer."""
        return {f.name: f.short_name for f in self.fields if f.short_name}


# -- colours -------------------------------------------------------------------------------

UNSAFE_COLOR = "#c0392b"
SAFE_COLOR = "#1e8449"
MEETING_PLACE_COLOR = "#1f5fa8"
PLATSSAMVERKAN_COLOR = "#7d3c98"
MEDBORGARLOFTE_COLOR = "#b9770e"
BOUNDARY_COLOR = "#34495e"
ACTION_COLOR = "#0b5345"
REPORT_LEGEND = (
    LegendItem("legend.unsafe", UNSAFE_COLOR),
    LegendItem("legend.safe", SAFE_COLOR),
    LegendItem("legend.pending", UNSAFE_COLOR, "hollow"),
)
"""The reports' legend when drawn one by one (the hexagons have their own, `geo.explore`)."""


# -- loaders (imported late: geo.layers reads the store) -------------------------------------


def _load_reports(store: Store) -> gpd.GeoDataFrame:
    from geo.layers import reports_layer

    return reports_layer(store)


def _load_meeting_places(store: Store) -> gpd.GeoDataFrame:
    from geo.layers import meeting_places_layer

    return meeting_places_layer(store)


def _load_zones(store: Store) -> gpd.GeoDataFrame:
    from geo.layers import zones_layer

    return zones_layer(store)


def _load_boundary(store: Store) -> gpd.GeoDataFrame:
    from geo.layers import boundary_layer

    return boundary_layer(store)


def _load_actions(store: Store) -> gpd.GeoDataFrame:
    from geo.actions import actions_layer

    return actions_layer(store)


def _public_actions(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from geo.actions import public_actions_frame

    return public_actions_frame(frame)


def _convert_reports(*args: Any) -> Any:
    from geo.io import convert_reports

    return convert_reports(*args)


def _convert_zones(*args: Any) -> Any:
    from geo.io import convert_zones

    return convert_zones(*args)


def _convert_meeting_places(*args: Any) -> Any:
    from geo.io import convert_meeting_places

    return convert_meeting_places(*args)


def _convert_boundary(*args: Any) -> Any:
    from geo.io import convert_boundary

    return convert_boundary(*args)


def _public_reports(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from geo.public import public_reports

    return public_reports(frame)


# -- the layers ----------------------------------------------------------------------------

REPORTS = Layer(
    name="reports",
    table="reports",
    geometry=POINT,
    fields=(
        Field("category", True, ("category", "kategori", "service_code", "orsak"), kind="enum"),
        Field("feeling", False, ("feeling", "kansla"), detail="details.feeling", labels="feeling", kind="enum"),
        Field(
            "time_of_day",
            False,
            ("time_of_day", "time_of_da", "tod", "tid", "tid_pa_dygnet"),
            short_name="tod",
            detail="details.time_of_day",
            labels="time_of_day",
            kind="enum",
        ),
        Field("text", False, ("text", "beskrivning", "description", "fritext"), detail="details.text"),
        Field("created_at", False, ("created_at", "skapad", "datum", "date", "requested_datetime"), kind="other"),
        Field("status", False, ("status",), detail="details.status", labels="status", kind="enum"),
        Field(
            "moderation",
            False,
            ("moderation", "moderering"),
            detail="details.moderation",
            labels="moderation",
            kind="enum",
        ),
        Field(
            "public_comment",
            False,
            ("public_comment", "pub_commnt", "kommentar", "status_notes"),
            short_name="pub_commnt",
            detail="details.public_comment",
        ),
        Field("supporters", False, ("supporters", "stod"), detail="details.supporters", kind="other"),
        Field("language", False, ("language", "lang")),
    ),
    load=_load_reports,
    convert=_convert_reports,
    public=PublicFace(
        columns=(
            "id",
            "ref_code",
            "category",
            "feeling",
            "time_of_day",
            "status",
            "moderation",
            "created_at",
            "updated_at",
            "text",
            "supporters",
            "public_comment",
        ),
        make=_public_reports,
    ),
    groups=(MapGroup("reports", "reports", "reports", UNSAFE_COLOR, REPORT_LEGEND, draw_order=30),),
    selectable="report",
    title="category",
    export_drop=("id", "moderation"),  # public exports: every report there is published
)

MEETING_PLACES = Layer(
    name="meeting_places",
    table="meeting_places",
    geometry=POINT,
    fields=(
        Field("name", True, ("name", "namn", "title", "titel")),
        Field(
            "kind",
            False,
            ("kind", "typ", "type", "slag"),
            detail="details.kind",
            labels="meeting_place_kind",
            kind="enum",
        ),
        Field("address", False, ("address", "adress"), detail="details.address"),
        Field(
            "opening_hours",
            False,
            ("opening_hours", "opening_hr", "oppettider", "hours"),
            short_name="opening_hr",
            detail="details.opening_hours",
        ),
        Field("languages", False, ("languages", "sprak", "langs"), detail="details.languages", kind="list"),
        Field(
            "accessibility",
            False,
            ("accessibility", "accessibil", "tillganglighet"),
            short_name="accessibil",
            detail="details.accessibility",
        ),
        Field("contact", False, ("contact", "kontakt"), detail="details.contact"),
        Field(
            "description",
            False,
            ("description", "beskrivning", "descr", "descriptio", "description:sv", "description_sv"),
            short_name="descr",
            detail="details.description",
        ),
        Field("audience", False, ("audience", "malgrupp", "for_vem", "publik"), labels="audience", kind="list"),
        Field("fee", False, ("fee", "avgift", "kostnad"), kind="other"),
        Field("wheelchair", False, ("wheelchair", "rullstol", "rullstolstillganglig"), kind="other"),
        *(
            Field(
                f"description:{code}",
                False,
                (f"description:{code}", f"description_{code}", f"beskrivning_{code}", f"descr_{code}"),
                short_name=f"descr_{code}",
            )
            for code in DESCRIPTION_LANGUAGES
        ),
        Field("staff_note", False, ("staff_note", "intern_anteckning", "anteckning", "note:staff")),
    ),
    load=_load_meeting_places,
    convert=_convert_meeting_places,
    public=PublicFace(
        columns=(
            "id",
            "name",
            "kind",
            "address",
            "opening_hours",
            "languages",
            "accessibility",
            "contact",
            "description",
            "audience",
            "fee",
            "wheelchair",
            *(f"description:{code}" for code in DESCRIPTION_LANGUAGES),
        ),  # never staff_note
    ),
    groups=(
        MapGroup(
            "meeting_places",
            "meeting_places",
            "marker",
            MEETING_PLACE_COLOR,
            (LegendItem("legend.meeting_place", MEETING_PLACE_COLOR),),
            draw_order=40,  # on top: few, and people look for them
        ),
    ),
    selectable="meeting_place",
)

ZONES = Layer(
    name="zones",
    table="zones",
    geometry=POLYGONAL,
    fields=(
        Field("name", True, ("name", "namn", "title", "titel", "rubrik", "omrade")),
        Field(
            "kind",
            False,
            ("kind", "typ", "type", "slag", "zone_kind"),
            detail="details.kind",
            labels="zone_kind",
            kind="enum",
        ),
        Field(
            "description",
            False,
            ("description", "beskrivning", "descr", "descriptio"),
            short_name="descr",
            detail="details.description",
        ),
        Field(
            "promise_text",
            False,
            ("promise_text", "promise_tx", "promise", "lofte", "loftestext"),
            short_name="promise_tx",
            detail="details.promise",
        ),
        Field(
            "police_contact",
            False,
            ("police_contact", "police_ctc", "poliskontakt", "polis", "kontakt"),
            short_name="police_ctc",
            detail="details.police_contact",
        ),
        Field("start_date", False, ("start_date", "startdatum", "start", "fran", "from"), kind="date"),
        Field("end_date", False, ("end_date", "slutdatum", "slut", "till", "to"), kind="date"),
    ),
    load=_load_zones,
    convert=_convert_zones,
    public=PublicFace(
        columns=("id", "name", "kind", "description", "promise_text", "police_contact", "start_date", "end_date"),
    ),
    groups=(
        MapGroup(
            ZoneKind.PLATSSAMVERKAN.value,
            "zones",
            "area",
            PLATSSAMVERKAN_COLOR,
            (LegendItem(f"zone_kind.{ZoneKind.PLATSSAMVERKAN.value}", PLATSSAMVERKAN_COLOR, "area"),),
            draw_order=20,
            where=("kind", ZoneKind.PLATSSAMVERKAN.value),
        ),
        MapGroup(
            ZoneKind.MEDBORGARLOFTE.value,
            "zones",
            "area",
            MEDBORGARLOFTE_COLOR,
            (LegendItem(f"zone_kind.{ZoneKind.MEDBORGARLOFTE.value}", MEDBORGARLOFTE_COLOR, "area"),),
            draw_order=10,
            where=("kind", ZoneKind.MEDBORGARLOFTE.value),
        ),
    ),
    selectable="zone",
    date_columns=("start_date", "end_date"),
)

BOUNDARY = Layer(
    name="boundary",
    table="boundaries",
    geometry=POLYGONAL,
    fields=(Field("name", False, ("name", "namn", "kommun", "kommunnamn")),),
    load=_load_boundary,
    convert=_convert_boundary,
    public=PublicFace(columns=("name",)),
    groups=(
        MapGroup(
            "boundary",
            "boundary",
            "outline",
            BOUNDARY_COLOR,
            (LegendItem("legend.boundary", BOUNDARY_COLOR, "line"),),
            draw_order=0,
        ),
    ),
    title=None,
    export_drop=(),
)

PLACE_NAMES = Layer(
    name="place_names",
    table="place_names",
    geometry=POINT,
    fields=(
        Field("name", True, ("name", "namn", "ortnamn", "gatunamn", "adress", "address", "beladress")),
        Field(
            "kind",
            False,
            ("kind", "typ", "type", "slag", "objekttyp"),
            labels="place_kind",
            kind="enum",
            codes=tuple(k.value for k in PlaceKind),
            default=PlaceKind.PLACE.value,  # a row without a kind is a place
        ),
        Field("detail", False, ("detail", "ort", "postort", "kommundel", "locality", "tatort")),
    ),
    public=PublicFace(columns=("id", "name", "kind", "detail")),
    title="name",
)
"""The gazetteer: names of villages, places, streets and addresses, each a point, which
Rapportera's place search offers (`geo.places`). Imported by an admin; not drawn on the map."""

ACTIONS = Layer(
    name="actions",
    table="actions",
    geometry=("Point", "MultiPoint", "LineString", "MultiLineString", *POLYGONAL),
    fields=(
        Field("name", True),
        Field("description", False, detail="details.description"),
        Field("organisation", False, detail="details.action_organisation"),
        Field("status", False, detail="details.action_status", labels="action_status", kind="enum"),
        Field("overdue", False, detail="details.action_overdue", labels="action_overdue"),
        Field("start_date", False, kind="date"),
        Field("due_date", False, kind="date"),
    ),
    load=_load_actions,
    public=PublicFace(
        columns=("id", "name", "description", "organisation", "status", "start_date", "due_date"),
        make=_public_actions,
    ),
    groups=(
        MapGroup(
            "actions",
            "actions",
            "marker",
            ACTION_COLOR,
            (LegendItem("legend.action", ACTION_COLOR),),
            draw_order=35,
        ),
    ),
    selectable="action",
    date_columns=("start_date", "due_date"),
    exchange=False,
)
"""Det här görs: the actions (`geo.actions`), each at its drawn place (a point, a line or an
area, drawn as it is) or, for an action of a whole zone, at a point of its zone. The public
sees public actions only; staff also see which are overdue. Entered on the Platssamverkan page, not imported."""

_REGISTRY: dict[str, Layer] = {
    layer.name: layer for layer in (REPORTS, MEETING_PLACES, ZONES, BOUNDARY, PLACE_NAMES, ACTIONS)
}
_MAP_ORDER = (
    "reports",
    "actions",
    "meeting_places",
    ZoneKind.PLATSSAMVERKAN.value,
    ZoneKind.MEDBORGARLOFTE.value,
    "boundary",
)
"""The order of the toggles and of the legend."""

# -- reading the registry ---------------------------------------------------------------------


def layers() -> tuple[Layer, ...]:
    """Every registered layer, in the order of registration."""
    return tuple(_REGISTRY.values())


def layer_names() -> tuple[str, ...]:
    """The import and export names of every layer that is exchanged as a GIS layer."""
    return tuple(name for name, layer in _REGISTRY.items() if layer.exchange)


def get(name: str) -> Layer:
    """The layer called ``name``; `ValueError` naming the registered ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"layer must be one of {layer_names()}, got {name!r}") from None


def public_layers() -> tuple[str, ...]:
    """The layers the public may see (those with a public face), for public surfaces."""
    return tuple(name for name, layer in _REGISTRY.items() if layer.public is not None)


def map_groups() -> tuple[MapGroup, ...]:
    """Every toggle of the explore map, in the order of the sidebar and the legend."""
    groups = [group for layer in _REGISTRY.values() for group in layer.groups]
    rank = {name: i for i, name in enumerate(_MAP_ORDER)}
    return tuple(sorted(groups, key=lambda g: rank.get(g.name, len(rank))))


def map_group_names() -> tuple[str, ...]:
    """The URL names of the explore map's toggles (``?layers=``)."""
    return tuple(group.name for group in map_groups())


def draw_order() -> tuple[MapGroup, ...]:
    """The map groups from the bottom of the map to the top."""
    return tuple(sorted(map_groups(), key=lambda g: g.draw_order))


def selectable_kinds() -> tuple[str, ...]:
    """The kinds of feature a click selects (``?sel=<kind>:<id>``)."""
    return tuple(layer.selectable for layer in _REGISTRY.values() if layer.selectable)


def by_selection(kind: str) -> Layer | None:
    """The layer whose features a selection of ``kind`` names."""
    return next((layer for layer in _REGISTRY.values() if layer.selectable == kind), None)


def tables() -> tuple[str, ...]:
    """The tables that hold the layers' data."""
    return tuple(layer.table for layer in _REGISTRY.values())


def colors() -> dict[str, str]:
    """Every map group's colour by its name (and the reports' feelings by theirs)."""
    found = {group.name: group.color for group in map_groups()}
    return found | {"otrygg": UNSAFE_COLOR, "trygg": SAFE_COLOR, "meeting_place": MEETING_PLACE_COLOR}


def public_frame(store: Store, name: str) -> gpd.GeoDataFrame:
    """Layer ``name`` as the public may see it (EPSG:4326): its public face applied to its
    features, only the face's columns. `PermissionError` for a layer without a public face."""
    layer = get(name)
    if layer.public is None:
        raise PermissionError(f"layer {name!r} has no public face; only staff may see it")
    frame = layer.features(store)
    return apply_public_face(layer, frame)


def apply_public_face(layer: Layer, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` (features of ``layer``, EPSG:4326) as the public may see them."""
    if layer.public is None:
        raise PermissionError(f"layer {layer.name!r} has no public face; only staff may see it")
    if layer.public.make is not None:
        frame = layer.public.make(frame)
    keep = [c for c in layer.public.columns if c in frame.columns]
    return frame[[*keep, frame.geometry.name]]


@contextmanager
def registered(layer: Layer) -> Iterator[Layer]:
    """Register ``layer`` for the duration of a ``with`` block (tests, plug-ins trying a layer)."""
    if layer.name in _REGISTRY:
        raise ValueError(f"a layer called {layer.name!r} is registered already")
    _REGISTRY[layer.name] = layer
    try:
        yield layer
    finally:
        del _REGISTRY[layer.name]


def names_of(groups: Sequence[MapGroup]) -> tuple[str, ...]:
    return tuple(group.name for group in groups)

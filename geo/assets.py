"""folium's JavaScript and CSS, served by the app itself instead of CDNs.

folium names every library it needs as a class-level ``(name, url)`` list (``default_js``/``default_css`` on
`folium.elements.JSCSSMixin`), and ``st_folium`` loads exactly those URLs into its iframe. `localize` swaps each URL,
by name, for the copy that ``python scripts/install_vendor.py`` put under ``static/vendor/`` and listed in
``static/vendor/manifest.json``; Streamlit serves ``static/X`` at ``/app/static/X`` when
``server.enableStaticServing`` is on.

This module must not import streamlit: pages call it, tests call it without a running app.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from branca.colormap import ColorMap
from branca.element import Element, Figure, Link, MacroElement
from folium import GeoJson, Icon, Map, Popup
from folium.elements import JSCSSMixin
from folium.features import VegaLite
from folium.template import Template

__all__ = [
    "INSTALL_COMMAND",
    "LIGHT_MAP_DROP",
    "MANIFEST_PATH",
    "STATIC_URL_PREFIX",
    "VENDOR_DIR",
    "VENDOR_URL_PREFIX",
    "AssetError",
    "AssetsNotInstalledError",
    "UnknownAssetError",
    "UnsupportedElementError",
    "asset_path",
    "external_hosts",
    "load_manifest",
    "localize",
    "serve_under",
    "served_url",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = REPO_ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
MANIFEST_PATH = VENDOR_DIR / "manifest.json"
STATIC_URL_PREFIX = "/app/static"
"""URL path at which Streamlit serves ``static/`` (``server.enableStaticServing = true``)."""
VENDOR_URL_PREFIX = f"{STATIC_URL_PREFIX}/vendor/"
_served_under = ""
"""Streamlit's ``server.baseUrlPath`` as a path prefix (``"/trygg"``; ``""`` at the host's root): see `serve_under`."""
INSTALL_COMMAND = "python scripts/install_vendor.py"

LIGHT_MAP_DROP: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)
"""Assets of `folium.Map` that a map of circle markers, GeoJson, tooltips, popups built by our own
script (`geo.mapview.Popups`), legends and Leaflet's controls never uses: what stays is ``leaflet``
and ``leaflet_css`` (and the assets of plugins such as ``folium.plugins.Draw``).

jQuery is used by `folium.Popup` (it builds its content with ``$(...)``), by a map with layers kept
in front (``$(document).ready``) and by a `folium.GeoJson` that is not embedded (``$.ajax``);
Bootstrap, Font Awesome and the awesome-markers only style `folium.Icon` markers. `localize` refuses
to drop an asset that an element of the tree needs (`_NEEDED_BY`). Measured on Karta (issue #22):
jQuery was one more script fetched and run, one after another, before Leaflet could draw.
"""

_E = TypeVar("_E", bound=Element)

# Elements that put CDN links into the page outside default_js/default_css, where localize cannot reach them.
_UNSUPPORTED: dict[type[Element], str] = {
    ColorMap: (
        "st_folium adds d3 from d3js.org and cdnjs.cloudflare.com for every branca ColorMap in the tree and the "
        "colormap itself adds d3 from cdnjs.cloudflare.com when rendered; draw the legend as plain HTML instead "
        "(folium.Choropleth adds a ColorMap too: build the layer with folium.GeoJson)"
    ),
    VegaLite: "folium.VegaLite adds vega and d3 from CDNs when rendered; show the chart outside the map",
}

_ICON_ASSETS = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
    }
)


def _needs(node: Element) -> frozenset[str]:
    """The assets that ``node`` itself uses in the browser, whatever its own ``default_js`` says."""
    if isinstance(node, Popup):
        return frozenset({"jquery"})
    if isinstance(node, Map) and node.objects_to_stay_in_front:
        return frozenset({"jquery"})
    if isinstance(node, GeoJson) and not node.embed:
        return frozenset({"jquery"})
    if isinstance(node, Icon):
        return _ICON_ASSETS
    return frozenset()


_ATTR_URL = re.compile(r"""\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


class _LeafletImagePath(MacroElement):
    """Sets ``L.Icon.Default.imagePath`` to the vendored ``images/`` folder, before any marker is made.

    Leaflet finds its marker images through leaflet.css; when that stylesheet is not applied yet (``st_folium``
    loads it while the map script runs) it falls back to the CSS link minus ``/leaflet.css`` and asks for
    ``.../leaflet-1.9.4marker-icon.png`` (Leaflet issue 4968), so a default ``folium.Marker`` shows no pin.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, image_path: str) -> None:
        super().__init__()
        self._name = "LeafletImagePath"
        self.image_path = image_path


class AssetError(RuntimeError):
    """Base class: the page's JS/CSS cannot all be served by the app."""


class AssetsNotInstalledError(AssetError):
    """``static/vendor/manifest.json`` is missing or unreadable."""


class UnknownAssetError(AssetError):
    """An element asks for an asset that the manifest does not list."""


class UnsupportedElementError(AssetError):
    """An element loads CDN resources that `localize` cannot redirect."""


@functools.cache
def load_manifest() -> dict[str, str]:
    """Asset name -> URL path under ``/app/static/vendor/``, as written by ``python scripts/install_vendor.py``.

    Cached for the process; ``load_manifest.cache_clear()`` re-reads the file.
    """
    try:
        raw = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssetsNotInstalledError(
            f"{MANIFEST_PATH} does not exist: the vendored JS/CSS are not installed; run `{INSTALL_COMMAND}` "
            "in the repository root (it needs npm)."
        ) from None
    except (OSError, ValueError) as error:
        raise AssetsNotInstalledError(
            f"{MANIFEST_PATH} cannot be read ({error}); run `{INSTALL_COMMAND}` to write it again."
        ) from error
    _check_manifest(raw)
    return dict(raw)


def serve_under(base_url_path: str) -> None:
    """Point the maps' links at the app's static files under Streamlit's ``server.baseUrlPath``
    (``"trygg"`` behind a proxy at ``https://kommun.se/trygg/``; ``""`` at the host's root). The
    app says it at start (app.py, serve.py): a map's scripts are asked for from its frame, whose
    address is under that path, and ``/app/static/...`` from the host's root is not the app's."""
    global _served_under
    parts = [part for part in base_url_path.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise ValueError(f"base_url_path must be a plain path without '.' or '..', got {base_url_path!r}")
    _served_under = "".join(f"/{part}" for part in parts)


def served_url(path: str) -> str:
    """Where the browser asks for the static file at ``path`` (``/app/static/...``), under the base path."""
    return _served_under + path


def _check_manifest(raw: object) -> None:
    if not isinstance(raw, dict):
        raise AssetsNotInstalledError(
            f"{MANIFEST_PATH} must hold a JSON object of asset name -> URL path, got {type(raw).__name__}; "
            f"run `{INSTALL_COMMAND}` to write it again."
        )
    bad = {k: v for k, v in raw.items() if not isinstance(v, str) or not v.startswith(VENDOR_URL_PREFIX)}
    if bad:
        raise AssetsNotInstalledError(
            f"{MANIFEST_PATH} must map names to paths under {VENDOR_URL_PREFIX!r}, got {bad!r}; "
            f"run `{INSTALL_COMMAND}` to write it again."
        )


def asset_path(url: str) -> Path:
    """The file under ``static/`` that Streamlit serves at ``url`` (a path starting with ``/app/static/``)."""
    _check_asset_url(url)
    return STATIC_DIR.joinpath(*url[len(STATIC_URL_PREFIX) + 1 :].split("/"))


def _check_asset_url(url: str) -> None:
    parts = url.split("/")
    if not url.startswith(f"{STATIC_URL_PREFIX}/") or ".." in parts or "" in parts[1:]:
        raise ValueError(
            f"url must be a path under {STATIC_URL_PREFIX + '/'!r} without '..' or empty segments, got {url!r} "
            f"({type(url).__name__})"
        )


def localize(element: _E, *, drop: Collection[str] = ()) -> _E:
    """Point every JS/CSS link in ``element``'s tree at the app's own copy; return ``element``.

    Walks ``element`` and all its ``_children`` (a `folium.plugins.DualMap`'s two maps too). Each
    `folium.elements.JSCSSMixin` instance gets new ``default_js``/``default_css`` lists of ``(name, local_url)``
    from `load_manifest`, without the names in ``drop``; the class attributes stay as they are, so other maps in the
    process keep folium's defaults until they are localized themselves. Each `folium.Map` also gets, as its first
    child, a line that points ``L.Icon.Default.imagePath`` at the vendored Leaflet images. If ``element`` sits in a
    `branca.element.Figure` that was already rendered, the links that render left in its header are removed too
    (the next render writes the local ones).

    Nothing is changed when an error is raised:

    - `UnknownAssetError` when an element needs an asset the manifest does not list (its class, name and CDN URL
      are in the message);
    - `UnsupportedElementError` for a branca ``ColorMap`` (also inside ``folium.Choropleth``) or ``folium.VegaLite``,
      which load d3/vega from CDNs where no name can redirect them;
    - `AssetsNotInstalledError` when the manifest is missing;
    - `ValueError` when ``drop`` names an asset an element of the tree uses (jQuery for a
      `folium.Popup`, the awesome-markers for a `folium.Icon`: see `LIGHT_MAP_DROP`).

    Only call it after the tree is complete: an element added afterwards keeps its CDN links.
    """
    manifest = {name: served_url(url) for name, url in load_manifest().items()}
    dropped = _check_drop(drop, manifest)
    plan: list[tuple[JSCSSMixin, list[tuple[str, str]], list[tuple[str, str]]]] = []
    for node in _walk(element):
        for kind, reason in _UNSUPPORTED.items():
            if isinstance(node, kind):
                raise UnsupportedElementError(f"{type(node).__name__} cannot be served without a CDN: {reason}.")
        needed = _needs(node) & dropped
        if needed:
            raise ValueError(
                f"drop must keep the assets that the map's elements use: {type(node).__name__} needs "
                f"{sorted(needed)!r}; localize this map without dropping them"
            )
        if isinstance(node, JSCSSMixin):
            plan.append(
                (node, _local(node, "default_js", manifest, dropped), _local(node, "default_css", manifest, dropped))
            )
    for node, js, css in plan:
        node.default_js = js
        node.default_css = css
        if isinstance(node, Map) and any(name == "leaflet" for name, _ in js):
            _set_image_path(node, manifest["leaflet"].rsplit("/", 1)[0] + "/images/")
    _purge_rendered_links(element, {name for node, js, css in plan for name, _ in (*js, *css)} | dropped)
    return element


def _check_drop(drop: Collection[str], manifest: dict[str, str]) -> frozenset[str]:
    if isinstance(drop, str) or not all(isinstance(name, str) for name in drop):
        raise ValueError(f"drop must be a collection of asset names (str), got {drop!r} ({type(drop).__name__})")
    unknown = set(drop) - manifest.keys()
    if unknown:
        raise ValueError(
            f"drop must name assets from the manifest {sorted(manifest)!r}, got unknown {sorted(unknown)!r}"
        )
    return frozenset(drop)


def _walk(root: Element) -> Iterator[Element]:
    """Every element under ``root`` (included), depth first, each once."""
    seen: set[int] = set()
    stack: list[Element] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        children = list(getattr(node, "_children", {}).values())
        for attr in ("m1", "m2"):  # folium.plugins.DualMap keeps its maps as attributes
            child = getattr(node, attr, None)
            if isinstance(child, Element):
                children.append(child)
        stack.extend(reversed(children))


def _local(node: JSCSSMixin, attr: str, manifest: dict[str, str], dropped: frozenset[str]) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for name, url in getattr(node, attr):
        if name in dropped:
            continue
        local = manifest.get(name)
        if local is None:
            raise UnknownAssetError(
                f"{type(node).__name__} needs asset {name!r} from {url!r}, which {MANIFEST_PATH} does not list; "
                f"add its npm package to package.json and scripts/install_vendor.py and run `{INSTALL_COMMAND}`, "
                "or do without that element."
            )
        links.append((name, local))
    return links


def _set_image_path(m: Map, image_path: str) -> None:
    existing = [child for child in m._children.values() if isinstance(child, _LeafletImagePath)]
    if existing:
        existing[0].image_path = image_path
        return
    setter = _LeafletImagePath(image_path)
    m.add_child(setter)
    m._children.move_to_end(setter.get_name(), last=False)  # the map's first child: before any marker


def _purge_rendered_links(element: Element, names: set[str] | frozenset[str]) -> None:
    root = element.get_root()
    if not isinstance(root, Figure):
        return
    header = root.header._children
    for name in [n for n, child in header.items() if n in names and isinstance(child, Link)]:
        del header[name]


def external_hosts(html_text: str) -> set[str]:
    """Host names of every http(s) or protocol-relative (``//host/...``) URL that ``html_text`` loads.

    Looks at ``src=`` and ``href=`` attributes, CSS ``url(...)`` and ``@import "..."``; URLs built inside scripts
    (tile templates, fetch calls) are not seen.
    """
    hosts: set[str] = set()
    for pattern in (_ATTR_URL, _CSS_URL, _CSS_IMPORT):
        for match in pattern.finditer(html_text):
            url = html.unescape(next(group for group in match.groups() if group is not None)).strip()
            lowered = url.lower()
            if lowered.startswith(("http://", "https://", "//")):
                host = urlsplit(url if not lowered.startswith("//") else f"https:{url}").hostname
                if host:
                    hosts.add(host)
    return hosts

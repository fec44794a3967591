"""geo.assets: folium's JS/CSS come from static/vendor/, never from a CDN."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import branca.colormap
import folium
import folium.plugins
import pytest
from folium.elements import JSCSSMixin

from geo import assets

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALLER = REPO_ROOT / "scripts" / "install_vendor.py"

FOLIUM_NAMES = {
    "leaflet",
    "jquery",
    "bootstrap",
    "awesome_markers",
    "leaflet_css",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
    "markerclusterjs",
    "markerclustercss",
    "markerclusterdefaultcss",
    "leaflet_draw_js",
    "leaflet_draw_css",
    "leaflet-heat.js",
}
LINK_TAG = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"", re.IGNORECASE)
CSS_RELATIVE_URL = re.compile(r"url\(\s*['\"]?([^'\")]+?)['\"]?\s*\)")


@pytest.fixture(scope="session")
def manifest() -> dict[str, str]:
    """The installed manifest; runs the installer once if it is missing (needs npm)."""
    if not assets.MANIFEST_PATH.is_file():
        result = subprocess.run(
            [sys.executable, str(INSTALLER)], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{INSTALLER} failed:\n{result.stdout}\n{result.stderr}"
    assets.load_manifest.cache_clear()
    return assets.load_manifest()


@pytest.fixture(autouse=True)
def _fresh_manifest_cache() -> Iterator[None]:
    yield
    assets.load_manifest.cache_clear()


def feature_collection() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [13.6, 56.46]},
                "properties": {"name": "Torget"},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[13.59, 56.45], [13.61, 56.45], [13.61, 56.47], [13.59, 56.45]]],
                },
                "properties": {"name": "Parken"},
            },
        ],
    }


def full_map() -> folium.Map:
    """A map with every feature the app may use: GeoJson, popups, tooltips, clustering and drawing."""
    m = folium.Map(tiles=None, location=[56.46, 13.6], zoom_start=12, max_zoom=19)
    folium.GeoJson(
        feature_collection(),
        popup=folium.GeoJsonPopup(fields=["name"]),
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(m)
    folium.CircleMarker([56.46, 13.6], radius=6, popup=folium.Popup("Torget", parse_html=True)).add_to(m)
    cluster = folium.plugins.MarkerCluster().add_to(m)
    for i in range(3):
        folium.Marker([56.46 + i / 1000, 13.6], tooltip=f"m{i}").add_to(cluster)
    folium.plugins.Draw().add_to(m)
    return m


def light_map() -> folium.Map:
    """What the app's maps hold: GeoJson with tooltips and popups of its own script, circle markers."""
    m = folium.Map(tiles=None, location=[56.46, 13.6], zoom_start=12, max_zoom=19)
    folium.GeoJson(feature_collection(), tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    folium.CircleMarker([56.46, 13.6], radius=6, tooltip="Torget").add_to(m)
    return m


def linked_urls(page: str) -> list[str]:
    return LINK_TAG.findall(page)


class NotVendored(JSCSSMixin):
    default_js: ClassVar[list[tuple[str, str]]] = [("not_vendored_lib", "https://cdn.example.org/not-vendored.js")]


class TestLocalize:
    def test_rendered_map_names_no_external_host(self, manifest: dict[str, str]) -> None:
        m = full_map()
        assert assets.external_hosts(m.get_root().render()), "the check must see folium's CDN links"

        assets.localize(m)
        page = m.get_root().render()

        assert assets.external_hosts(page) == set()
        urls = linked_urls(page)
        assert {"leaflet", "markerclusterjs", "leaflet_draw_js"} <= {n for n, u in manifest.items() if u in urls}
        assert all(url.startswith(assets.VENDOR_URL_PREFIX) for url in urls), urls

    def test_issue_22_light_drop_keeps_leaflet_only(self, manifest: dict[str, str]) -> None:
        m = assets.localize(light_map(), drop=assets.LIGHT_MAP_DROP)

        assert [name for name, _ in m.default_js] == ["leaflet"]
        assert [name for name, _ in m.default_css] == ["leaflet_css"]
        page = m.get_root().render()
        assert sorted(linked_urls(page)) == sorted(manifest[n] for n in ("leaflet", "leaflet_css"))
        dropped = {manifest[name] for name in assets.LIGHT_MAP_DROP}
        assert not any(url in page for url in dropped)
        assert "$(" not in page and "jQuery" not in page, "the page's own script must not need jQuery"

    @pytest.mark.parametrize(
        ("add", "needed"),
        [
            (lambda m: folium.CircleMarker([56.46, 13.6], popup=folium.Popup("Torget")).add_to(m), "jquery"),
            (lambda m: folium.Marker([56.46, 13.6], icon=folium.Icon(icon="info-sign")).add_to(m), "bootstrap"),
        ],
    )
    def test_issue_22_refuses_to_drop_what_an_element_uses(
        self, manifest: dict[str, str], add: Any, needed: str
    ) -> None:
        m = light_map()
        add(m)
        before = (list(m.default_js), list(m.default_css))

        with pytest.raises(ValueError, match=f"needs .*'{needed}'"):
            assets.localize(m, drop=assets.LIGHT_MAP_DROP)

        assert (m.default_js, m.default_css) == before
        assets.localize(m)  # without dropping: every asset it uses is served

    def test_class_attributes_are_untouched(self, manifest: dict[str, str]) -> None:
        classes = (folium.Map, folium.plugins.MarkerCluster, folium.plugins.Draw)
        before = {
            cls: (cls.default_js, list(cls.default_js), cls.default_css, list(cls.default_css)) for cls in classes
        }

        light = light_map()
        folium.plugins.MarkerCluster().add_to(light)
        folium.plugins.Draw().add_to(light)
        assets.localize(light, drop=assets.LIGHT_MAP_DROP)

        assets.localize(full_map())

        for cls, (js, js_copy, css, css_copy) in before.items():
            assert cls.default_js is js and cls.default_js == js_copy, cls
            assert cls.default_css is css and cls.default_css == css_copy, cls
            # still folium's own CDN URLs, even after every other test in this run localized maps
            assert all(url.startswith("https://") for _, url in [*cls.default_js, *cls.default_css]), cls
        assert "code.jquery.com" in assets.external_hosts(folium.Map(tiles=None).get_root().render())

    def test_unknown_asset_raises_and_changes_nothing(self, manifest: dict[str, str]) -> None:
        m = full_map()
        NotVendored().add_to(m)

        with pytest.raises(assets.UnknownAssetError, match=r"NotVendored needs asset 'not_vendored_lib' from "):
            assets.localize(m)
        assert "default_js" not in vars(m), "a failed localize must not change the map"

    def test_unknown_asset_message_names_the_cdn_url(self, manifest: dict[str, str]) -> None:
        m = light_map()
        NotVendored().add_to(m)

        with pytest.raises(assets.UnknownAssetError, match=re.escape("https://cdn.example.org/not-vendored.js")):
            assets.localize(m)

    @pytest.mark.parametrize(
        "colormap",
        [branca.colormap.LinearColormap(["red", "blue"]), branca.colormap.StepColormap(["red", "blue"])],
        ids=["linear", "step"],
    )
    def test_colormap_is_refused(self, manifest: dict[str, str], colormap: branca.colormap.ColorMap) -> None:
        m = light_map()
        colormap.add_to(m)

        with pytest.raises(assets.UnsupportedElementError, match=r"Colormap cannot be served without a CDN: st_folium"):
            assets.localize(m)

    @pytest.mark.parametrize(
        ("drop", "match"),
        [
            ("bootstrap", r"drop must be a collection of asset names \(str\), got 'bootstrap' \(str\)"),
            (
                {"bootstrap", "no_such_asset"},
                r"drop must name assets from the manifest .*got unknown \['no_such_asset'\]",
            ),
        ],
    )
    def test_bad_drop_is_refused(self, manifest: dict[str, str], drop: Any, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            assets.localize(light_map(), drop=drop)

    def test_localize_twice_gives_the_same_links(self, manifest: dict[str, str]) -> None:
        m = assets.localize(full_map())
        first = (list(m.default_js), list(m.default_css))

        assets.localize(m)

        assert (m.default_js, m.default_css) == first

    def test_links_from_an_earlier_render_are_replaced(self, manifest: dict[str, str]) -> None:
        m = light_map()
        folium.plugins.MarkerCluster().add_to(m)
        m.get_root().render()  # leaves CDN links in the figure header

        assets.localize(m, drop=assets.LIGHT_MAP_DROP)
        page = m.get_root().render()

        assert assets.external_hosts(page) == set()
        assert manifest["bootstrap"] not in page and manifest["jquery"] not in page

    def test_default_marker_images_point_at_the_vendored_folder(self, manifest: dict[str, str]) -> None:
        m = light_map()
        folium.Marker([56.47, 13.61]).add_to(m)

        assets.localize(assets.localize(m))
        page = m.get_root().render()

        image_dir = manifest["leaflet"].rsplit("/", 1)[0] + "/images/"
        setter = f'L.Icon.Default.imagePath = "{image_dir}";'
        assert page.count(setter) == 1
        assert page.index(setter) < page.index("L.marker(")
        assert (assets.asset_path(image_dir + "marker-icon.png")).is_file()

    @pytest.mark.parametrize(("base", "prefix"), [("trygg", "/trygg"), ("/kommun/trygg/", "/kommun/trygg"), ("", "")])
    def test_under_a_base_path_every_link_and_the_marker_images_point_under_it(
        self, manifest: dict[str, str], base: str, prefix: str
    ) -> None:
        # behind a municipality's proxy at /trygg the map's frame asks for /trygg/app/static/...
        m = light_map()
        folium.Marker([56.47, 13.61]).add_to(m)
        assets.serve_under(base)
        try:
            page = assets.localize(m, drop=assets.LIGHT_MAP_DROP).get_root().render()
        finally:
            assets.serve_under("")
        urls = linked_urls(page)
        assert urls and all(url.startswith(prefix + assets.VENDOR_URL_PREFIX) for url in urls), urls
        assert f'L.Icon.Default.imagePath = "{prefix}{manifest["leaflet"].rsplit("/", 1)[0]}/images/";' in page

    @pytest.mark.parametrize("base", ["..", "trygg/../..", "./x"])
    def test_a_base_path_that_climbs_is_refused(self, base: str) -> None:
        with pytest.raises(ValueError, match="base_url_path"):
            assets.serve_under(base)
        assert assets.served_url("/app/static/x.js") == "/app/static/x.js"

    def test_feature_group_outside_the_map_is_localized(self, manifest: dict[str, str]) -> None:
        group = folium.FeatureGroup(name="reports")
        cluster = folium.plugins.MarkerCluster().add_to(group)

        assert assets.localize(group) is group
        assert cluster.default_js == [("markerclusterjs", manifest["markerclusterjs"])]


class TestStFolium:
    """The links st_folium itself would send to its iframe, taken from the real function."""

    @pytest.fixture
    def component_args(self, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
        import streamlit_folium

        captured: dict[str, Any] = {}

        def fake_component(**kwargs: Any) -> dict[str, Any]:
            captured.update(kwargs)
            return kwargs["default"]

        monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
        captured["st_folium"] = streamlit_folium.st_folium
        return captured

    def test_st_folium_links_are_all_local(self, manifest: dict[str, str], component_args: dict[str, Any]) -> None:
        m = assets.localize(full_map())

        component_args["st_folium"](m, key="map", returned_objects=[])

        links = component_args["js_links"] + component_args["css_links"]
        assert component_args["js_links"] and component_args["css_links"]
        assert [url for url in links if not url.startswith(assets.VENDOR_URL_PREFIX)] == []
        assert set(links) <= set(manifest.values())
        assert assets.external_hosts(component_args["header"] + component_args["html"]) == set()

    def test_st_folium_light_map_with_feature_group(
        self, manifest: dict[str, str], component_args: dict[str, Any]
    ) -> None:
        m = light_map()
        group = folium.FeatureGroup(name="reports")
        folium.plugins.MarkerCluster().add_to(group)
        assets.localize(m, drop=assets.LIGHT_MAP_DROP)
        assets.localize(group, drop=assets.LIGHT_MAP_DROP)

        component_args["st_folium"](m, key="map", feature_group_to_add=group, returned_objects=[])

        assert component_args["js_links"] == [manifest[n] for n in ("leaflet", "markerclusterjs")]
        assert sorted(component_args["css_links"]) == sorted(
            manifest[n] for n in ("leaflet_css", "markerclustercss", "markerclusterdefaultcss")
        )


class TestManifest:
    def test_lists_every_folium_asset(self, manifest: dict[str, str]) -> None:
        assert set(manifest) == FOLIUM_NAMES

    def test_every_file_exists(self, manifest: dict[str, str]) -> None:
        missing = {name: url for name, url in manifest.items() if not assets.asset_path(url).is_file()}
        assert missing == {}

    def test_versioned_folders(self, manifest: dict[str, str]) -> None:
        folder = re.compile(r"^/app/static/vendor/[a-z0-9.-]+-\d+(\.\d+)*/")
        assert [url for url in manifest.values() if not folder.match(url)] == []

    def test_css_relative_urls_resolve(self, manifest: dict[str, str]) -> None:
        """Images and fonts that the stylesheets point at (Leaflet's images/, Font Awesome's webfonts/) exist."""
        broken = []
        for url in manifest.values():
            if not url.endswith(".css"):
                continue
            css = assets.asset_path(url)
            for ref in CSS_RELATIVE_URL.findall(css.read_text(encoding="utf-8")):
                if ref.startswith(("data:", "#")):
                    continue
                target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
                if not target.is_file():
                    broken.append((url, ref))
        assert broken == []

    def test_missing_manifest_says_how_to_install(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setattr(assets, "MANIFEST_PATH", tmp_path / "manifest.json")
        assets.load_manifest.cache_clear()

        with pytest.raises(assets.AssetsNotInstalledError, match=re.escape("run `python scripts/install_vendor.py`")):
            assets.load_manifest()

    def test_manifest_outside_vendor_is_refused(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        path = tmp_path / "manifest.json"
        path.write_text('{"leaflet": "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"}', encoding="utf-8")
        monkeypatch.setattr(assets, "MANIFEST_PATH", path)
        assets.load_manifest.cache_clear()

        with pytest.raises(
            assets.AssetsNotInstalledError, match=r"must map names to paths under '/app/static/vendor/'"
        ):
            assets.load_manifest()

    @pytest.mark.parametrize("url", ["/app/static/../app.py", "https://cdn.example.org/x.js", "/app/static//x.js"])
    def test_asset_path_refuses_paths_outside_static(self, url: str) -> None:
        with pytest.raises(ValueError, match=r"url must be a path under '/app/static/'"):
            assets.asset_path(url)


class TestExternalHosts:
    def test_finds_hosts_in_attributes_and_css(self) -> None:
        page = """
            <script src="https://cdn.jsdelivr.net/npm/leaflet.js"></script>
            <link rel='stylesheet' href='http://netdna.bootstrapcdn.com/x.css'>
            <img src=//protocol.relative.example/x.png>
            <style>@import "https://fonts.googleapis.com/css"; .a { background: url("https://img.example.com/a.png") }
            .b { background: url(images/local.png) }</style>
            <a href="/app/static/vendor/leaflet-1.9.4/leaflet.js">local</a>
            <script>var s = "https://not.loaded.example/x";</script>
        """

        assert assets.external_hosts(page) == {
            "cdn.jsdelivr.net",
            "netdna.bootstrapcdn.com",
            "protocol.relative.example",
            "fonts.googleapis.com",
            "img.example.com",
        }

    def test_local_page_has_none(self) -> None:
        assert assets.external_hosts('<script src="/app/static/vendor/jquery-3.7.1/jquery.min.js"></script>') == set()

#!/usr/bin/env python3
"""Install the browser assets folium needs into ``static/vendor/`` so no page loads them from a CDN.

Usage (from anywhere)::

    python scripts/install_vendor.py

Steps:

1. ``npm ci --no-audit --no-fund --ignore-scripts`` in the repository root, but only when ``node_modules/`` is
   missing or was installed from another ``package.json``/``package-lock.json`` (a stamp file records their hash).
2. Copy exactly the files the pages load (plus the images and fonts their CSS points at with relative URLs) into
   ``static/vendor/<package>-<version>/``; a file already identical in size and mtime is left alone, and anything
   else under ``static/vendor/`` is removed.
   folium's leaflet-heat (``folium.plugins.HeatMap``) comes from the folium package pinned in requirements.txt, not
   npm: npm's leaflet.heat 0.2.0 lacks the weights patch (Leaflet.heat PR 78) that folium's copy carries and its
   HeatMap relies on (the largest intensity computed in the browser).
3. Write ``static/vendor/manifest.json``: folium's asset name -> URL path under ``/app/static/vendor/``
   (Streamlit serves ``static/X`` at ``/app/static/X`` when ``server.enableStaticServing`` is on).

Stdlib only. Exits 1 with one sentence on stderr when npm or a copy fails.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = ROOT / "static" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"
URL_PREFIX = "/app/static/vendor"
STAMP = NODE_MODULES / ".install_vendor.stamp"
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"]


@dataclass(frozen=True)
class Package:
    """One npm package: the files copied from it and the asset names they serve.

    ``copy`` maps a path inside the package (a file, or a folder copied whole) to a path inside the versioned vendor
    folder. ``assets`` maps folium's asset name to a path inside the vendor folder.
    """

    npm_name: str
    copy: dict[str, str]
    assets: dict[str, str]

    @property
    def folder_stem(self) -> str:
        """Folder name without the version: the npm name without its scope."""
        return self.npm_name.rsplit("/", 1)[-1]


PACKAGES: tuple[Package, ...] = (
    Package(
        "leaflet",
        copy={"dist/leaflet.js": "leaflet.js", "dist/leaflet.css": "leaflet.css", "dist/images": "images"},
        assets={"leaflet": "leaflet.js", "leaflet_css": "leaflet.css"},
    ),
    Package("jquery", copy={"dist/jquery.min.js": "jquery.min.js"}, assets={"jquery": "jquery.min.js"}),
    Package(
        "bootstrap",
        copy={
            "dist/js/bootstrap.bundle.min.js": "js/bootstrap.bundle.min.js",
            "dist/css/bootstrap.min.css": "css/bootstrap.min.css",
        },
        assets={"bootstrap": "js/bootstrap.bundle.min.js", "bootstrap_css": "css/bootstrap.min.css"},
    ),
    # Bootstrap 3's glyphicons as a stand-alone stylesheet (folium loads the old netdna bootstrap-glyphicons.css);
    # its fonts are byte-identical to Bootstrap 3.4.1's dist/fonts.
    Package(
        "@neos21/bootstrap3-glyphicons",
        copy={"dist/css/bootstrap3-glyphicons.min.css": "css/bootstrap3-glyphicons.min.css", "dist/fonts": "fonts"},
        assets={"glyphicons_css": "css/bootstrap3-glyphicons.min.css"},
    ),
    Package(
        "@fortawesome/fontawesome-free",
        copy={"css/all.min.css": "css/all.min.css", "webfonts": "webfonts"},
        assets={"awesome_markers_font_css": "css/all.min.css"},
    ),
    # npm has no 2.0.2 (the version folium takes from cdnjs); 2.0.5's JavaScript is identical and its CSS adds
    # square markers to a taller sprite that ships alongside.
    Package(
        "leaflet.awesome-markers",
        copy={
            "dist/leaflet.awesome-markers.js": "leaflet.awesome-markers.js",
            "dist/leaflet.awesome-markers.css": "leaflet.awesome-markers.css",
            "dist/images": "images",
        },
        assets={"awesome_markers": "leaflet.awesome-markers.js", "awesome_markers_css": "leaflet.awesome-markers.css"},
    ),
    Package(
        "leaflet.markercluster",
        copy={
            "dist/leaflet.markercluster.js": "leaflet.markercluster.js",
            "dist/MarkerCluster.css": "MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
        },
        assets={
            "markerclusterjs": "leaflet.markercluster.js",
            "markerclustercss": "MarkerCluster.css",
            "markerclusterdefaultcss": "MarkerCluster.Default.css",
        },
    ),
    Package(
        "leaflet-draw",
        copy={
            "dist/leaflet.draw.js": "leaflet.draw.js",
            "dist/leaflet.draw.css": "leaflet.draw.css",
            "dist/images": "images",
        },
        assets={"leaflet_draw_js": "leaflet.draw.js", "leaflet_draw_css": "leaflet.draw.css"},
    ),
)

# folium's Icon(angle=N) adds the class "fa-rotate-N", styled by leaflet.awesome.rotate.min.css, which folium loads
# from its own GitHub repository; neither folium's wheel nor npm ships it, so it is generated here.
# Bump ROTATE_VERSION whenever _rotate_css() changes so browsers do not keep a cached old copy.
ROTATE_VERSION = "1"
ROTATE_FOLDER = f"awesome-rotate-{ROTATE_VERSION}"
ROTATE_FILE = "leaflet.awesome.rotate.min.css"
ROTATE_ASSET = "awesome_rotate_css"


# folium ships the leaflet-heat it loads from jsDelivr (folium/templates/leaflet_heat.min.js, with the weights patch
# of Leaflet.heat PR 78); it is copied from the installed folium (requirements.txt pins it) into a folder named after
# folium's version.
HEAT_ASSET = "leaflet-heat.js"
HEAT_SOURCE = ("templates", "leaflet_heat.min.js")
HEAT_FILE = "leaflet-heat.js"


class InstallError(Exception):
    """A step failed; the message is the one sentence shown to the user."""


def _rotate_css() -> str:
    rules = (f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(-360, 361) if n)
    return "/* generated by scripts/install_vendor.py for folium Icon(angle=...) */\n" + "\n".join(rules) + "\n"


def _folium_heat() -> tuple[Path, str]:
    """The leaflet-heat file of the installed folium and folium's version (without importing folium)."""
    spec = importlib.util.find_spec("folium")
    if spec is None or not spec.submodule_search_locations:
        raise InstallError(
            "folium is not installed in this Python; run this script with the project's .venv/bin/python "
            "after `pip install -r requirements.txt`."
        )
    source = Path(next(iter(spec.submodule_search_locations))).joinpath(*HEAT_SOURCE)
    if not source.is_file():
        raise InstallError(f"{source} is missing from the installed folium, so leaflet-heat cannot be vendored.")
    return source, importlib.metadata.version("folium")


def _lock_hash() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        path = ROOT / name
        if not path.is_file():
            raise InstallError(f"{path} is missing, so the vendor packages cannot be installed.")
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _pinned_versions() -> dict[str, str]:
    deps: dict[str, str] = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    loose = {name: spec for name, spec in deps.items() if not spec[:1].isdigit()}
    if loose:
        raise InstallError(f"package.json must pin exact versions, but these are ranges: {loose!r}.")
    return deps


def _installed_version(npm_name: str) -> str | None:
    path = NODE_MODULES / npm_name / "package.json"
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_node_modules(pins: dict[str, str], *, force: bool = False) -> bool:
    """Run ``npm ci`` unless node_modules already matches package.json and package-lock.json; True if it ran."""
    wanted = _lock_hash()
    fresh = (
        not force
        and STAMP.is_file()
        and STAMP.read_text(encoding="utf-8").strip() == wanted
        and all(_installed_version(name) == version for name, version in pins.items())
    )
    if fresh:
        return False
    if shutil.which("npm") is None:
        raise InstallError("npm was not found on PATH; install Node.js (with npm) and run this script again.")
    print(f"install_vendor: running {' '.join(NPM_CI)} in {ROOT}", file=sys.stderr)
    result = subprocess.run(NPM_CI, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout)
        raise InstallError(f"'{' '.join(NPM_CI)}' failed with exit code {result.returncode} (its output is above).")
    STAMP.write_text(wanted + "\n", encoding="utf-8")
    return True


def _same_file(src: Path, dst: Path) -> bool:
    try:
        a, b = src.stat(), dst.stat()
    except FileNotFoundError:
        return False
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def _copy_file(src: Path, dst: Path, keep: set[Path]) -> None:
    keep.add(dst)
    if _same_file(src, dst):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copy2(src, tmp)
    tmp.replace(dst)  # a running server never sees a half-written file


def _write_text(dst: Path, text: str, keep: set[Path]) -> None:
    keep.add(dst)
    if dst.is_file() and dst.read_text(encoding="utf-8") == text:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dst)


def _remove_unlisted(keep: set[Path]) -> None:
    keep_dirs = {parent for path in keep for parent in path.parents}
    for path in sorted(VENDOR_DIR.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path in keep or path in keep_dirs:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def copy_assets(pins: dict[str, str]) -> dict[str, str]:
    """Copy every package's files into its versioned folder and return the manifest (asset name -> URL path)."""
    manifest: dict[str, str] = {}
    keep: set[Path] = {MANIFEST}
    for package in PACKAGES:
        pinned = pins.get(package.npm_name)
        installed = _installed_version(package.npm_name)
        if pinned is None:
            raise InstallError(
                f"package.json does not list {package.npm_name!r}, which scripts/install_vendor.py copies."
            )
        if installed != pinned:
            raise InstallError(f"node_modules has {package.npm_name} {installed!r} but package.json pins {pinned!r}.")
        folder = f"{package.folder_stem}-{installed}"
        source_root = NODE_MODULES / package.npm_name
        for src_rel, dst_rel in package.copy.items():
            src = source_root / src_rel
            dst = VENDOR_DIR / folder / dst_rel
            if src.is_dir():
                files = [p for p in sorted(src.rglob("*")) if p.is_file()]
                if not files:
                    raise InstallError(f"{src} is empty, so {package.npm_name} cannot be vendored.")
                for file in files:
                    _copy_file(file, dst / file.relative_to(src), keep)
            elif src.is_file():
                _copy_file(src, dst, keep)
            else:
                raise InstallError(f"{src} is missing from {package.npm_name} {installed}.")
        for name, rel in package.assets.items():
            manifest[name] = f"{URL_PREFIX}/{folder}/{rel}"
    _write_text(VENDOR_DIR / ROTATE_FOLDER / ROTATE_FILE, _rotate_css(), keep)
    manifest[ROTATE_ASSET] = f"{URL_PREFIX}/{ROTATE_FOLDER}/{ROTATE_FILE}"
    heat_source, folium_version = _folium_heat()
    heat_folder = f"leaflet-heat-folium-{folium_version}"
    _copy_file(heat_source, VENDOR_DIR / heat_folder / HEAT_FILE, keep)
    manifest[HEAT_ASSET] = f"{URL_PREFIX}/{heat_folder}/{HEAT_FILE}"
    _write_text(MANIFEST, json.dumps(dict(sorted(manifest.items())), indent=2) + "\n", keep)
    _remove_unlisted(keep)
    MANIFEST.touch()  # newer than package.json and this script, so `make` sees the install as done
    return manifest


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args != ["--force"]:
        print("usage: python scripts/install_vendor.py [--force]", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        VENDOR_DIR.mkdir(parents=True, exist_ok=True)
        pins = _pinned_versions()
        ran_npm = ensure_node_modules(pins, force=args == ["--force"])
        manifest = copy_assets(pins)
    except InstallError as error:
        print(f"install_vendor: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"install_vendor: could not write the vendor files ({error}).", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    npm_note = "ran npm ci" if ran_npm else "node_modules up to date"
    print(f"install_vendor: {len(manifest)} assets in {MANIFEST.relative_to(ROOT)} ({npm_note}, {took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Issue 17: ``python -m geo setup`` sets a deployment up from a boundary file, on SQLite and
PostGIS; bad input gets one sentence in the user's language, exit 1, never a traceback, and
nothing is written."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.auth import authenticate
from geo.categories import DEFAULT_CATEGORIES
from geo.cli import main
from geo.municipality import current
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
LERUM_3006 = shapely.box(330_000, 6_405_000, 352_000, 6_428_000)
"""A made-up boundary around Lerum, SWEREF 99 TM (EPSG:3006) metres."""


def boundary_file(folder: Path, name: str = "lerum.gpkg", crs: str | None = "EPSG:3006") -> Path:
    path = folder / name
    frame = gpd.GeoDataFrame({"namn": ["Lerum"]}, geometry=[LERUM_3006], crs=crs)
    frame.to_file(path, driver="ESRI Shapefile" if name.endswith(".shp") else "GPKG")
    return path


def setup(
    url: str, *args: str, stdin: str = "", capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--database", url, "setup", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_issue_17_setup_from_a_sweref99tm_file_with_the_first_admin(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    path = boundary_file(tmp_path)
    code, out, err = setup(
        database_url,
        *("--name", "Lerums kommun", "--boundary", str(path), "--admin", "admin.lerum", "--password-stdin"),
        *("--privacy-contact", "dataskydd@lerum.se", "--title-en", "Safe Lerum"),
        stdin="ett långt lösenord\n",
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert "Lerums kommun is set up: the map opens at 57.8" in out and "at zoom 10" in out
    assert "Created the admin admin.lerum" in out and f"Added {len(DEFAULT_CATEGORIES)} default categories" in out
    store = Store.open(database_url)
    town = current(store)
    assert town is not None and town.name == "Lerums kommun"
    assert town.text("privacy_contact", "ar") == "dataskydd@lerum.se" and town.title("en") == "Safe Lerum"
    assert 12.1 < town.center[1] < 12.5 and 57.7 < town.center[0] < 58.0
    assert authenticate(store, "admin.lerum", "ett långt lösenord") is not None
    assert store.count_reports() == 0 and not store.zones(), "no demo"
    store.close()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "error: Filen {dir}/finns-inte.gpkg finns inte."),
        ("csv", "error: Filen gräns.csv kan inte användas som gräns. Tillåtna filer: .gpkg, .geojson, .json, .zip"),
        ("no_crs", "error: Filen utan.shp anger inget koordinatsystem. Ange det med --crs"),
        ("bad_crs", "error: "),
        ("broken", "error: Filen trasig.gpkg kan inte läsas"),
        ("points", "error: Inget sparades: 1 objekt i filen har problem."),
        ("empty_name", "error: Skriv kommunens namn."),
        ("short_password", "error: "),
    ],
)
def test_issue_17_setup_refuses_bad_input_in_one_sentence_and_writes_nothing(
    case: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    good = str(boundary_file(tmp_path))
    args = {"name": "Lerums kommun", "boundary": good}
    extra: list[str] = []
    stdin = ""
    if case == "missing":
        args["boundary"] = str(tmp_path / "finns-inte.gpkg")
    elif case == "csv":
        (tmp_path / "gräns.csv").write_text("x;y\n1;2\n")
        args["boundary"] = str(tmp_path / "gräns.csv")
    elif case == "no_crs":
        args["boundary"] = str(boundary_file(tmp_path, "utan.shp", crs=None))
    elif case == "bad_crs":
        args["boundary"] = str(boundary_file(tmp_path, "utan.shp", crs=None))
        extra = ["--crs", "inte-ett-crs"]
    elif case == "broken":
        (tmp_path / "trasig.gpkg").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
        args["boundary"] = str(tmp_path / "trasig.gpkg")
    elif case == "points":
        points = gpd.GeoDataFrame(geometry=[shapely.Point(340_000, 6_410_000)], crs="EPSG:3006")
        points.to_file(tmp_path / "punkt.gpkg", driver="GPKG")
        args["boundary"] = str(tmp_path / "punkt.gpkg")
    elif case == "empty_name":
        args["name"] = "   "
    elif case == "short_password":
        extra = ["--admin", "admin", "--password-stdin"]
        stdin = "kort\n"
    code, out, err = setup(
        url, "--name", args["name"], "--boundary", args["boundary"], *extra,
        stdin=stdin, capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 1, out
    assert err.startswith(message.format(dir=tmp_path)), err
    assert "Traceback" not in err and err.count("\n") <= 3
    store = Store.open(url)
    assert current(store) is None and not store.categories() and not store.has_admin(), "nothing written"
    store.close()


def test_issue_17_python_m_geo_setup_runs_as_the_readme_says(tmp_path: Path) -> None:
    path = boundary_file(tmp_path, "kommun.shp")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "--database", url, "setup", "--name", "Lerums kommun", "--boundary", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Lerums kommun är uppsatt" in done.stdout
    assert "Ingen administratör finns än" in done.stdout, "the next step is said"

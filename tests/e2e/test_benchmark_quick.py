"""The benchmark machinery at small sizes: every page is measured and every target reported (not timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_prints_every_row_and_target(tmp_path: Path) -> None:
    output = tmp_path / "bench.md"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "bench", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert output.read_text(encoding="utf-8").strip() == table.strip()
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    rows = {tuple(cell.strip() for cell in line.split("|")[1:3]) for line in lines}
    wanted = [("floor", "1"), ("a", "200"), ("peer", "200"), ("peer", "1,000"), ("ours", "300"), ("ours", "1,000")]
    for expected in wanted:
        assert expected in rows, (expected, table)
    targets = ["peer 1,000 / ours 1,000", "ours 1,000 / floor", "websocket per view", "loop / join", "app RSS"]
    targets += ["feature click to details / rerun", "filter click to map / rerun", "layer toggle to map / rerun"]
    targets += ["Statistik after a filter change / rerun", "lägesbild PDF of the municipality"]
    targets += ["HTTP API layers first page", "HTTP API layers village bbox", "HTTP API open311 first page"]
    for target in targets:
        assert any(line.startswith(f"| {target}") for line in table.splitlines()), (target, table)
    raw = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    ours = [row for row in raw["rows"] if row["name"] == "ours"]
    assert all(row["ws_bytes"] > 0 and row["repeat_s"] > 0 for row in ours)
    assert raw["extra"]["join_s"] > 0 and raw["extra"]["rss_mb"] > 0
    assert all(raw["extra"][f"{name}_ratio"] > 0 for name in ("feature_click", "filter_click", "layer_toggle"))
    assert raw["extra"]["open_now_near_me_ratio"] > 0  # Mötesplatser, 1,000 places (#19)
    # Statistik and the finder against their floors (the same elements from fixed data), in rounds
    assert raw["extra"]["statistics_floor_s"] > 0 and raw["extra"]["places_floor_s"] > 0
    assert any(line.startswith("Statistik after a filter change, in rounds: ours") for line in table.splitlines())
    assert any(line.startswith("open now near me, in rounds: ours") for line in table.splitlines())
    assert raw["extra"]["api_first_page_1000"] > 0 and raw["extra"]["api_next_page_300"] > 0

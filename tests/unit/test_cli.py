from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from geo.auth import authenticate
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_seed_demo_and_users_add(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    seeded = run("--database", url, "seed-demo", "--reports", "120")
    assert seeded.returncode == 0, seeded.stderr
    assert "reports=120" in seeded.stdout
    added = run("--database", url, "users", "add", "polis.erik", "--role", "police", "--password-stdin", stdin="x" * 12)
    assert added.returncode == 0, added.stderr
    assert authenticate(Store.open(url), "polis.erik", "x" * 12) is not None


def test_issue_15_seed_demo_day_reproduces_a_days_demo(tmp_path: Path) -> None:
    frames = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        seeded = run("--database", url, "seed-demo", "--reports", "50", "--day", "2027-06-10")
        assert seeded.returncode == 0, seeded.stderr
        frames.append(Store.open(url).reports_frame(columns=["created_at", "lon"]).sort_values("created_at"))
    assert frames[0].reset_index(drop=True).equals(frames[1].reset_index(drop=True))
    assert str(frames[0]["created_at"].max()) < "2027-06-10"
    wrong = run("--database", f"sqlite:///{tmp_path / 'c.db'}", "seed-demo", "--day", "igår")
    assert wrong.returncode == 2 and "--day" in wrong.stderr


def test_errors_are_one_sentence_and_exit_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    short = run("--database", url, "users", "add", "anna", "--role", "team", "--password-stdin", stdin="kort")
    assert short.returncode == 1
    assert short.stderr.startswith("error: password must have at least 10 characters")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    failed = run("--database", f"sqlite:///{broken}", "seed-demo", "--reports", "1")
    assert failed.returncode == 1
    assert "error: the database cannot be used (corrupt)" in failed.stderr
    assert "Traceback" not in failed.stderr

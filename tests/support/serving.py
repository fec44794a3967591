"""A real ``streamlit run`` on a free localhost port, for the tests and the benchmarks.

Standard library only. The library (`geo/`) never imports this; the benchmarks
(`benchmarks/run.py`) start their pages with it, as the tests do.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which `make test` installs."""
CHROMIUM_ARGS = [  # headless and cut off: no host resolves but localhost, so a CDN link fails
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


def start_streamlit(script: Path, cwd: Path, env: dict[str, str], log: Path, *, timeout_s: float = 90) -> Server:
    """``streamlit run script`` in ``cwd`` with ``env`` on top of this process's
    environment, output to ``log``; returns once its health check answers."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    base = env.get("STREAMLIT_SERVER_BASE_URL_PATH", "").strip("/")  # served under a base path: its health is there
    health = f"{url}/{base}/_stcore/health" if base else f"{url}/_stcore/health"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.status == 200:
                    return Server(url, process)
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"streamlit did not start: {log.read_text()}")


def stop(server: Server, *, timeout_s: float = 15) -> None:
    """Ask the server to end, and kill it if it has not within ``timeout_s``."""
    server.process.terminate()
    try:
        server.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.process.kill()

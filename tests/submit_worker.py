"""One of the processes of the concurrency test: submits reports through `geo.reporting.submit`.

``python -m tests.submit_worker URL COUNT GO_FILE``: opens the store like the app, prints
``ready``, waits until ``GO_FILE`` exists (the test creates it once every process is
ready, so that all start writing at once), submits ``COUNT`` reports and prints one JSON
line: the reference codes, any errors, and when writing began and ended (epoch seconds).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from geo.reporting import ReportDraft, submit
from geo.store import Store


def main(url: str, count: int, go_file: Path) -> None:
    store = Store.open(url)
    codes: list[str] = []
    errors: list[str] = []
    print("ready", flush=True)
    while not go_file.exists():
        time.sleep(0.005)
    began = time.time()
    for i in range(count):
        draft = ReportDraft(
            lon=13.59 + (i % 100) / 5000,
            lat=56.45 + (i // 100) / 5000,
            category="dalig_belysning",
            feeling="otrygg",
            time_of_day="kvall",
            text=f"rapport {i}",
            email=f"boende{i}@example.org",
            email_consent=i % 4 == 0,
        )
        try:
            codes.append(submit(store, draft).ref_code)
        except Exception as error:  # every failure counts, whatever its type
            errors.append(f"{type(error).__name__}: {error}")
    ended = time.time()
    store.close()
    print(json.dumps({"codes": codes, "errors": errors, "began": began, "ended": ended}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))

"""Locust users for ``bench/load.py``: each visits the load test's URLs in turn.

The URLs come from the JSON file named by ``BENCH_TARGETS_FILE`` (written by
``bench.load.run_locust`` from ``discover_targets``); every user starts at a random
place in the list and walks it round and round, so every URL is asked for about as
often. ``BENCH_THINK_SECONDS`` is a user's mean pause between two requests (0: none);
``BENCH_TOKEN`` the API token every user signs in with.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, constant, task

TARGETS: list[dict[str, str]] = json.loads(
    Path(os.environ["BENCH_TARGETS_FILE"]).read_text(encoding="utf-8")
)
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "1"))
TIMEOUT = float(os.environ.get("BENCH_REQUEST_TIMEOUT", "120"))
TOKEN = os.environ.get("BENCH_TOKEN", "")


class Visitor(HttpUser):
    """Someone using the app: one page or API call, a pause, the next."""

    wait_time = between(THINK / 2, THINK * 3 / 2) if THINK > 0 else constant(0)

    def on_start(self) -> None:
        self.position = random.randrange(len(TARGETS))
        if TOKEN:
            self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    @task
    def visit(self) -> None:
        target = TARGETS[self.position % len(TARGETS)]
        self.position += 1
        self.client.get(target["path"], name=target["name"], timeout=TIMEOUT)

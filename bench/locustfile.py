"""Locust users for ``bench/load.py``: each visits the load test's URLs in turn.

The URLs come from the JSON file named by ``BENCH_TARGETS_FILE`` (written by
``bench.load.run_locust`` from ``discover_targets``); every user starts at a random
place in the list and walks it round and round, so every URL is asked for about as
often. ``BENCH_THINK_SECONDS`` is a user's mean pause between two requests (0: none);
``BENCH_TOKEN`` the API token every user signs in with.

The users are ``FastHttpUser`` (Locust's geventhttpclient client, several times cheaper
per request than its ``requests`` one): the load test runs on the server's own cores,
and what the load tool spends there is taken from the server it measures.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, constant, task

TARGETS: list[dict[str, str]] = json.loads(
    Path(os.environ["BENCH_TARGETS_FILE"]).read_text(encoding="utf-8")
)
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "1"))
TIMEOUT = float(os.environ.get("BENCH_REQUEST_TIMEOUT", "120"))
TOKEN = os.environ.get("BENCH_TOKEN", "")


class Visitor(FastHttpUser):
    """Someone using the app: one page or API call, a pause, the next."""

    wait_time = between(THINK / 2, THINK * 3 / 2) if THINK > 0 else constant(0)
    network_timeout = TIMEOUT
    connection_timeout = TIMEOUT
    default_headers = {"Authorization": f"Bearer {TOKEN}"} if TOKEN else None

    def on_start(self) -> None:
        self.position = random.randrange(len(TARGETS))

    @task
    def visit(self) -> None:
        target = TARGETS[self.position % len(TARGETS)]
        self.position += 1
        self.client.get(target["path"], name=target["name"])

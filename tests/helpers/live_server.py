"""Where the browser tests' live server answers (see ``tests/e2e/conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LiveServer:
    url: str
    database_url: str

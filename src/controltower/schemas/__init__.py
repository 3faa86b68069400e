"""JSON Schemas of the documents Control Tower prints, shipped with the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCAN_SCHEMA_FILE = "scan.schema.json"


def load_scan_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the ``scan --json`` document."""
    text = resources.files(__package__).joinpath(SCAN_SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema

"""``python -m bench.stored --crisis-json-only``: the two ``scan --json`` alone.

The crisis day's stateless scan is judged against the normal business's, so the run
takes turns between them and measures nothing else, and keeps its report and raw
numbers apart from a full run's. The commands run for real, on a small business.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from controltower.connectors.dataset import write_dataset
from controltower.demo import generate_business
from controltower.demo.sizes import size_named

# ``bench`` is a top-level folder of the project, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench import stored


def test_only_the_two_json_scans_run_taking_turns_and_are_reported_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = {}
    for scenario, seed in (("normal", 3), ("crisis", 4)):
        folder = tmp_path / scenario
        business = generate_business(size_named("small"), seed=seed, as_of=date(2026, 11, 25))
        write_dataset(business, folder)
        folders[scenario] = folder
    monkeypatch.setattr(stored, "DATA", tmp_path / "data")
    monkeypatch.setattr(stored, "dataset_folder", lambda _n, scenario: folders[scenario])
    scanned: list[str] = []
    real_scan = stored.scan_json

    def scan_json(csv: Path, scratch: Path) -> dict[str, object]:
        scanned.append(csv.name)
        return real_scan(csv, scratch)

    monkeypatch.setattr(stored, "scan_json", scan_json)
    assert stored.main(["--crisis-json-only", "--runs", "2", "--size", "1k"]) == 0
    assert scanned == ["normal", "crisis", "normal", "crisis"]
    raw = json.loads((tmp_path / "data" / "stored-crisis-json-1k.json").read_text("utf-8"))
    assert raw["json_scan"]["n"] == 2
    assert raw["crisis"]["json_scan"]["n"] == 2
    assert raw["crisis"]["json_megabytes"] > 0
    assert raw["stored"] == {}
    assert not (tmp_path / "data" / "stored-1k.json").exists()
    text = (tmp_path / "data" / "stored-crisis-json-1k.md").read_text("utf-8")
    assert "| `scan --json` |" in text
    assert "crisis `scan --json`: <= 3x the normal business" in text

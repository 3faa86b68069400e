"""The sections several benchmarks write into ``docs/benchmarks.md``: each rerun replaces
its own section and keeps every other, and the large demo's report says what it timed."""

from __future__ import annotations

import sys
from pathlib import Path

# ``bench`` is a top-level folder of the project, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench import demo_first_page, sections, stored

DOC = (
    "# Benchmarks\n\nengine numbers\n\n"
    f"{stored.BEGIN}\n## The stored path\nstored numbers\n{stored.END}\n\n"
    "## Odoo sync\n\nodoo v1\n\n"
    "## Concurrency\n\nconcurrency numbers\n"
)


def test_a_section_is_replaced_in_place_and_the_others_are_kept() -> None:
    spliced = sections.splice(DOC, "## Odoo sync", "## Odoo sync\n\nodoo v2\n")
    assert "odoo v1" not in spliced
    assert spliced.count("## Odoo sync") == 1
    before, after = spliced.split("odoo v2\n")
    assert "stored numbers" in before
    assert "engine numbers" in before
    assert after.strip() == "## Concurrency\n\nconcurrency numbers"


def test_a_section_not_there_yet_is_appended_after_everything() -> None:
    spliced = sections.splice(DOC, "## New", "## New\n\nnew numbers\n")
    assert spliced.startswith(DOC.rstrip("\n"))
    assert spliced.endswith("\n\n## New\n\nnew numbers\n")
    assert sections.splice(spliced, "## New", "## New\n\nagain\n").count("## New") == 1


def test_the_last_section_is_replaced_up_to_the_end() -> None:
    spliced = sections.splice(DOC, "## Concurrency", "## Concurrency\n\nv2\n")
    assert spliced.endswith("## Concurrency\n\nv2\n")
    assert "concurrency numbers" not in spliced


def _run(overview: float) -> dict[str, object]:
    return {
        "generation": 20.0,
        "loaded": 12.0,
        "scanned": 40.0,
        "sign_in_page": overview - 1.0,
        "overview": overview,
        "scan_line": "Scan run 1 as of 2026-11-25: 3 open orders",
    }


def test_the_demo_report_counts_from_the_generation_and_judges_the_median() -> None:
    results = {
        "generated": "2026-12-06 22:00",
        "arguments": "(defaults)",
        "size": "large",
        "runs": 3,
        "machine": {
            "cpu": "a CPU",
            "cores": 2,
            "python": "3.11",
            "sqlite": "3",
            "postgresql": "15",
        },
        "load_before": "0.50",
        "load_after": "0.70",
        "backends": {
            "sqlite": [_run(50.0), _run(58.0), _run(90.0)],
            "postgresql": [_run(61.0), _run(70.0), _run(40.0)],
        },
    }
    text = demo_first_page.render(results)
    assert text.startswith(demo_first_page.SECTION + "\n")
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert "58.0 s (50.0 s – 90.0 s)" in rows["| sqlite"]
    assert rows["| sqlite"].endswith("| **met** |")
    assert "61.0 s (40.0 s – 70.0 s)" in rows["| postgresql"]
    assert rows["| postgresql"].endswith("| **missed** |")
    assert "- sqlite: **met**" in text
    assert "- postgresql: **missed**" in text

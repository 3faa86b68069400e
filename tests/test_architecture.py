"""The contracts in pyproject.toml hold: the core never imports the edges, and the
product never imports the test oracle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "controltower"


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The product never imports the test oracle KEPT" in result.stdout
    assert "Contracts: 3 kept, 0 broken" in result.stdout


def test_the_product_does_not_even_name_the_oracle() -> None:
    """Not in a lazy import, a string or a docstring either: the product ships without
    relying on the oracle in any way."""
    naming = [
        str(path.relative_to(ROOT))
        for path in sorted(SOURCE.rglob("*"))
        if path.is_file()
        and path.suffix in {".py", ".html", ".toml", ".json", ".ini", ".mako"}
        and "controltower_oracle" in path.read_text("utf-8")
    ]
    assert naming == []

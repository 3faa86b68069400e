"""``make lock``: write ``constraints.txt``, the exact release and SHA-256 of every dependency.

The pins are the releases installed in the virtual environment (``pip freeze``); pip
then resolves ``-e .[dev,bench]`` against them without installing anything
(``--dry-run --ignore-installed --report``), which keeps only what the runtime, dev and
bench extras need and names the file each release would be installed from, with its
hash. ``make`` installs with ``-c constraints.txt``: the same releases everywhere, and a
file whose hash differs is refused.

The hashes are of the files pip chooses on this kind of machine (CPython 3.11, Linux
x86_64, the configured package index); elsewhere ``make LOCK=`` installs without the
lock.

Usage: ``python .ci/lock.py [OUTPUT]`` with the virtual environment's Python, after
changing a dependency in ``pyproject.toml`` and installing it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADER = """\
# The exact release and SHA-256 of every runtime, dev and bench dependency.
# Written by `make lock` (.ci/lock.py) from the virtual environment; do not edit by hand.
# `make` installs with `pip install -c constraints.txt -e '.[dev,bench]'`; CI too.
# Hashes are of the files pip picks for CPython 3.11 on Linux x86_64.
"""


def pip(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=True
    ).stdout


def resolved(pins: str, project: Path) -> list[dict[str, Any]]:
    """What pip would install for the project with its extras, held to ``pins``."""
    with tempfile.TemporaryDirectory() as scratch:
        pins_file = Path(scratch) / "pins.txt"
        pins_file.write_text(pins, encoding="utf-8")
        report = Path(scratch) / "report.json"
        pip(
            "install",
            "--quiet",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            "--constraint",
            str(pins_file),
            "--editable",
            f"{project}[dev,bench]",
        )
        install: list[dict[str, Any]] = json.loads(report.read_text(encoding="utf-8"))["install"]
        return install


def lock_lines(install: list[dict[str, Any]]) -> list[str]:
    """One ``name==version --hash=sha256:...`` entry per release, by name; not the project."""
    entries = []
    for item in install:
        archive = item["download_info"].get("archive_info")
        if archive is None:
            continue  # the editable project itself
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        digest = archive["hashes"]["sha256"]
        entries.append((name.lower(), f"{name}=={version} \\\n    --hash=sha256:{digest}"))
    return [entry for _, entry in sorted(entries)]


def main(argv: Sequence[str]) -> int:
    output = Path(argv[0]) if argv else Path("constraints.txt")
    project = Path(__file__).resolve().parents[1]
    pins = pip("freeze", "--all", "--exclude-editable")
    lines = lock_lines(resolved(pins, project))
    output.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{output}: {len(lines)} releases locked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

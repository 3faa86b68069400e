"""Installs are reproducible and audited: the lock file covers every dependency, the
Makefile (and so CI) installs through it, and ``make audit`` fails on a known
vulnerability but only says so, in one line, when no service can be reached."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\\n    --hash=sha256:[0-9a-f]{64}$", re.MULTILINE)


def load_audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


audit_script = load_audit()


def locked() -> dict[str, str]:
    text = LOCK.read_text(encoding="utf-8")
    pins: dict[str, str] = {canonicalize_name(name): version for name, version in PIN.findall(text)}
    entries = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert len(pins) == len(entries), "every entry is name==version with its SHA-256"
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [
        Requirement(text) for text in [*project["dependencies"], *extras["dev"], *extras["bench"]]
    ]


def test_every_runtime_dev_and_bench_dependency_is_locked_with_its_hash() -> None:
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in constraints.txt (run make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {requirement.name} {pins[name]}, outside {requirement}"
        )
    assert pins["pip-audit"] == "2.10.1"
    assert "pip" in pins  # the installer itself comes from the lock first


def test_the_makefile_installs_through_the_lock_and_ci_runs_the_audit() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "LOCK ?= constraints.txt" in makefile
    assert "pip install -q --require-hashes -r $(LOCK)" in makefile
    assert "pip install -q --no-deps -e '.[dev,bench]'" in makefile
    assert "$(STAMP): pyproject.toml $(LOCK)" in makefile
    assert re.search(r"^audit: \$\(STAMP\)\n\t.*\.ci/audit\.py", makefile, re.MULTILINE)
    assert "make audit" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def completed(report: dict[str, Any] | None, stderr: str = "", code: int = 0) -> Any:
    stdout = "" if report is None else json.dumps(report)
    return subprocess.CompletedProcess([], code, stdout, stderr)


def dependency(name: str, *vuln_ids: str) -> dict[str, Any]:
    vulns = [{"id": vuln, "fix_versions": ["9.9"]} for vuln in vuln_ids]
    return {"name": name, "version": "1.0", "vulns": vulns}


def skipped(name: str) -> dict[str, Any]:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name} (1.0)"}


def test_a_known_vulnerability_fails_the_audit_naming_it_and_its_fix() -> None:
    answers = [completed({"dependencies": [dependency("a"), dependency("b", "PYSEC-1")]}, code=1)]

    verdict = audit_script.audit(LOCK, run=lambda _command: answers.pop(0))

    assert verdict.status == 1
    assert verdict.lines == [
        "pip-audit (pypi): 1 known vulnerability in the locked releases:",
        "  b 1.0: PYSEC-1 (fixed in 9.9)",
    ]


def test_the_next_service_is_asked_when_the_first_knows_none_of_the_releases() -> None:
    answers = [
        completed({"dependencies": [skipped("a"), skipped("b")]}),
        completed({"dependencies": [dependency("a"), skipped("b")]}),
    ]
    commands: list[list[str]] = []

    def run(command: list[str]) -> Any:
        commands.append(command)
        return answers.pop(0)

    verdict = audit_script.audit(LOCK, run=run)

    assert [command[command.index("--vulnerability-service") + 1] for command in commands] == [
        "pypi",
        "osv",
    ]
    assert verdict.status == 0
    assert verdict.lines == [
        "pip-audit (osv): no known vulnerabilities in 1 locked releases; 1 not known to it."
    ]


def test_no_reachable_service_is_one_line_and_does_not_fail_the_build() -> None:
    unreachable = (
        "Traceback (most recent call last):\n  ...\n"
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev')"
    )
    answers = [completed({"dependencies": [skipped("a")]}), completed(None, unreachable, 1)]

    verdict = audit_script.audit(LOCK, run=lambda _command: answers.pop(0))

    assert verdict.status == 0
    (line,) = verdict.lines
    assert line.startswith("pip-audit: no vulnerability service could be reached")
    assert "osv: requests.exceptions.ConnectionError" in line
    assert line.endswith("the audit was skipped.")


def test_pip_audit_failing_for_another_reason_fails_the_build() -> None:
    broken = "ERROR:pip_audit._cli:requirement a is not pinned to an exact version"

    verdict = audit_script.audit(LOCK, run=lambda _command: completed(None, broken, 1))

    assert verdict.status == 1
    assert verdict.lines == [f"pip-audit (pypi) failed: {broken}"]


@pytest.mark.timeout(300)
def test_the_audit_runs_for_real_on_a_small_lock(tmp_path: Path) -> None:
    """Whatever this machine reaches, the real pip-audit gives a verdict, never a traceback."""
    pip_entry = re.search(r"^pip==.*\n.*\n", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    assert pip_entry is not None
    small = tmp_path / "constraints.txt"
    small.write_text(pip_entry.group(0), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "audit.py"), str(small)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode in (0, 1), result.stderr
    assert result.stdout.startswith("pip-audit"), result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr

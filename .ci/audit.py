"""``make audit``: the locked dependencies checked for known vulnerabilities with pip-audit.

pip-audit asks a vulnerability service about every release in the lock file (PyPI's
JSON API, then OSV). A machine that reaches neither (no network, or a registry mirror
that does not answer per-release questions) cannot audit: that is said in one line and
the build goes on, since failing it would say nothing about the code. A known
vulnerability in a release the service could check fails the build (exit 1), listing
each one with the versions that fix it.

Usage: ``python .ci/audit.py [LOCK_FILE]`` (default ``constraints.txt``), run with the
virtual environment's Python, where pip-audit is installed (the ``dev`` extras).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVICES = ("pypi", "osv")
# how a service that cannot be reached shows in pip-audit's last line on standard error
UNREACHABLE = ("requests.exceptions.", "ServiceError", "ConnectionError", "Timeout", "timed out")

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class Verdict:
    """What the audit found: the exit status and the lines to print."""

    status: int
    lines: list[str]


def pip_audit_command(lock: Path, service: str) -> list[str]:
    """pip-audit on the lock file alone: every pin is hashed, so pip need not resolve."""
    return [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(lock),
        "--disable-pip",
        "--vulnerability-service",
        service,
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]


def run_pip_audit(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def judge(service: str, result: subprocess.CompletedProcess[str]) -> Verdict | None:
    """The verdict of one service, or None when it could audit none of the releases."""
    try:
        report: dict[str, Any] = json.loads(result.stdout)
        dependencies: list[dict[str, Any]] = report["dependencies"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return None  # pip-audit stopped before writing a report: the service failed
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    if not audited:
        return None
    findings = [
        f"  {dep['name']} {dep['version']}: {vuln['id']}"
        + (f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln.get("fix_versions") else "")
        for dep in audited
        for vuln in dep.get("vulns", [])
    ]
    skipped = len(dependencies) - len(audited)
    not_checked = f"; {skipped} not known to it" if skipped else ""
    if findings:
        noun = "vulnerability" if len(findings) == 1 else "vulnerabilities"
        return Verdict(
            1,
            [
                f"pip-audit ({service}): {len(findings)} known {noun} in the locked releases:",
                *findings,
            ],
        )
    return Verdict(
        0,
        [
            f"pip-audit ({service}): no known vulnerabilities in {len(audited)} locked "
            f"releases{not_checked}."
        ],
    )


def failure_reason(result: subprocess.CompletedProcess[str]) -> str:
    """The last line pip-audit wrote on standard error, shortened to what tells why.

    A connection failure is told by its exception, its host and the system's reason
    (``requests.exceptions.ConnectionError (api.osv.dev: Name or service not known)``).
    """
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    if not lines:
        return f"exit status {result.returncode}"
    last = lines[-1]
    host = re.search(r"host='([^']+)'", last)
    cause = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", last)
    if last.startswith("requests.exceptions.") and host:
        exception = last.split(":", 1)[0]
        return f"{exception} ({host.group(1)}: {cause.group(1) if cause else 'no answer'})"
    return last[:200]


def audit(lock: Path, run: Runner = run_pip_audit) -> Verdict:
    """Ask each service in turn; the first that can audit the lock file gives the verdict."""
    if not lock.is_file():
        return Verdict(2, [f"pip-audit: {lock}: lock file not found"])
    reasons = []
    for service in SERVICES:
        result = run(pip_audit_command(lock, service))
        verdict = judge(service, result)
        if verdict is not None:
            return verdict
        reason = failure_reason(result) if result.returncode else "knew none of the releases"
        if result.returncode and not any(sign in reason for sign in UNREACHABLE):
            return Verdict(1, [f"pip-audit ({service}) failed: {reason}"])
        reasons.append(f"{service}: {reason}")
    return Verdict(
        0,
        [
            "pip-audit: no vulnerability service could be reached for the locked releases "
            f"({'; '.join(reasons)}); the audit was skipped."
        ],
    )


def main(argv: Sequence[str]) -> int:
    verdict = audit(Path(argv[0]) if argv else Path("constraints.txt"))
    for line in verdict.lines:
        print(line)
    return verdict.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

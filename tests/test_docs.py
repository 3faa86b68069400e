"""Docs as tests: every CLI command and every policy section is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from controltower.cli.main import app
from controltower.policy import load_policy

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _command_paths(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    paths: list[str] = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        paths.append(f"{prefix}{name}".strip())
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        paths.extend(_command_paths(group.typer_instance, f"{prefix}{group.name} "))
    return paths


def test_every_cli_command_has_a_section_in_the_cli_reference() -> None:
    reference = (DOCS / "cli.md").read_text("utf-8")
    missing = [p for p in _command_paths(app) if f"## `controltower {p}`" not in reference]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"


def test_every_policy_section_is_documented() -> None:
    reference = (DOCS / "policy.md").read_text("utf-8")
    sections = type(load_policy()).model_fields
    missing = [name for name in sections if f"[{name}]" not in reference]
    assert not missing, f"undocumented policy sections in docs/policy.md: {missing}"

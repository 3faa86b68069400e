"""Load a policy: the shipped default, overlaid by a user's TOML file.

A file that cannot be used is refused whole, with every problem found in it
(:class:`~controltower.policy.diagnostics.PolicyInvalidError`): nothing of it is taken.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from controltower.policy.diagnostics import (
    PolicyInvalidError,
    PolicyProblem,
    key_lines,
    syntax_problem,
    unreadable_problem,
    validation_problems,
)
from controltower.policy.model import Policy


def default_policy_text() -> str:
    return resources.files("controltower.policy").joinpath("default.toml").read_text("utf-8")


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class PolicyFile:
    """A policy file as read: what it sets, and its text (for the line of each key)."""

    path: Path
    settings: Mapping[str, Any]
    text: str


def read_policy_file(path: Path) -> PolicyFile:
    """The settings the TOML file at ``path`` gives; refused when it cannot be read or
    is not TOML (one problem, with its line for broken TOML)."""
    source = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyInvalidError([unreadable_problem(source, exc)]) from exc
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyInvalidError([syntax_problem(source, text, exc)]) from exc
    return PolicyFile(path=Path(path), settings=settings, text=text)


@dataclass(frozen=True)
class LoadedPolicy:
    """The policy in force and the file (if any) it was read from."""

    policy: Policy
    file: PolicyFile | None = field(default=None)


def load_policy_file(path: Path | None = None) -> LoadedPolicy:
    """The default policy, with the file at ``path`` (if given) overriding any value it
    sets; every problem of the file at once in :class:`PolicyInvalidError`."""
    data: dict[str, Any] = tomllib.loads(default_policy_text())
    if path is None:
        return LoadedPolicy(_validated(data, "the default policy", default_policy_text()))
    read = read_policy_file(path)
    merged = _merge(data, read.settings)
    return LoadedPolicy(_validated(merged, str(path), read.text), read)


def _validated(data: dict[str, Any], source: str, text: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyInvalidError(validation_problems(source, exc, key_lines(text))) from exc


def load_policy(path: Path | None = None) -> Policy:
    """The default policy, with ``path`` (if given) overriding any value it sets."""
    return load_policy_file(path).policy


def check_policy_file(path: Path) -> tuple[PolicyProblem, ...]:
    """Every problem of the policy file at ``path``; none when it can be used."""
    try:
        load_policy_file(path)
    except PolicyInvalidError as exc:
        return exc.problems
    return ()

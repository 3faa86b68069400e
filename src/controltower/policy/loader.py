"""Load a policy: the shipped default, overlaid by a user's TOML file."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from controltower.domain.errors import PolicyError
from controltower.policy.model import Policy


def default_policy_text() -> str:
    return resources.files("controltower.policy").joinpath("default.toml").read_text("utf-8")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_policy(path: Path | None = None) -> Policy:
    """The default policy, with ``path`` (if given) overriding any value it sets."""
    data: dict[str, Any] = tomllib.loads(default_policy_text())
    source = "the default policy"
    if path is not None:
        source = str(path)
        try:
            user = tomllib.loads(Path(path).read_text("utf-8"))
        except FileNotFoundError as exc:
            raise PolicyError(f"{path}: policy file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
        data = _merge(data, user)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise PolicyError(f"{source}: {problems}") from exc

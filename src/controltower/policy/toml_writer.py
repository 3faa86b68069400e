"""The policy in force written back as TOML: every setting with its value, each marked
with where it comes from (``# default``, or the file that set it).

The text follows the model (:class:`~controltower.policy.model.Policy`) field by field,
so sections come in the model's order and a section added to the model is written like
the others. Read back, the text gives the same policy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from controltower.policy.diagnostics import KeyPath, toml_string
from controltower.policy.diagnostics import key_text as _key_text


@dataclass(frozen=True)
class _Origin:
    """Where a value comes from: what the file sets, and how to name the file."""

    settings: Mapping[str, Any]
    file_name: str

    def mark(self, path: KeyPath) -> str:
        return f"# from {self.file_name}" if self.sets(path) else "# default"

    def sets(self, path: KeyPath) -> bool:
        current: Any = self.settings
        for part in path:
            if isinstance(part, int):
                if not isinstance(current, list) or part >= len(current):
                    return False
            elif not isinstance(current, Mapping) or part not in current:
                return False
            current = current[part]
        return True


def policy_as_toml(
    policy: BaseModel, *, header: str, settings: Mapping[str, Any], file_name: str
) -> str:
    """``policy`` as TOML text; ``header`` is its first comment line, ``settings`` what
    the policy file set (each value it sets is marked ``# from file_name``, the rest
    ``# default``)."""
    origin = _Origin(settings, file_name)
    lines = [f"# {header}"]
    lines.extend(_table(policy, (), origin))
    return "\n".join(lines).rstrip("\n") + "\n"


def _table(
    model: BaseModel, path: KeyPath, origin: _Origin, *, entry: bool = False
) -> Iterator[str]:
    """The table of ``model`` at ``path`` (an entry of an array of tables when ``entry``):
    its header, its values, then its sub-tables."""
    values: list[str] = []
    later: list[tuple[str, Any]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        where = (*path, name)
        if _is_table(value) or _is_array_of_tables(value):
            later.append((name, value))
        elif value is None:
            values.append(f"# {_key(name)}: not set")
        else:
            values.append(f"{_key(name)} = {_value(value)}  {origin.mark(where)}")
    if entry:
        yield ""
        yield f"[[{_dotted(path)}]]  {origin.mark(path)}"
    elif path and (values or not later):
        yield ""
        yield f"[{_dotted(path)}]"
    yield from values
    for name, value in later:
        yield from _nested((*path, name), value, origin)


def _nested(path: KeyPath, value: Any, origin: _Origin) -> Iterator[str]:
    """A sub-table, a table of named entries, or an array of tables."""
    if isinstance(value, BaseModel):
        yield from _table(value, path, origin)
    elif isinstance(value, Mapping):
        if not value:
            yield ""
            yield f"# [{_dotted(path)}]: none  {origin.mark(path)}"
        for key, entry in value.items():
            name = str(key.value if isinstance(key, Enum) else key)
            yield from _table(entry, (*path, name), origin)
    else:
        for index, entry in enumerate(value):
            yield from _table(entry, (*path, index), origin, entry=True)


def _is_table(value: object) -> bool:
    """A model, or a table of named models (``[sla.by_type.<type>]``)."""
    if isinstance(value, BaseModel):
        return True
    return isinstance(value, Mapping) and all(
        isinstance(entry, BaseModel) for entry in value.values()
    )


def _is_array_of_tables(value: object) -> bool:
    """A non-empty list of models (``[[routing.rules]]``); an empty one is ``[]``."""
    return (
        isinstance(value, tuple | list)
        and bool(value)
        and all(isinstance(entry, BaseModel) for entry in value)
    )


def _key(name: str) -> str:
    return _key_text((name,))


def _dotted(path: KeyPath) -> str:
    """A table's name in a header: an entry of an array of tables is its last one."""
    return ".".join(_key(part) for part in path if isinstance(part, str))


def _value(value: object) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return _value(value.value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, time):
        return toml_string(value.isoformat(timespec="minutes" if not value.second else "seconds"))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(_value(item) for item in items) + "]"
    return toml_string(str(value))

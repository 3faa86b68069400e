"""What is wrong with a policy file, in plain words: one line per problem,
``FILE:LINE: key: message``.

The model (:mod:`controltower.policy.model`) says *what* is wrong and at which key
path; :func:`key_lines` says *where*: it walks the TOML text and indexes the line of
every key (tables ``[a.b]``, arrays of tables ``[[a.b]]`` with their index, dotted keys,
inline tables and arrays). Nothing here knows the policy's sections by name, so a
section added to the model is diagnosed like the others.
"""

from __future__ import annotations

import difflib
import re
import string
import tomllib
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from controltower.domain.errors import PolicyError
from controltower.policy.model import Policy

#: a key's place in the policy: table and key names, and the index of an array's entry
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong with a policy file, where it is and why."""

    source: str
    #: the line of the key in the file (1-based); None for the whole file
    line: int | None
    #: the key path as written in the message (``routing.rules[2].team``); None when
    #: the problem is not about one key (the file cannot be read, its TOML is broken)
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class PolicyInvalidError(PolicyError):
    """A policy file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


# --- reading the file ------------------------------------------------------------------


def unreadable_problem(source: str, error: OSError | UnicodeDecodeError) -> PolicyProblem:
    """The file cannot be read: missing, a folder, not allowed, not UTF-8 text."""
    if isinstance(error, UnicodeDecodeError):
        why = f"not UTF-8 text (byte {error.start + 1} cannot be read)"
    elif isinstance(error, FileNotFoundError):
        why = "policy file not found"
    elif isinstance(error, IsADirectoryError):
        why = "a folder, not a policy file"
    elif isinstance(error, PermissionError):
        why = "cannot read the policy file: permission denied"
    else:
        why = f"cannot read the policy file: {(error.strerror or str(error)).lower()}"
    return PolicyProblem(source, None, None, why)


_AT = re.compile(r"^(?P<what>.*?) \(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.DOTALL)
_TUPLE = re.compile(r"\(((?:'[^']*'(?:, )?)+),?\)")


def syntax_problem(source: str, text: str, error: tomllib.TOMLDecodeError) -> PolicyProblem:
    """The TOML does not parse: tomllib's reason, at its line and column."""
    message = str(error)
    found = _AT.match(message)
    if found is not None:
        line: int = int(found["line"])
        what = f"{_plain_toml_reason(found['what'])} (column {found['column']})"
    else:
        line = text.count("\n") + 1
        what = _plain_toml_reason(message.removesuffix(" (at end of document)"))
        what += " (at the end of the file)" if message.endswith("(at end of document)") else ""
    return PolicyProblem(source, line, None, f"not valid TOML: {what}")


def _plain_toml_reason(reason: str) -> str:
    """tomllib's reason with a lower-case start and key tuples written as dotted keys."""
    reason = _TUPLE.sub(lambda m: ".".join(re.findall(r"'([^']*)'", m[1])), reason)
    return reason[:1].lower() + reason[1:]


# --- where each key is: a line index of the TOML text -----------------------------------

_BARE_KEY = frozenset(string.ascii_letters + string.digits + "_-")


class _Indexer:
    """A walk over valid TOML text recording the line of every key path.

    It follows only the structure (tables, keys, arrays, inline tables, strings), never
    the values, and never stops on what it does not expect: the text it is given has
    already been parsed by ``tomllib``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        #: how many entries each array of tables has so far
        self.entries: dict[KeyPath, int] = {}

    def run(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            before = self.pos
            if self.text.startswith("[", self.pos):
                table = self.header()
            else:
                self.key_value(table)
            if self.pos == before:
                self.advance()

    def peek(self, size: int = 1) -> str:
        return self.text[self.pos : self.pos + size]

    def advance(self, size: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + size)
        self.pos += size

    def skip_blank(self, *, newlines: bool) -> None:
        blank = " \t\r\n" if newlines else " \t"
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in blank:
                self.advance()
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.advance((len(self.text) if end < 0 else end) - self.pos)
            else:
                return

    def header(self) -> KeyPath:
        """``[a.b]`` or ``[[a.b]]``: the table the lines below it fill."""
        many = self.peek(2) == "[["
        self.advance(2 if many else 1)
        line = self.line
        key = self.key()
        path: KeyPath = ()
        for depth, part in enumerate(key):
            path = (*path, part)
            self.lines.setdefault(path, line)
            if many and depth == len(key) - 1:
                count = self.entries.get(path, 0)
                self.entries[path] = count + 1
                path = (*path, count)
                self.lines.setdefault(path, line)
            elif path in self.entries:
                path = (*path, self.entries[path] - 1)
        self.skip_blank(newlines=False)
        self.advance(2 if many and self.peek(2) == "]]" else 1 if self.peek() == "]" else 0)
        return path

    def key_value(self, table: KeyPath) -> None:
        line = self.line
        key = self.key()
        self.record(table, key, line)
        self.skip_blank(newlines=False)
        if self.peek() == "=":
            self.advance()
            self.skip_blank(newlines=False)
            self.value((*table, *key))

    def record(self, table: KeyPath, key: KeyPath, line: int) -> None:
        for depth in range(1, len(key) + 1):
            self.lines.setdefault((*table, *key[:depth]), line)

    def key(self) -> KeyPath:
        """A bare, quoted or dotted key."""
        parts: list[str | int] = []
        while True:
            self.skip_blank(newlines=False)
            start = self.pos
            if self.peek() in ('"', "'"):
                self.string()
                parts.append(_quoted_key(self.text[start : self.pos]))
            else:
                while self.pos < len(self.text) and self.text[self.pos] in _BARE_KEY:
                    self.advance()
                if self.pos == start:
                    return tuple(parts)
                parts.append(self.text[start : self.pos])
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.advance()

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char in ('"', "'"):
            self.string()
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}\r\n#":
                self.advance()

    def string(self) -> None:
        quote = self.peek()
        closing = quote * 3 if self.peek(3) == quote * 3 else quote
        self.advance(len(closing))
        while self.pos < len(self.text):
            if quote == '"' and self.text[self.pos] == "\\":
                self.advance(2)
            elif self.text.startswith(closing, self.pos):
                self.advance(len(closing))
                # a multi-line string may end with up to two quotes of its own
                while len(closing) == 3 and self.peek() == quote:
                    self.advance()
                return
            else:
                self.advance()

    def array(self, path: KeyPath) -> None:
        self.advance()
        index = 0
        while self.pos < len(self.text):
            self.skip_blank(newlines=True)
            char = self.peek()
            if char == "]":
                self.advance()
                return
            if char == ",":
                self.advance()
                index += 1
                continue
            before = self.pos
            self.lines.setdefault((*path, index), self.line)
            self.value((*path, index))
            if self.pos == before:
                self.advance()

    def inline_table(self, path: KeyPath) -> None:
        self.advance()
        while self.pos < len(self.text):
            self.skip_blank(newlines=True)
            char = self.peek()
            if char == "}":
                self.advance()
                return
            if char == ",":
                self.advance()
                continue
            before = self.pos
            self.key_value(path)
            if self.pos == before:
                self.advance()


def _quoted_key(raw: str) -> str:
    """The name a quoted key stands for, escapes and all."""
    try:
        name = tomllib.loads(f"k = {raw}")["k"]
    except tomllib.TOMLDecodeError:
        return raw.strip("\"'")
    return str(name)


def key_lines(text: str) -> dict[KeyPath, int]:
    """The line (1-based) where each key path of the TOML ``text`` is first given.

    A table's own path maps to its header; an entry of an array of tables maps to its
    ``[[...]]`` header as ``(..., index)``; an element of an inline array to the line it
    starts on. Every prefix of a dotted key maps to the line of its first key.
    """
    return _Indexer(text).run()


# --- what the model refuses, in plain words ---------------------------------------------


def validation_problems(
    source: str, error: ValidationError, lines: Mapping[KeyPath, int]
) -> list[PolicyProblem]:
    """Every problem the model found, at the line of its key, in the order of the file."""
    problems = [_problem(source, detail, lines) for detail in error.errors()]
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def _problem(source: str, detail: ErrorDetails, lines: Mapping[KeyPath, int]) -> PolicyProblem:
    loc = tuple(detail["loc"])
    names_a_key = bool(loc) and loc[-1] == "[key]"
    path: KeyPath = tuple(part for part in loc if part != "[key]")
    line = next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)
    message = _unknown_entry(path) if names_a_key else _message(detail, path)
    return PolicyProblem(source, line, key_text(path) or "the policy", message)


def key_text(path: KeyPath) -> str:
    """``('routing', 'rules', 1, 'team')`` as people read it: ``routing.rules[2].team``
    (an entry of a list counted from 1)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            name = part if part and set(part) <= _BARE_KEY else toml_string(part)
            text += f".{name}" if text else name
    return text


def _message(detail: ErrorDetails, path: KeyPath) -> str:
    kind = detail["type"]
    got = shown(detail["input"])
    if kind == "extra_forbidden":
        return _unknown_setting(path)
    if kind == "enum":
        return _bad_choice(path, detail["input"])
    if kind in _BOUNDS:
        bound = (detail.get("ctx") or {}).get(_BOUNDS[kind][0])
        return f"must be {_BOUNDS[kind][1]} {shown(bound)}, got {got}"
    if kind in ("value_error", "assertion_error"):
        return str((detail.get("ctx") or {}).get("error", detail["msg"]))
    if kind == "missing":
        return "must be set"
    described = _EXPECTED.get(kind)
    if described is not None:
        return f"must be {described.format(unit=_unit(path))}, got {got}"
    return f"{detail['msg']}, got {got}"


#: an error type -> what the value must be (``{unit}``: " of days" and the like)
_EXPECTED: dict[str, str] = {
    **dict.fromkeys(
        ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"),
        "a number{unit}",
    ),
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float"), "a whole number{unit}"),
    **dict.fromkeys(("decimal_max_digits", "decimal_max_places"), "a shorter number"),
    **dict.fromkeys(("bool_parsing", "bool_type"), "true or false"),
    **dict.fromkeys(("string_type", "str_type"), "text in quotes"),
    **dict.fromkeys(("string_too_short",), "text that is not empty"),
    **dict.fromkeys(
        ("time_parsing", "time_type", "time_delta_parsing"), 'a time of day such as "08:00"'
    ),
    **dict.fromkeys(("date_parsing", "date_type", "date_from_datetime_parsing"), "a date"),
    **dict.fromkeys(("datetime_parsing", "datetime_type"), "a date and time"),
    **dict.fromkeys(
        ("model_type", "model_attributes_type", "dict_type", "mapping_type"), "a table"
    ),
    **dict.fromkeys(
        ("tuple_type", "list_type", "set_type", "frozen_set_type", "iterable_type"),
        "a list in brackets",
    ),
    **dict.fromkeys(("too_short",), "a longer list"),
    **dict.fromkeys(("too_long",), "a shorter list"),
}

#: a bound's error type -> (its name in the error's context, its words)
_BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}

_UNITS = ("hours", "days", "minutes")


def _unit(path: KeyPath) -> str:
    """The unit of a number, read from the key's name: " of hours" for a count of hours."""
    names = [part for part in path if isinstance(part, str)]
    for name in reversed(names[-2:]):
        words = name.split("_")
        for unit in _UNITS:
            if unit in words:
                return f" of {unit}"
        if "pct" in words:
            return " (a percentage)"
    return " of hours" if names[:1] == ["sla"] else ""


def _unknown_setting(path: KeyPath) -> str:
    names = _names_at(_annotation_at(path[:-1]))
    if len(path) == 1:
        return "unknown section" + _suggestion(path[-1], names, "the sections are")
    return "unknown setting" + _suggestion(path[-1], names, "the settings here are")


def _unknown_entry(path: KeyPath) -> str:
    """A table name that is not one of the keys a table of entries takes (a type)."""
    container = _annotation_at(path[:-1], unwrap_last=False)
    key_type = get_args(container)[0] if get_origin(container) is dict else None
    enum = isinstance(key_type, type) and issubclass(key_type, Enum)
    what = _type_words(key_type) if enum and isinstance(key_type, type) else "entry"
    return f"unknown {what}" + _suggestion(path[-1], _names_at(key_type), "the choices are")


def _type_words(kind: type) -> str:
    """``ExceptionType`` as "exception type"."""
    return " ".join(re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", kind.__name__)).lower()


def _bad_choice(path: KeyPath, value: object) -> str:
    names = _names_at(_annotation_at(path))
    hint = _suggestion(value, names, "")
    if hint.startswith(" (did you mean"):
        return f"unknown value {shown(value)}{hint}"
    return f"must be one of {', '.join(names)}; got {shown(value)}"


def _suggestion(word: object, names: Sequence[str], listing: str) -> str:
    """`` (did you mean "x"?)`` for a near miss, else the names there are."""
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    if close:
        return f' (did you mean "{close[0]}"?)'
    if names and listing:
        return f"; {listing}: {', '.join(names)}"
    return ""


def _names_at(annotation: object) -> list[str]:
    """The keys a table of this type takes, or the values of an enum."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return []


def _annotation_at(path: KeyPath, *, unwrap_last: bool = True) -> object:
    """The declared type of the policy at ``path``; None when the model has no such key."""
    current: object = Policy
    for part in path:
        current = _without_none(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
            continue
        args = get_args(current)
        if get_origin(current) in (tuple, list, set, frozenset) and args:
            current = args[0]
        elif get_origin(current) is dict and len(args) == 2:
            current = args[1]
        else:
            return None
    return _without_none(current) if unwrap_last else current


def _without_none(annotation: object) -> object:
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) == 1:
            return kept[0]
    return annotation


# --- values as written in TOML ------------------------------------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, in double quotes."""
    body = "".join(
        _ESCAPES.get(char)
        or (f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else char)
        for char in text
    )
    return f'"{body}"'


def shown(value: object) -> str:
    """A value as the file would write it: ``"soon"``, ``true``, ``1.5``, ``a table``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return shown(value.value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, time | date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, Iterable):
        return "a list"
    return "nothing" if value is None else str(value)

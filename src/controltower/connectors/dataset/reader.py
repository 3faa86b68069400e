"""Read a dataset folder into a :class:`~controltower.domain.model.Dataset`, all or nothing.

The whole folder is validated before anything is returned: every problem is collected
(file, physical line, column, message) and raised together in one
:class:`DatasetInvalidError`, so a user fixes a dataset in one round instead of one
error at a time.

The reader makes a single pass per file. That is possible because the format table
(:mod:`.columns`) lists every referenced file before the files that refer to it, so a
row's references are checked against keys that are already complete. A file whose keys
are unknown (the file or its key column is missing, or it could not be read to the end)
is not used to check references: that would bury the real problem under one
"unknown ..." per row.

A million-line file must load in seconds, so the per-row loop works on precomputed
plans (column index, value position, parser, memo of parsed cells) and builds each
dataclass positionally, and parsers report bad cells by returning :class:`Invalid`
rather than raising.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, Final

from controltower.connectors.dataset.columns import FILES, FILES_BY_NAME, FileSpec
from controltower.connectors.dataset.manifest import MANIFEST_NAME
from controltower.connectors.dataset.problems import (
    DatasetInvalidError,
    DatasetProblem,
    ProblemLog,
)
from controltower.connectors.dataset.values import Invalid
from controltower.domain.model import Dataset

ProgressCallback = Callable[[str, int, int], None]
"""``progress(file_name, rows_done, rows_total)``; ``rows_total`` is exact at a file's end."""

#: separators spreadsheets export with instead of a comma, as a message names them
OTHER_SEPARATORS: Final = {";": "';'", "\t": "tabs", "|": "'|'"}

PROGRESS_EVERY: Final = 10_000
PARSED_VALUES_KEPT: Final = 100_000  # per column: bounds the memory of the parse memo

KeyIndex = dict[Any, int]
"""A file's keys, each with the line where it first appeared."""

_BAD: Final = object()  # marks a value that was blank-but-required or did not parse

_Reference = tuple[
    Callable[[list[Any]], Any], bool, KeyIndex, Callable[[Any], tuple[str | None, str]]
]
"""An active reference: its getter, whether composite, the target's keys, its wording."""


@dataclass
class ReadResult:
    """A valid dataset and the notes about what was ignored while reading it."""

    dataset: Dataset
    warnings: list[str]


def read_dataset(
    folder: Path,
    *,
    progress: ProgressCallback | None = None,
    max_problems: int = 200,
) -> ReadResult:
    """Read and fully validate the dataset in ``folder``.

    Raises :class:`DatasetInvalidError` when there is any problem at all (the first
    ``max_problems`` are kept, with the total count); ignored columns and files become
    ``warnings`` of the result.
    """
    folder = Path(folder)
    if not folder.exists():
        raise DatasetInvalidError([DatasetProblem(str(folder), None, None, "folder not found")])
    if not folder.is_dir():
        raise DatasetInvalidError(
            [DatasetProblem(str(folder), None, None, "not a folder (give the dataset folder)")]
        )
    log = ProblemLog(max_problems)
    warnings = _unknown_entries(folder)
    keys: dict[str, KeyIndex | None] = {}
    entities: dict[str, list[Any]] = {}
    for spec in FILES:
        entities[spec.entity] = _FileReader(spec, log, warnings, keys, progress).read(
            folder / spec.name
        )
    if log.total:
        raise DatasetInvalidError(log.problems, log.total, warnings)
    return ReadResult(Dataset(**entities), warnings)


def _unknown_entries(folder: Path) -> list[str]:
    """A warning for each entry of ``folder`` that is not a file of the format.

    Hidden entries (``.DS_Store``, ``.git``) are left alone: nobody put them there on
    purpose as data; nor is the manifest, which belongs to the folder (``manifest.py``).
    """
    return [
        f"{entry.name}: file is not part of the format and was ignored"
        for entry in sorted(folder.iterdir(), key=lambda path: path.name)
        if entry.name not in FILES_BY_NAME
        and entry.name != MANIFEST_NAME
        and not entry.name.startswith(".")
    ]


class _FileReader:
    """Validates one file of the dataset and builds its entities."""

    def __init__(
        self,
        spec: FileSpec,
        log: ProblemLog,
        warnings: list[str],
        keys: dict[str, KeyIndex | None],
        progress: ProgressCallback | None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.log = log
        self.warnings = warnings
        self.keys = keys
        self.progress = progress

    def read(self, path: Path) -> list[Any]:
        """The file's valid rows as entities (used only if the whole dataset is valid)."""
        spec = self.spec
        self.keys[self.name] = None  # until the whole file has been read
        if not path.exists():
            if spec.required:
                self.log.add(self.name, None, None, "required file is missing")
            else:
                self.keys[self.name] = {}
            return []
        if not path.is_file():
            self.log.add(self.name, None, None, "is not a regular file")
            return []
        try:
            rows_total = _count_data_lines(path) if self.progress is not None else 0
            handle = path.open(encoding="utf-8-sig", newline="")
        except OSError as error:
            self.log.add(self.name, None, None, f"cannot be opened: {error.strerror}")
            return []
        with handle:
            reader = csv.reader(handle, strict=True)
            try:
                return self._read_rows(reader, rows_total)
            except UnicodeDecodeError:
                self.log.add(
                    self.name,
                    _first_undecodable_line(path),
                    None,
                    "not valid UTF-8 text (save the file as UTF-8)",
                )
            except csv.Error as error:
                separator = (
                    other_separator(_first_line(path), spec) if reader.line_num <= 1 else None
                )
                message = (
                    f"not readable as CSV: {error}"
                    if separator is None
                    else separator_problem(separator)
                )
                self.log.add(self.name, reader.line_num or 1, None, message)
        self.keys[self.name] = None
        return []

    def _read_rows(self, reader: Iterator[list[str]], rows_total: int) -> list[Any]:
        header = self._read_header(reader)
        if header is None:
            return []
        separator = other_separator(",".join(header), self.spec)
        if separator is not None:
            self.log.add(self.name, 1, None, separator_problem(separator))
            return []
        name = self.name
        positions = self._column_positions(header)
        plan = _RowPlan(self.spec, positions)
        for column in plan.missing_required:
            self.log.add(name, 1, column, "required column is missing")

        key_index: KeyIndex | None = {} if plan.key_getter is not None else None
        references = self._active_references(plan)
        model = self.spec.model
        width = len(header)
        complete = not plan.missing_required
        entities: list[Any] = []
        csv_reader: Any = reader
        last_line = csv_reader.line_num
        next_report = PROGRESS_EVERY + 1 if self.progress is not None else math.inf

        for row in reader:
            line = last_line + 1  # a quoted value may span lines: report where the row starts
            last_line = csv_reader.line_num
            if line >= next_report:
                self._report_progress(line - 1, rows_total)
                next_report += PROGRESS_EVERY
            if not row:
                continue  # a blank line
            if len(row) != width and not self._fit_width(row, width, line):
                continue
            parsed = self._parse_values(plan, row, line)
            if parsed is None:
                continue  # a row of bare separators
            values, ok = parsed
            if key_index is not None:
                ok = self._register_key(plan, key_index, values, line) and ok
            ok = self._row_is_consistent(plan, references, values, line) and ok
            if ok and complete:
                entities.append(model(*values))

        if self.progress is not None:
            rows_done = last_line - 1
            self.progress(name, rows_done, rows_done)
        self.keys[name] = key_index
        return entities

    def _read_header(self, reader: Iterator[list[str]]) -> list[str] | None:
        """The header row; None (and a problem or a warning) when the file is empty."""
        header = next(reader, None)
        if header is not None and any(cell.strip() for cell in header):
            return header
        if self.spec.required:
            self.log.add(
                self.name, 1, None, "file is empty (expected a header row naming the columns)"
            )
        else:
            self.warnings.append(f"{self.name}: file is empty and was read as having no rows")
            self.keys[self.name] = {}
        return None

    def _fit_width(self, row: list[str], width: int, line: int) -> bool:
        """Fit a row of the wrong length to the header; False (and a problem) when it has
        values beyond the header's columns."""
        if len(row) < width:
            row.extend([""] * (width - len(row)))  # missing trailing values are blank
            return True
        if any(cell.strip() for cell in row[width:]):
            self.log.add(
                self.name,
                line,
                None,
                f"row has {len(row)} values but the header names {width} columns",
            )
            return False
        return True

    def _parse_values(
        self, plan: _RowPlan, row: list[str], line: int
    ) -> tuple[list[Any], bool] | None:
        """The row's constructor arguments, and whether every cell was valid; None for a
        row of bare separators, which spreadsheets leave behind."""
        log = self.log
        name = self.name
        values = plan.template.copy()
        ok = True
        for index, position, parse, parsed, required, column in plan.fields:
            raw = row[index].strip()
            if raw:
                value = parsed.get(raw)
                if value is None:
                    value = parse(raw)
                    if value.__class__ is Invalid:
                        log.add(name, line, column, value.reason)
                        values[position] = _BAD
                        ok = False
                        continue
                    if len(parsed) < PARSED_VALUES_KEPT:
                        parsed[raw] = value
                values[position] = value
            elif required:
                if not "".join(row).strip():
                    return None
                log.add(name, line, column, "required value is blank")
                ok = False
        return values, ok

    def _row_is_consistent(
        self, plan: _RowPlan, references: list[_Reference], values: list[Any], line: int
    ) -> bool:
        """Whether the row's references resolve and its row rules hold (each miss is a
        problem); cells that are bad or blank were reported already and are skipped."""
        ok = True
        for getter, composite, target_index, describe in references:
            value = getter(values)
            if composite:
                if _BAD in value or None in value:
                    continue
            elif value is _BAD or value is None:
                continue
            if value not in target_index:
                self.log.add(self.name, line, *describe(value))
                ok = False
        for rule_getter, report_column, check in plan.row_rules:
            arguments = rule_getter(values)
            if _BAD not in arguments:
                message = check(*arguments)
                if message is not None:
                    self.log.add(self.name, line, report_column, message)
                    ok = False
        return ok

    def _column_positions(self, header: list[str]) -> dict[str, int]:
        """Where each known column is; warnings for unknown ones, problems for repeats."""
        known = {column.name for column in self.spec.columns}
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            column = cell.strip()
            if not column:
                self.warnings.append(f"{self.name}: column {index + 1} has no name and was ignored")
            elif column not in known:
                self.warnings.append(
                    f"{self.name}: column {column!r} is not part of the format and was ignored"
                )
            elif column in positions:
                self.log.add(
                    self.name,
                    1,
                    column,
                    f"column appears more than once in the header "
                    f"(columns {positions[column] + 1} and {index + 1})",
                )
            else:
                positions[column] = index
        return positions

    def _register_key(
        self, plan: _RowPlan, key_index: KeyIndex, values: list[Any], line: int
    ) -> bool:
        """Record the row's key; False (and a problem) when an earlier row has it."""
        assert plan.key_getter is not None
        key = plan.key_getter(values)
        if (_BAD in key) if plan.composite_key else (key is _BAD):
            return True  # already reported as a bad or blank value
        first = key_index.setdefault(key, line)
        if first == line:
            return True
        key_columns = self.spec.key
        if plan.composite_key:
            self.log.add(
                self.name,
                line,
                None,
                f"duplicate key {_describe(key_columns, key)} (first seen on line {first})",
            )
        else:
            self.log.add(
                self.name,
                line,
                key_columns[0],
                f"duplicate {key_columns[0]} {key!r} (first seen on line {first})",
            )
        return False

    def _active_references(self, plan: _RowPlan) -> list[_Reference]:
        """The references that can be checked: own columns present, target keys known."""
        active: list[_Reference] = []
        for reference in self.spec.references:
            target_index = self.keys[reference.target]  # targets are read first (see columns)
            if target_index is None or any(
                column not in plan.present for column in reference.columns
            ):
                continue
            getter = itemgetter(*(plan.position[column] for column in reference.columns))
            composite = len(reference.columns) > 1
            describe = _reference_describer(
                reference.columns, reference.target, reference.noun, composite
            )
            active.append((getter, composite, target_index, describe))
        return active

    def _report_progress(self, rows_done: int, rows_total: int) -> None:
        assert self.progress is not None
        self.progress(self.name, rows_done, max(rows_done, rows_total))


class _RowPlan:
    """How the columns of one file's header map onto its model's constructor.

    ``fields`` lists, in header order, (column index, argument position, parser, parsed
    values by cell text, required, column name); ``template`` holds each argument's
    value for a blank cell, so a blank optional cell costs nothing.

    Codes, quantities, prices and dates repeat a lot in real data, so each column
    remembers what it parsed: a repeat costs a dictionary look-up instead of a parse,
    and rows share one immutable value instead of holding a copy each (a quarter less
    memory on a million order lines).
    """

    def __init__(self, spec: FileSpec, positions: dict[str, int]) -> None:
        field_names = [field.name for field in dataclasses.fields(spec.model)]
        self.position = {name: index for index, name in enumerate(field_names)}
        self.present = set(positions)
        self.missing_required = [
            column.name
            for column in spec.columns
            if column.required and column.name not in positions
        ]
        self.template: list[Any] = []
        fields: list[tuple[int, int, Callable[[str], object], dict[str, object], bool, str]] = []
        for argument, field_name in enumerate(field_names):
            column = spec.column(field_name)
            self.template.append(_BAD if column.required else column.default)
            if field_name in positions:
                parse: Callable[[str], object] = column.type.parse
                if column.type.blank_texts and not column.required:
                    parse = _blank_for(parse, column.type.blank_texts, column.default)
                fields.append(
                    (positions[field_name], argument, parse, {}, column.required, field_name)
                )
        self.fields = sorted(fields, key=lambda plan: plan[0])

        self.composite_key = len(spec.key) > 1
        self.key_getter: itemgetter[Any] | None = None
        if all(column in positions for column in spec.key):
            self.key_getter = itemgetter(*(self.position[column] for column in spec.key))

        self.row_rules = [
            (
                _tuple_getter([self.position[column] for column in rule.columns]),
                rule.report_column,
                rule.check,
            )
            for rule in spec.row_rules
            if all(column in positions for column in rule.columns)
        ]


def _blank_for(
    parse: Callable[[str], object], blank_texts: frozenset[str], default: object
) -> Callable[[str], object]:
    """``parse``, except that a text meaning "not given" (``9999-12-31`` in an
    optional date column) takes the value of a blank cell."""

    def parse_or_blank(raw: str) -> object:
        return default if raw in blank_texts else parse(raw)

    return parse_or_blank


def _tuple_getter(positions: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """Like ``itemgetter(*positions)``, but a tuple even for a single position."""
    if len(positions) > 1:
        return itemgetter(*positions)
    (position,) = positions
    return lambda values: (values[position],)


def _reference_describer(
    columns: tuple[str, ...], target: str, noun: str, composite: bool
) -> Callable[[Any], tuple[str | None, str]]:
    """Builds (column, message) for a dangling reference of ``columns``."""
    target_key = FILES_BY_NAME[target].key
    if not composite:
        column = columns[0]

        def describe_single(value: Any) -> tuple[str | None, str]:
            return column, f"unknown {noun} {value!r} (no such {target_key[0]} in {target})"

        return describe_single

    def describe_composite(value: Any) -> tuple[str | None, str]:
        return None, (
            f"unknown {noun} {_describe(columns, value)} "
            f"(no such ({', '.join(target_key)}) in {target})"
        )

    return describe_composite


def _describe(columns: tuple[str, ...], values: tuple[Any, ...]) -> str:
    """``sku 'A1', warehouse 'WH1'``: a composite key as a user reads it."""
    return ", ".join(f"{column} {value!r}" for column, value in zip(columns, values, strict=True))


def _count_data_lines(path: Path) -> int:
    """Physical lines after the header: an upper bound of the rows, for progress."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def other_separator(header_line: str, spec: FileSpec) -> str | None:
    """The separator a file's header row uses when it is not the comma, or None.

    A row is taken as separated by ``;``, a tab or ``|`` when splitting it there finds
    more of the file's column names than splitting at commas does (a spreadsheet set up
    for a language that writes decimals with a comma exports that way). Both readers ask
    this of the header row, so they agree.
    """
    known = {column.name for column in spec.columns}

    def names_split_by(separator: str) -> int:
        cells = next(csv.reader([header_line], delimiter=separator), [])
        return sum(1 for cell in cells if cell.strip() in known)

    by_comma = names_split_by(",")
    found = {separator: names_split_by(separator) for separator in OTHER_SEPARATORS}
    best = max(found, key=lambda separator: found[separator])
    return best if found[best] > by_comma else None


def separator_problem(separator: str) -> str:
    """What is wrong with a file whose columns are separated by ``separator``."""
    return (
        f"the columns are separated by {OTHER_SEPARATORS[separator]}: Control Tower reads "
        "comma-separated files (export with a comma as the delimiter)"
    )


def _first_line(path: Path) -> str:
    """The file's first line as text ("" when it cannot be read as UTF-8)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return handle.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return ""


def _first_undecodable_line(path: Path) -> int:
    """The first physical line that is not UTF-8 (a newline byte never splits a character)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1

"""Write a :class:`~controltower.domain.model.Dataset` as a canonical dataset folder.

The output is meant to be read back by :func:`~.reader.read_dataset` into an equal
dataset, and to diff well: every file of the format is written (optional ones too, with
just a header when empty), every column in format order, rows sorted by key, values in
the one spelling the reader documents (plain decimals, ISO dates, ``true``/``false``,
blank for "not given").

A spreadsheet opening the files would run a cell starting with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return before one) as a formula, so data such as
``=cmd|' /C calc'!A0`` becomes an attack. By default the writer keeps the exact round
trip anyway; ``safe_for_spreadsheets=True`` neutralises such text cells with a leading
``'`` (OWASP's advice on CSV injection), at the cost of that round trip.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import Any, Final

from controltower.connectors.dataset.columns import FILES, FileSpec
from controltower.connectors.dataset.manifest import write_manifest
from controltower.connectors.dataset.values import Text, ValueType
from controltower.domain.model import Dataset

#: the first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_dataset(dataset: Dataset, folder: Path, *, safe_for_spreadsheets: bool = False) -> None:
    """Write every file of the format into ``folder`` (created when missing).

    With ``safe_for_spreadsheets``, text cells a spreadsheet would run as a formula are
    written with a leading ``'`` (see the module's docstring); numbers, dates and codes
    of a fixed vocabulary are never touched.

    Files of the format already in ``folder`` are replaced; other files are left alone.
    ``manifest.json`` (row counts and checksums, see :mod:`.manifest`) is written last,
    so that a folder cut short, or left half-written, is told from a whole one on import.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for spec in FILES:
        rows = getattr(dataset, spec.entity)
        _write_file(spec, rows, folder / spec.name, safe_for_spreadsheets)
    write_manifest(folder, {spec.name: len(getattr(dataset, spec.entity)) for spec in FILES})


def _write_file(spec: FileSpec, rows: list[Any], path: Path, safe_for_spreadsheets: bool) -> None:
    formatters = [
        (column.name, _formatter(column.type, safe_for_spreadsheets)) for column in spec.columns
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(name for name, _ in formatters)
        for row in sorted(rows, key=attrgetter(*spec.key)):
            cells = []
            for name, format_value in formatters:
                value = getattr(row, name)
                cells.append("" if value is None else format_value(value))
            writer.writerow(cells)


def _formatter(value_type: ValueType, safe_for_spreadsheets: bool) -> Callable[[object], str]:
    """How a column's values are spelled; free text neutralised when asked to be."""
    format_value = value_type.format
    if safe_for_spreadsheets and isinstance(value_type, Text):
        return lambda value: neutralise_formula(format_value(value))
    return format_value

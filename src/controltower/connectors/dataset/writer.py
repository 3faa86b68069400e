"""Write a :class:`~controltower.domain.model.Dataset` as a canonical dataset folder.

The output is meant to be read back by :func:`~.reader.read_dataset` into an equal
dataset, and to diff well: every file of the format is written (optional ones too, with
just a header when empty), every column in format order, rows sorted by key, values in
the one spelling the reader documents (plain decimals, ISO dates, ``true``/``false``,
blank for "not given").
"""

from __future__ import annotations

import csv
from operator import attrgetter
from pathlib import Path
from typing import Any

from controltower.connectors.dataset.columns import FILES, FileSpec
from controltower.domain.model import Dataset


def write_dataset(dataset: Dataset, folder: Path) -> None:
    """Write every file of the format into ``folder`` (created when missing).

    Files of the format already in ``folder`` are replaced; other files are left alone.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for spec in FILES:
        _write_file(spec, getattr(dataset, spec.entity), folder / spec.name)


def _write_file(spec: FileSpec, rows: list[Any], path: Path) -> None:
    formatters = [(column.name, column.type.format) for column in spec.columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(name for name, _ in formatters)
        for row in sorted(rows, key=attrgetter(*spec.key)):
            cells = []
            for name, format_value in formatters:
                value = getattr(row, name)
                cells.append("" if value is None else format_value(value))
            writer.writerow(cells)

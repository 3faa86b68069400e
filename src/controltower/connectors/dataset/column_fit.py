"""What the columns cannot hold of a valid dataset folder, found for ``import``.

``controltower import`` stores a folder from its columns
(:class:`~controltower.domain.tables.DatasetTables`), which keep quantities and money in
millionths and a pick's ``created_at`` in whole seconds. Two things a valid folder may
hold need a word before that:

* a quantity or amount with more than six decimals (or too large for the columns) is
  refused: :func:`first_value_beyond_columns` finds the first one and names its file,
  line and column, as the row reader names a problem;
* fractions of a second of a pick's ``created_at`` are kept:
  :func:`created_at_microseconds` reads them from ``picks.csv`` so that they are stored
  with the picks, and an export still writes back what was imported.

Both read the files the way the row reader does (:mod:`.reader`): the same CSV dialect,
the same rows skipped, the same parsers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from controltower.connectors.dataset.columns import FILES, FILES_BY_NAME
from controltower.connectors.dataset.problems import DatasetProblem
from controltower.connectors.dataset.values import DecimalNumber
from controltower.domain.columnar import DECIMALS, MAX_UNITS, QTY_SCALE
from controltower.domain.model import Dataset

#: the rule a refused value breaks, as users read it
SIX_DECIMALS_RULE: Final = "Control Tower keeps quantities and money to six decimals"
#: the largest magnitude the columns hold, in whole units
LARGEST_AMOUNT: Final = MAX_UNITS // QTY_SCALE
#: the power of ten of the largest amount's first digit (4.6 million million: 12)
_LARGEST_DIGITS: Final = len(str(LARGEST_AMOUNT)) - 1
#: a value written longer than this is cut short in a message
_LONGEST_WRITTEN: Final = 60
#: how every fraction of a second a moment may be written starts (``07:04:00.5``); a
#: file without it has whole seconds only, whatever dots its other columns hold
_FRACTION: Final = re.compile(rb":[0-9]{2}\.[0-9]")


class RowsDoNotLineUp(Exception):
    """``picks.csv`` does not read as the rows the columns were given; read it by rows."""


def first_value_beyond_columns(folder: Path, dataset: Dataset) -> DatasetProblem | None:
    """The first quantity or amount of ``dataset`` the columns cannot hold, located.

    ``dataset`` is what the row reader read from ``folder`` (so it is valid, and its
    rows are the folder's rows in order). Files are looked at in format order, rows in
    file order, columns in format order. None when every value fits.
    """
    for spec in FILES:
        columns = [c.name for c in spec.columns if isinstance(c.type, DecimalNumber)]
        if not columns:
            continue
        for index, row in enumerate(getattr(dataset, spec.entity)):
            for column in columns:
                value = getattr(row, column)
                if value is not None and (message := _beyond_columns(value)) is not None:
                    line = _nth(_row_start_lines(folder / spec.name), index)
                    return DatasetProblem(spec.name, line, column, message)
    return None


def _beyond_columns(value: Decimal) -> str | None:
    """Why the columns cannot hold ``value`` exactly, or None when they can.

    Worked out on the digits, exactly: ``1.5000000`` fits (its seventh decimal is 0).
    """
    written = format(value, "f")
    if len(written) > _LONGEST_WRITTEN:
        written = f"{written[:20]}... ({len(written)} characters)"
    if not value.is_finite():
        return f"{written} is not a finite number"
    too_large = (
        f"{written} is too large; Control Tower keeps quantities and money below {LARGEST_AMOUNT:,}"
    )
    if not value.is_zero() and value.adjusted() > _LARGEST_DIGITS:
        return too_large  # told before int() meets thousands of digits
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    significant = text.rstrip("0")  # 1.5000000 fits: its seventh decimal is 0
    if significant and exponent + len(text) - len(significant) + DECIMALS < 0:
        return f"{written} has more than six decimals; {SIX_DECIMALS_RULE}"
    if value.is_zero():
        return None
    units = int(significant) * 10 ** (exponent + len(text) - len(significant) + DECIMALS)
    if units >= MAX_UNITS:
        return too_large
    return None


def created_at_microseconds(
    folder: Path, pick_ids: Sequence[str | None] | npt.NDArray[np.object_]
) -> npt.NDArray[np.int32] | None:
    """The fraction of a second of each pick's ``created_at``, in microseconds.

    ``pick_ids`` are the picks' ids as the columns hold them, in row order; the result
    lines up with them. None when every pick is at a whole second (the usual case, told
    at once when no seconds followed by a fraction appear anywhere in the file). Raises
    :class:`RowsDoNotLineUp` if the file's rows are not those picks.
    """
    path = folder / "picks.csv"
    try:
        if not len(pick_ids) or not path.is_file() or not _FRACTION.search(path.read_bytes()):
            return None
        return _microseconds(path, pick_ids)
    except (OSError, UnicodeDecodeError, csv.Error) as error:  # read by rows, which reports it
        raise RowsDoNotLineUp(f"picks.csv: {error}") from error


def _microseconds(
    path: Path, pick_ids: Sequence[str | None] | npt.NDArray[np.object_]
) -> npt.NDArray[np.int32] | None:
    parse = FILES_BY_NAME["picks.csv"].column("created_at").type.parse
    micros = np.zeros(len(pick_ids), dtype=np.int32)
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        header = [cell.strip() for cell in next(reader, [])]
        if "pick_id" not in header or "created_at" not in header:
            raise RowsDoNotLineUp("picks.csv: no pick_id or created_at column")
        key, moment = header.index("pick_id"), header.index("created_at")
        for row in reader:
            if not "".join(row).strip():
                continue  # skipped by the row reader too
            if count >= len(pick_ids) or _cell(row, key) != pick_ids[count]:
                raise RowsDoNotLineUp(f"picks.csv: row {count + 1} is not the pick expected")
            raw = _cell(row, moment)
            if "." in raw:
                value = parse(raw)
                if isinstance(value, datetime):
                    micros[count] = value.microsecond
            count += 1
    if count != len(pick_ids):
        raise RowsDoNotLineUp(f"picks.csv: {count} rows for {len(pick_ids)} picks")
    return micros if micros.any() else None


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _row_start_lines(path: Path) -> Iterator[int]:
    """The physical line where each row the row reader keeps starts (header is line 1)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        if next(reader, None) is None:
            return
        last_line = reader.line_num
        for row in reader:
            line = last_line + 1  # a quoted value may span lines: where the row starts
            last_line = reader.line_num
            if "".join(row).strip():
                yield line


def _nth(lines: Iterator[int], index: int) -> int | None:
    for position, line in enumerate(lines):
        if position == index:
            return line
    return None

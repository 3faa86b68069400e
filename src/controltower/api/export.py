"""Any list as a file: CSV or an Excel workbook, written while its rows are read.

The one entry point is :func:`export_response`::

    export_response(columns, rows, filename, fmt) -> StreamingResponse

- ``columns``: a sequence of :class:`ExportColumn` — the heading, a function giving the
  cell's value from one row, and the value's :class:`CellKind` (text, integer, money,
  date or moment). Give them in the order and with the headings the screen shows.
- ``rows``: any iterable of rows (typically a generator reading the database a chunk at
  a time, each chunk in its own short session: see ``api.list_exports.chunked_rows``).
  It is consumed lazily, once, while the response is sent, so memory stays flat
  however many rows there are.
- ``filename``: the file's name without extension (made safe for the header here).
- ``fmt``: :class:`ExportFormat` (``csv`` or ``xlsx``).

The same columns make both formats:

- **CSV** is UTF-8 *with* a byte-order mark, comma-separated, CRLF line ends, quoted
  where needed (the ``csv`` module). Without the BOM, Excel opens UTF-8 as the local
  code page and garbles names like "Müller"; every other reader skips it. Money is
  written with two decimals and no thousands separator (``32333.18``), dates as
  ``2026-11-25``, moments in UTC as ``2026-11-25 10:00``, blanks as empty cells.
- **Excel** (XlsxWriter in ``constant_memory`` mode: each row goes to disk as it is
  written) holds money as numbers shown with two decimals, integers as numbers, dates
  and moments as real dates (moments in UTC, as the screens show them); the heading row
  is bold, frozen and filtered. The workbook is built in a temporary file and then sent
  in blocks. A sheet holds at most 1,048,576 rows: a longer list stops one row short
  and says so in its last row (the CSV has no such limit).

In both formats a text cell that a spreadsheet would take for a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so a
customer named ``=HYPERLINK(...)`` stays text. Numbers and dates are written by us and
are never touched.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Final, Generic, TypeVar

import xlsxwriter
from fastapi.responses import StreamingResponse

_Row = TypeVar("_Row")

#: the characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

#: the most rows an Excel sheet holds (the heading row included)
XLSX_MAX_ROWS: Final = 1_048_576

#: bytes sent at a time
_BLOCK: Final = 64 * 1024

_CENT: Final = Decimal("0.01")


class ExportFormat(StrEnum):
    """The file a list is downloaded as."""

    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CellKind(StrEnum):
    """What a column holds, which decides how each format writes it."""

    TEXT = "text"
    INTEGER = "integer"
    #: an amount, shown with two decimals
    MONEY = "money"
    DATE = "date"
    #: an aware moment, written in UTC to the minute
    MOMENT = "moment"


@dataclass(frozen=True, slots=True)
class ExportColumn(Generic[_Row]):
    """One column of a download: its heading, its value from a row, and its kind."""

    heading: str
    value: Callable[[_Row], Any]
    kind: CellKind = CellKind.TEXT
    #: the Excel column's width, in characters
    width: int = 16


def neutralised(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_response(
    columns: Sequence[ExportColumn[_Row]],
    rows: Iterable[_Row],
    filename: str,
    fmt: ExportFormat,
) -> StreamingResponse:
    """The rows as a download in ``fmt``, written as they are read (see the module)."""
    chunks = _csv_blocks(columns, rows) if fmt is ExportFormat.CSV else _xlsx_blocks(columns, rows)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.") or "export"
    return StreamingResponse(
        chunks,
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}.{fmt.value}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- CSV --------------------------------------------------------------------------------


def csv_cell(kind: CellKind, value: Any) -> str:
    """One value as CSV text (blank for None)."""
    if value is None:
        return ""
    if kind is CellKind.MONEY:
        return str(Decimal(str(value)).quantize(_CENT))
    if kind is CellKind.INTEGER:
        return str(int(value))
    if kind is CellKind.DATE:
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind is CellKind.MOMENT:
        return _utc(value).strftime("%Y-%m-%d %H:%M")
    return neutralised(str(value))


def _csv_blocks(columns: Sequence[ExportColumn[_Row]], rows: Iterable[_Row]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralised(column.heading) for column in columns])
    for row in rows:
        writer.writerow([csv_cell(column.kind, column.value(row)) for column in columns])
        if buffer.tell() >= _BLOCK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- Excel ------------------------------------------------------------------------------


def _xlsx_blocks(columns: Sequence[ExportColumn[_Row]], rows: Iterable[_Row]) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as file:
        write_workbook(file, columns, rows)
        file.seek(0)
        while block := file.read(_BLOCK):
            yield block


def write_workbook(
    file: IO[bytes], columns: Sequence[ExportColumn[_Row]], rows: Iterable[_Row]
) -> int:
    """Write the rows as a one-sheet workbook to ``file``; returns the rows written."""
    workbook = xlsxwriter.Workbook(
        file,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    formats = {
        CellKind.MONEY: workbook.add_format({"num_format": "#,##0.00"}),
        CellKind.INTEGER: workbook.add_format({"num_format": "0"}),
        CellKind.DATE: workbook.add_format({"num_format": "d mmm yyyy"}),
        CellKind.MOMENT: workbook.add_format({"num_format": 'd mmm yyyy hh:mm "UTC"'}),
    }
    sheet = workbook.add_worksheet("List")
    heading = workbook.add_format({"bold": True, "bottom": 1})
    for number, column in enumerate(columns):
        sheet.set_column(number, number, column.width)
        sheet.write_string(0, number, neutralised(column.heading), heading)
    sheet.freeze_panes(1, 0)
    written = 0
    for row in rows:
        if written + 2 >= XLSX_MAX_ROWS:
            sheet.write_string(
                written + 1,
                0,
                "More rows than one Excel sheet holds; download the CSV for every row.",
            )
            break
        written += 1
        for number, column in enumerate(columns):
            _write_cell(sheet, written, number, column.kind, column.value(row), formats)
    sheet.autofilter(0, 0, max(written, 1), max(len(columns) - 1, 0))
    workbook.close()
    return written


def _write_cell(
    sheet: Any, row: int, column: int, kind: CellKind, value: Any, formats: dict[CellKind, Any]
) -> None:
    if value is None:
        return
    if kind in (CellKind.MONEY, CellKind.INTEGER):
        amount = Decimal(str(value))
        shown = amount.quantize(_CENT) if kind is CellKind.MONEY else amount
        sheet.write_number(row, column, float(shown), formats[kind])
    elif kind is CellKind.DATE:
        sheet.write_datetime(
            row, column, datetime(value.year, value.month, value.day), formats[kind]
        )
    elif kind is CellKind.MOMENT:
        sheet.write_datetime(row, column, _utc(value).replace(tzinfo=None), formats[kind])
    else:
        sheet.write_string(row, column, neutralised(str(value)))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment

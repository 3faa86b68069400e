"""Read a canonical CSV dataset folder straight into columns, or decline to.

:func:`~.reader.read_dataset` validates a folder row by row and builds one value object
per row: exact, with every problem located, and about 13 s for a million order lines.
:func:`read_tables` reads the same folder into
:class:`~controltower.domain.tables.DatasetTables` in about 1.2 s on the 2-core
development machine: pyarrow parses the files with every cell as text, and each column
is validated and converted with whole-array operations, mostly on its distinct values.

It is a fast path, not a second reader, and it reports no problems. Whenever the folder
is not certainly valid, or holds anything it does not handle exactly as the row reader
does, it raises :class:`FastPathDeclined` and the caller runs ``read_dataset``, which
reports the problems precisely (or reads what only it handles, such as a value with
more than six decimals). When it accepts a folder, its tables equal
``tables_from_dataset(read_dataset(folder).dataset)`` array for array and its warnings
equal the row reader's.

Exactness rests on three rules:

* **The same cells.** pyarrow parses a file only where it cannot differ from Python's
  ``csv`` module: fields are the text between commas, lines end at ``\\n``, ``\\r\\n``
  or ``\\r``, and quotes, if any, are used the way strict ``csv`` requires (checked
  first). Any other file (broken quoting, rows of another width, ...) is parsed by
  ``csv`` itself, as the row reader does.
* **The same values.** Every rule comes from the format table (:mod:`.columns`), and the
  whole-array code only claims values in their plainest spelling (``12.5``,
  ``2026-08-26T07:04:00``), whose conversion is obvious; every other distinct value goes
  through the row reader's own parser (:mod:`.values`). Trimming is ``str.strip``.
* **The same checks.** Blank required values, duplicate keys, unknown references and
  the row rules are all checked on the columns; any failure declines.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from controltower.connectors.dataset.columns import FILES, FILES_BY_NAME, Column, FileSpec
from controltower.connectors.dataset.reader import (
    ProgressCallback,
    _unknown_entries,
    other_separator,
)
from controltower.connectors.dataset.values import (
    Boolean,
    Choice,
    DateOrDateTime,
    DecimalNumber,
    Invalid,
    IsoDate,
    Text,
    WholeNumber,
)
from controltower.domain.columnar import NULL_DAY, QTY_SCALE, ColumnarPrecisionError, to_units
from controltower.domain.model import FIRST_DATE, LAST_DATE, TIER_RANK, Tier
from controltower.domain.tables import (
    CustomerTable,
    DatasetTables,
    InvoiceTable,
    PickTable,
    ProductTable,
    PurchaseOrderLineTable,
    PurchaseOrderTable,
    ReceiptTable,
    ReturnTable,
    SalesOrderLineTable,
    SalesOrderTable,
    StockTable,
    SupplierTable,
    TransferLaneTable,
    Vocabularies,
    Vocabulary,
    WarehouseTable,
    seconds_since_epoch,
)

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]
T = TypeVar("T")
#: a column of text: what pyarrow parsed (chunked) or one array (distinct values)
Strings: TypeAlias = pa.Array | pa.ChunkedArray

#: What ``str.strip()`` removes: every character for which ``str.isspace()`` holds.
WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)

#: The kind of code (the :class:`Vocabularies` field) each code column holds; every
#: other text column is free text, kept as ``str``.
CODE_KINDS: Final[dict[tuple[str, str], str]] = {
    ("warehouses.csv", "code"): "warehouses",
    ("warehouses.csv", "company"): "companies",
    ("transfer_lanes.csv", "from_warehouse"): "warehouses",
    ("transfer_lanes.csv", "to_warehouse"): "warehouses",
    ("products.csv", "sku"): "skus",
    ("customers.csv", "code"): "customers",
    ("suppliers.csv", "code"): "suppliers",
    ("stock.csv", "sku"): "skus",
    ("stock.csv", "warehouse"): "warehouses",
    ("sales_orders.csv", "order_id"): "orders",
    ("sales_orders.csv", "customer"): "customers",
    ("sales_orders.csv", "warehouse"): "warehouses",
    ("sales_order_lines.csv", "order_id"): "orders",
    ("sales_order_lines.csv", "sku"): "skus",
    ("purchase_orders.csv", "po_id"): "pos",
    ("purchase_orders.csv", "supplier"): "suppliers",
    ("purchase_orders.csv", "warehouse"): "warehouses",
    ("purchase_order_lines.csv", "po_id"): "pos",
    ("purchase_order_lines.csv", "sku"): "skus",
    ("receipts.csv", "po_id"): "pos",
    ("invoices.csv", "customer"): "customers",
    ("returns.csv", "customer"): "customers",
    ("returns.csv", "order_id"): "orders",
    ("returns.csv", "sku"): "skus",
    ("picks.csv", "order_id"): "orders",
    ("picks.csv", "warehouse"): "warehouses",
}
KINDS: Final = ("warehouses", "companies", "skus", "customers", "suppliers", "orders", "pos")

TABLE_TYPES: Final[dict[str, type]] = {
    "warehouses.csv": WarehouseTable,
    "transfer_lanes.csv": TransferLaneTable,
    "products.csv": ProductTable,
    "customers.csv": CustomerTable,
    "suppliers.csv": SupplierTable,
    "stock.csv": StockTable,
    "sales_orders.csv": SalesOrderTable,
    "sales_order_lines.csv": SalesOrderLineTable,
    "purchase_orders.csv": PurchaseOrderTable,
    "purchase_order_lines.csv": PurchaseOrderLineTable,
    "receipts.csv": ReceiptTable,
    "invoices.csv": InvoiceTable,
    "returns.csv": ReturnTable,
    "picks.csv": PickTable,
}
#: Table fields named differently from their column; an optional quantity without a
#: default also gets a ``<field>_given`` column.
FIELD_NAMES: Final = {"order_id": "order", "po_id": "po", "pick_capacity_lines_per_day": "capacity"}

#: The row rule the fast path checks on columns (``stock.csv``: hold within on hand).
_QUALITY_HOLD_RULE: Final = ("stock.csv", ("on_hand", "quality_hold"), "quality_hold")

# The plainest spellings, claimed by the whole-array code; anything else goes through
# the row reader's parser. Twelve whole digits keep every value below 2**62 millionths.
_PLAIN_QUANTITY: Final = r"^(?P<sign>)(?P<whole>[0-9]{1,12})(?:\.(?P<fraction>[0-9]{0,6}))?$"
_PLAIN_AMOUNT: Final = r"^(?P<sign>-?)(?P<whole>[0-9]{1,12})(?:\.(?P<fraction>[0-9]{0,6}))?$"
_PLAIN_WHOLE: Final = r"^[0-9]{1,18}$"
_MOMENT_WIDTH: Final = 19  # 2026-08-26T07:04:00
_MOMENT_DIGITS: Final = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)
_MOMENT_SEPARATORS: Final = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"))
_DAYS_IN_MONTH: Final = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_DAYS_BEFORE_MONTH: Final = np.concatenate(([0], np.cumsum(_DAYS_IN_MONTH)[:-1]))
_PACK_SHIFT: Final = 31  # composite keys: first part << 31 | second part
_SLICE: Final = 1 << 22  # bytes looked at at once
_THREADS_FROM: Final = 1 << 21  # bytes of CSV from which a thread pool pays
_BLOCK: Final = 1 << 22  # bytes pyarrow parses per task
_SAME_FROM: Final = 1_000  # values below which repeated columns are not looked for
_HEAD: Final = 1_000  # rows that tell an unsorted column at a glance
_QUOTE: Final = ord('"')
#: bytes after which a quote opens a field, and before which a quote may close one
_SEPARATOR: Final = np.zeros(256, dtype=np.bool_)
_SEPARATOR[[ord(","), ord("\r"), ord("\n")]] = True
_LINE_ENDS: Final = (ord("\r"), ord("\n"))
_LINE_END: Final = np.zeros(256, dtype=np.bool_)
_LINE_END[list(_LINE_ENDS)] = True
#: bytes that may be, or be part of, whitespace ``str.strip`` removes
_MAY_TRIM: Final = np.zeros(256, dtype=np.bool_)
_MAY_TRIM[[ord(c) for c in WHITESPACE if c.isascii()]] = True
_MAY_TRIM[0x80:] = True
#: control characters (C0 and DEL), and those free text may hold
_CONTROL_BYTE: Final = np.zeros(256, dtype=np.bool_)
_CONTROL_BYTE[[*range(0x20), 0x7F]] = True
_LINE_BREAK_OR_TAB: Final = np.zeros(256, dtype=np.bool_)
_LINE_BREAK_OR_TAB[[ord("\t"), ord("\n"), ord("\r")]] = True


class FastPathDeclined(Exception):
    """The fast path does not take this folder; ``read_dataset`` must read it.

    ``reason`` says what made it decline (for logs, not for users: the row reader
    reports the actual problems).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FastReadResult:
    """The dataset as columns, and the row reader's warnings about what was ignored."""

    tables: DatasetTables
    warnings: list[str]


def read_tables(folder: Path, progress: ProgressCallback | None = None) -> FastReadResult:
    """Read and fully validate ``folder`` into columns, or raise :class:`FastPathDeclined`.

    ``progress(file_name, rows_done, rows_total)`` is called once for each file read,
    in format order, with the file's row count.
    """
    folder = Path(folder)
    unhandled = _unhandled_format()
    if unhandled is not None:
        raise FastPathDeclined(unhandled)
    if not folder.is_dir():
        raise FastPathDeclined(f"{folder}: not a folder")
    try:
        return _read_folder(folder, progress)
    except (pa.ArrowException, OSError, csv.Error, ColumnarPrecisionError, OverflowError) as error:
        # OverflowError: a zone moving a moment out of the calendar, which the row
        # reader's parser raises rather than reports
        raise FastPathDeclined(f"{type(error).__name__}: {error}") from error


# ------------------------------------------------------------------ the whole folder


def _read_folder(folder: Path, progress: ProgressCallback | None) -> FastReadResult:
    """Read every file, convert every column, then map codes and check across files.

    A big folder is worked on by a small thread pool: pyarrow and numpy release the
    GIL, so files and columns are converted side by side. A small one is read on this
    thread, where handing hundreds of tiny tasks around would cost more than they do.
    """
    warnings = _unknown_entries(folder)
    pool = _pool_for(folder)
    try:
        files = _converted_files(pool, folder, progress, warnings)
        vocab, ids = _resolve_codes(pool, files)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    columns = {
        name: {
            column.name: column.values if column.codes is None else ids[(name, column.name)]
            for column in file
        }
        for name, file in files.items()
    }
    for spec in FILES:
        _check_keys_references_and_rules(spec, columns)
    return FastReadResult(_tables(vocab, files, ids), warnings)


def _converted_files(
    pool: Executor, folder: Path, progress: ProgressCallback | None, warnings: list[str]
) -> dict[str, list[_Column]]:
    """Every file's columns, converted, without its skipped rows.

    Headers are checked, and warnings and progress given, in format order on this
    thread, as the row reader gives them.
    """
    raws = {spec.name: pool.submit(_read_raw, folder / spec.name, spec) for spec in FILES}
    pending: dict[str, tuple[_RawFile | None, list[Future[_Column]]]] = {}
    for spec in FILES:
        raw = raws[spec.name].result()
        if raw is not None:
            raw = _with_known_header(spec, raw, warnings)
            if raw is None:
                warnings.append(f"{spec.name}: file is empty and was read as having no rows")
        rows = 0 if raw is None else raw.rows
        cells = {} if raw is None else raw.known_cells()
        conversions = [
            pool.submit(_convert, spec, column, cells.get(column.name), rows)
            for column in spec.columns
        ]
        pending[spec.name] = (raw, conversions)
        if raw is not None and progress is not None:
            progress(spec.name, raw.rows, raw.rows)
    return {
        spec.name: _finish_file(
            spec, pending[spec.name][0], [future.result() for future in pending[spec.name][1]]
        )
        for spec in FILES
    }


def _pool_for(folder: Path) -> Executor:
    """Threads for a folder worth them, else the calling thread."""
    paths = [folder / spec.name for spec in FILES]
    size = sum(path.stat().st_size for path in paths if path.is_file())
    if size < _THREADS_FROM:
        return _ThisThread()
    return ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))


class _ThisThread(Executor):
    """Runs each task at once on the calling thread."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@cache
def _unhandled_format() -> str | None:
    """Why the format table holds something this module does not know, or None.

    A new column type, row rule or reference must be taught here before the fast path
    takes it; until then every folder goes to the row reader.
    """
    handled = (Text, DecimalNumber, WholeNumber, IsoDate, DateOrDateTime, Boolean, Choice)
    for spec in FILES:
        if spec.name not in TABLE_TYPES:
            return f"{spec.name}: no table for this file"
        for column in spec.columns:
            if not isinstance(column.type, handled):
                return f"{spec.name}: column {column.name} has an unknown type"
        if len(spec.key) > 2 or (len(spec.key) == 2 and not all(_numbered(spec, spec.key))):
            return f"{spec.name}: a key the columns cannot pack into one number"
        for rule in spec.row_rules:
            if (spec.name, rule.columns, rule.report_column) != _QUALITY_HOLD_RULE:
                return f"{spec.name}: unknown row rule on {rule.columns}"
        for reference in spec.references:
            target = FILES_BY_NAME[reference.target]
            if len(reference.columns) != len(target.key):
                return f"{spec.name}: reference {reference.columns} does not match its key"
            if len(reference.columns) == 1 and CODE_KINDS.get(
                (spec.name, reference.columns[0])
            ) != CODE_KINDS.get((target.name, target.key[0])):
                return f"{spec.name}: reference {reference.columns} is not a code"
    return None


def _numbered(spec: FileSpec, columns: Sequence[str]) -> list[bool]:
    """Which of ``columns`` the tables hold as numbers (codes, whole numbers)."""
    return [
        (spec.name, column) in CODE_KINDS or isinstance(spec.column(column).type, WholeNumber)
        for column in columns
    ]


# ------------------------------------------------------------------- reading cells


@dataclass(frozen=True, slots=True)
class _RawFile:
    """A file's cells as Python's ``csv`` module reads them: one text array per header cell.

    ``positions`` (set once the header is checked) maps known columns to cell arrays.
    """

    header: list[str]
    cells: list[pa.ChunkedArray]
    rows: int
    positions: dict[str, int] = field(default_factory=dict)

    def known_cells(self) -> dict[str, pa.ChunkedArray]:
        return {name: self.cells[index] for name, index in self.positions.items()}


def _read_raw(path: Path, spec: FileSpec) -> _RawFile | None:
    """The file's cells; None when it is absent (and optional)."""
    if not path.exists():
        if spec.required:
            raise FastPathDeclined(f"{spec.name}: required file is missing")
        return None
    if not path.is_file():
        raise FastPathDeclined(f"{spec.name}: not a regular file")
    data = _contents(path)
    if data.size >= len(codecs.BOM_UTF8) and data[:3].tobytes() == codecs.BOM_UTF8:
        data = data[len(codecs.BOM_UTF8) :]  # what the row reader's utf-8-sig drops
    if data.size == 0:  # no header: the row reader warns about it (or refuses it)
        return _RawFile([], [], 0)
    if data.min() == 0:
        raise FastPathDeclined(f"{spec.name}: holds a NUL byte")
    if data.max() >= 0x80:
        _require_utf8(data, spec.name)
    if data[0] in _LINE_ENDS:
        raise FastPathDeclined(f"{spec.name}: starts with a blank line")
    quoted = _holds(data, _QUOTE)
    if not quoted or _strictly_quoted(data):
        try:
            return _cells_by_arrow(data, quoted)
        except pa.ArrowInvalid:
            pass  # rows of another width, a lone line without its end: csv decides
    return _cells_by_csv(data, spec.name)


def _contents(path: Path) -> npt.NDArray[np.uint8]:
    """The file's bytes, memory-mapped: a big file is read without being copied."""
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=np.uint8)
    with pa.memory_map(str(path)) as source:
        return np.frombuffer(source.read_buffer(), dtype=np.uint8)


def _holds(data: npt.NDArray[np.uint8], byte: int) -> bool:
    """Whether ``byte`` occurs in ``data`` (looked for a slice at a time: no big temporary)."""
    return any((data[i : i + _SLICE] == byte).any() for i in range(0, data.size, _SLICE))


def _require_utf8(data: npt.NDArray[np.uint8], name: str) -> None:
    """Decline unless ``data`` is UTF-8, decoded a slice at a time as Python decodes it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, data.size, _SLICE):
            decoder.decode(data[start : start + _SLICE].tobytes())
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise FastPathDeclined(f"{name}: not valid UTF-8") from error


def _strictly_quoted(data: npt.NDArray[np.uint8]) -> bool:
    """Whether every quote opens, doubles or closes a field as strict ``csv`` wants.

    A quote at the start of a field opens it, ``""`` inside stands for one quote, and
    the closing one must be followed by a comma, a line end or the end of the file; a
    quote inside an unquoted field is text. pyarrow parses exactly such files as
    ``csv`` does; it would also accept text after a closing quote, which ``csv`` refuses.
    """
    quotes = np.flatnonzero(data == _QUOTE)
    before = data[np.maximum(quotes - 1, 0)]
    after = data[np.minimum(quotes + 1, data.size - 1)]
    opens = (_SEPARATOR[before] | (quotes == 0)).tolist()
    closes = (_SEPARATOR[after] | (quotes == data.size - 1)).tolist()
    doubled = ((after == _QUOTE) & (quotes < data.size - 1)).tolist()
    inside = False
    i = 0
    while i < len(opens):
        if not inside:
            inside = opens[i]
        elif doubled[i]:
            i += 1  # the next quote is the second of the pair
        elif closes[i]:
            inside = False
        else:
            return False
        i += 1
    return not inside


def _cells_by_arrow(data: npt.NDArray[np.uint8], quoted: bool) -> _RawFile:
    """pyarrow's parse of a file where it cannot differ from ``csv`` (see above)."""
    header = _header(data, quoted)
    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pacsv.ReadOptions(
            column_names=names, block_size=_BLOCK, use_threads=data.size > _BLOCK
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=",",
            quote_char='"' if quoted else False,
            double_quote=True,
            escape_char=False,
            newlines_in_values=quoted,
            ignore_empty_lines=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            check_utf8=False,  # checked above, as Python decodes it
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if table.num_columns != len(header) or table.num_rows < 1:
        raise pa.ArrowInvalid("unexpected shape")
    if [table.column(i)[0].as_py() for i in range(len(header))] != header:
        raise pa.ArrowInvalid("the header row differs")
    cells = [table.column(i).slice(1) for i in range(len(header))]
    limit = csv.field_size_limit()
    if any(len(cell) > limit for cell in header) or any(
        _lengths(column).max(initial=0) > limit for column in cells
    ):
        raise pa.ArrowInvalid("a field beyond csv's field size limit")
    return _RawFile(header, cells, table.num_rows - 1)


def _header(data: npt.NDArray[np.uint8], quoted: bool) -> list[str]:
    """The first row as ``csv`` reads it."""
    if quoted:
        text = io.TextIOWrapper(io.BytesIO(data.tobytes()), encoding="utf-8", newline="")
        return next(csv.reader(text, strict=True))
    window = 1 << 12  # the header ends early: look in growing windows
    ends = np.flatnonzero(_LINE_END[data[:window]])
    while ends.size == 0 and window < data.size:
        window *= 8
        ends = np.flatnonzero(_LINE_END[data[:window]])
    end = int(ends[0]) if ends.size else data.size
    return data[:end].tobytes().decode("utf-8").split(",")


def _cells_by_csv(data: npt.NDArray[np.uint8], name: str) -> _RawFile:
    """Python's own parse, rows padded and trimmed to the header as the row reader does."""
    text = data.tobytes().decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        width = len(header)
        rows: list[list[str]] = []
        for row in reader:
            if not row:
                continue
            if len(row) > width:
                if any(cell.strip() for cell in row[width:]):
                    raise FastPathDeclined(f"{name}: a row is longer than the header")
                row = row[:width]
            elif len(row) < width:
                row.extend([""] * (width - len(row)))
            rows.append(row)
    except csv.Error as error:
        raise FastPathDeclined(f"{name}: not readable as CSV ({error})") from error
    columns = zip(*rows, strict=True) if rows else ([] for _ in header)
    cells = [pa.chunked_array([pa.array(list(c), type=pa.string())]) for c in columns]
    return _RawFile(header, cells, len(rows))


def _with_known_header(spec: FileSpec, raw: _RawFile, warnings: list[str]) -> _RawFile | None:
    """The header checked as the row reader checks it; None when it names nothing.

    Adds the row reader's warnings for unnamed and unknown columns. A header separated
    by something else than commas is declined: the row reader names the separator.
    """
    if other_separator(",".join(raw.header), spec) is not None:
        raise FastPathDeclined(f"{spec.name}: the columns are not separated by commas")
    if not any(cell.strip() for cell in raw.header):
        if spec.required:
            raise FastPathDeclined(f"{spec.name}: the header is blank")
        return None
    known = {column.name for column in spec.columns}
    positions: dict[str, int] = {}
    for index, cell in enumerate(raw.header):
        column = cell.strip()
        if not column:
            warnings.append(f"{spec.name}: column {index + 1} has no name and was ignored")
        elif column not in known:
            warnings.append(
                f"{spec.name}: column {column!r} is not part of the format and was ignored"
            )
        elif column in positions:
            raise FastPathDeclined(f"{spec.name}: column {column} appears twice")
        else:
            positions[column] = index
    for column_spec in spec.columns:
        if column_spec.required and column_spec.name not in positions:
            raise FastPathDeclined(f"{spec.name}: required column {column_spec.name} is missing")
    return replace(raw, positions=positions)


# ----------------------------------------------------------- text arrays as bytes


def _chunks(values: Strings) -> list[pa.Array]:
    return list(values.chunks) if isinstance(values, pa.ChunkedArray) else [values]


def _buffers(chunk: pa.Array) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
    """The offsets (one more than the rows) and the bytes of a string array, not copied."""
    buffers = chunk.buffers()
    if len(chunk) == 0 or buffers[1] is None:
        return np.zeros(1, dtype=np.int32), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(buffers[1], dtype=np.int32)
    data = (
        np.zeros(0, dtype=np.uint8) if buffers[2] is None else np.frombuffer(buffers[2], np.uint8)
    )
    return offsets[chunk.offset : chunk.offset + len(chunk) + 1], data


def _lengths(values: Strings) -> npt.NDArray[np.int32]:
    """The length in bytes of every string."""
    parts = [np.diff(_buffers(chunk)[0]) for chunk in _chunks(values)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def _empty(values: Strings) -> Bools:
    return np.asarray(_lengths(values) == 0)


def _trimmed(values: Strings) -> Strings:
    """``str.strip()`` of every cell; skipped when no cell may start or end with a space.

    A byte that may be whitespace (ASCII whitespace, or any byte of a non-ASCII
    character) at either end of a cell sends the column through the full trim.
    """
    for chunk in _chunks(values):
        offsets, data = _buffers(chunk)
        if data.size == 0:
            continue
        # an empty cell shows a neighbour's byte: at worst a needless trim
        firsts = data.take(offsets[:-1], mode="clip")
        lasts = data.take(offsets[1:] - 1, mode="clip")
        if _MAY_TRIM[firsts].any() or _MAY_TRIM[lasts].any():
            return pc.utf8_trim(values, WHITESPACE)
    return values


def _fixed_width(values: Strings, width: int) -> npt.NDArray[np.uint8]:
    """The bytes of strings all ``width`` long, one row each."""
    parts = []
    for chunk in _chunks(values):
        offsets, data = _buffers(chunk)
        start, end = int(offsets[0]), int(offsets[-1])
        if end - start != width * len(chunk):
            raise FastPathDeclined("strings of unexpected width")  # pragma: no cover
        parts.append(data[start:end].reshape(len(chunk), width))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.uint8)


def _distinct(cells: pa.ChunkedArray) -> tuple[npt.NDArray[np.int32], pa.Array]:
    """Each row's index into the column's distinct cells, and those cells trimmed."""
    if len(cells) == 0:
        return np.zeros(0, dtype=np.int32), pa.array([], type=pa.string())
    encoded = cells.dictionary_encode()
    dictionary = encoded.chunks[-1].dictionary
    if any(len(chunk.dictionary) != len(dictionary) for chunk in encoded.chunks):
        return _distinct(pa.chunked_array([cells.combine_chunks()]))  # pragma: no cover
    indices = [chunk.indices.to_numpy() for chunk in encoded.chunks]
    return np.concatenate(indices), _trimmed(dictionary)


# ------------------------------------------------------------- converting columns


@dataclass(frozen=True, slots=True)
class _Column:
    """One column converted: its table fields, which rows were blank, and codes to map.

    ``values`` is the column's main field (what keys and references compare); a code
    column holds its trimmed ``codes`` (blank ones replaced by the default) until the
    shared vocabulary gives them ids.
    """

    name: str
    fields: dict[str, np.ndarray]
    blank: Bools
    codes: _Codes | None = None

    @property
    def values(self) -> np.ndarray:
        return self.fields[_field_name(self.name)]

    def kept(self, keep: Bools) -> _Column:
        """The column without the rows ``keep`` leaves out."""
        return _Column(
            self.name,
            {key: array[keep] for key, array in self.fields.items()},
            self.blank[keep],
            None if self.codes is None else self.codes.kept(keep),
        )


@dataclass(frozen=True, slots=True)
class _Codes:
    """A code column as its distinct ``values`` and how rows map onto them.

    A sorted column is kept as runs (``lengths``: rows per value), any other as a
    dictionary (``indices``: the value of each row), so that the vocabulary is built
    from distinct values only.
    """

    values: Strings
    lengths: npt.NDArray[np.int64] | None = None
    indices: npt.NDArray[np.int32] | None = None

    def rows(self, value_ids: I32) -> I32:
        """Per row, the id its value has."""
        if self.lengths is not None:
            return np.repeat(value_ids, self.lengths)
        assert self.indices is not None
        return value_ids[self.indices]

    def kept(self, keep: Bools) -> _Codes:
        """Only the rows ``keep`` keeps, and only the values they hold.

        A dropped row's value (a blank turned into the default) must not reach the
        vocabulary.
        """
        rows = self.rows(np.arange(len(self.values), dtype=np.int32))[keep]
        used, indices = np.unique(rows, return_inverse=True)
        return _Codes(self.values.take(pa.array(used)), indices=indices.astype(np.int32))


def _field_name(column: str) -> str:
    """The :class:`DatasetTables` field of a column."""
    return FIELD_NAMES.get(column, column)


def _convert(spec: FileSpec, column: Column, cells: pa.ChunkedArray | None, rows: int) -> _Column:
    """Validate and convert one column; a missing optional column is all blank."""
    if cells is None:
        cells = pa.chunked_array([pa.repeat(pa.scalar("", type=pa.string()), rows)])
    where = f"{spec.name} {column.name}"
    kind = column.type
    name = _field_name(column.name)
    if isinstance(kind, Text):
        if (spec.name, column.name) in CODE_KINDS:
            return _code_column(column, cells)
        if spec.key == (column.name,):
            return _key_text_column(column, cells)
        return _text_column(column, cells)
    if isinstance(kind, DateOrDateTime):
        seconds, blank = _seconds_of(_trimmed(cells), kind, where)
        return _Column(column.name, {name: seconds}, blank)
    indices, distinct = _distinct(cells)
    if isinstance(kind, DecimalNumber):
        return _quantity_column(column, indices, *_units_of(distinct, kind, where))
    if isinstance(kind, WholeNumber):
        numbers, blank = _whole_numbers_of(distinct, kind, where)
        numbers[blank] = -1
        return _Column(column.name, {name: numbers[indices]}, blank[indices])
    if isinstance(kind, IsoDate):
        days, blank = _days_of(distinct, kind, where, column.required)
        return _Column(column.name, {name: days[indices]}, blank[indices])
    if isinstance(kind, Boolean):
        return _boolean_column(column, indices, *_flags_of(distinct, kind, where))
    if isinstance(kind, Choice):
        ranks, blank = _ranks_of(distinct, kind, where)
        if column.default is not None:
            ranks[blank] = _rank_table(kind)[column.default]
        return _Column(column.name, {name: ranks[indices]}, blank[indices])
    raise FastPathDeclined(f"{where}: unknown column type")  # pragma: no cover


def _code_column(column: Column, cells: pa.ChunkedArray) -> _Column:
    """Codes wait, trimmed, for the vocabulary of their kind (see :func:`_resolve_codes`).

    Blank codes take the column's default (a warehouse's company).
    """
    codes = _runs(_trimmed(cells))
    if codes is None:
        indices, distinct = _distinct(cells)
        codes = _Codes(distinct, indices=indices)
    _refuse_control(codes.values, column)
    blank_values = _empty(codes.values)
    if column.default is not None and blank_values.any():
        default = pa.scalar(str(column.default), type=pa.string())
        codes = replace(codes, values=pc.if_else(pa.array(blank_values), default, codes.values))
    blank = codes.rows(blank_values.astype(np.int32)).astype(np.bool_)
    return _Column(column.name, {}, blank, codes)


def _refuse_control(values: Strings, column: Column) -> None:
    """Decline when a trimmed text holds a control character the row reader refuses.

    Looked for in the bytes, which is exact: every byte of a multi-byte UTF-8
    character is 0x80 or more. Free text may hold tabs and line breaks (see ``Text``).
    """
    free_text = isinstance(column.type, Text) and column.type.free_text
    for chunk in _chunks(values):
        offsets, data = _buffers(chunk)
        used = data[int(offsets[0]) : int(offsets[-1])]
        found = _CONTROL_BYTE[used]
        if free_text and found.any():
            found &= ~_LINE_BREAK_OR_TAB[used]
        if found.any():
            raise FastPathDeclined(f"{column.name}: a control character")


def _key_text_column(column: Column, cells: pa.ChunkedArray) -> _Column:
    """A row identifier (receipt, invoice, RMA, pick): distinct per row, so not encoded."""
    texts = _trimmed(cells)
    _refuse_control(texts, column)
    objects = np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object)
    return _Column(column.name, {_field_name(column.name): objects}, _empty(texts))


def _text_column(column: Column, cells: pa.ChunkedArray) -> _Column:
    """Free text: the distinct cells become ``str`` once, rows share them."""
    indices, distinct = _distinct(cells)
    _refuse_control(distinct, column)
    texts = distinct.to_pylist()
    objects = np.empty(len(texts), dtype=object)
    objects[:] = [text if text else column.default for text in texts]
    blank = np.array([not text for text in texts], dtype=np.bool_)
    return _Column(column.name, {_field_name(column.name): objects[indices]}, blank[indices])


def _quantity_column(column: Column, indices: np.ndarray, units: I64, blank: Bools) -> _Column:
    """Millionths per row; ``<field>_given`` too when a blank means "not given"."""
    name = _field_name(column.name)
    blank_rows = blank[indices]
    if not column.required and column.default is None:
        fields = {name: units[indices], f"{name}_given": ~blank_rows}
        return _Column(column.name, fields, blank_rows)
    if isinstance(column.default, Decimal):
        units[blank] = to_units(column.default, f"the default of {column.name}")
    return _Column(column.name, {name: units[indices]}, blank_rows)


def _boolean_column(
    column: Column, indices: np.ndarray, flags: npt.NDArray[np.int8], blank: Bools
) -> _Column:
    """Booleans per row; with no default, ``int8`` -1 blank, 0 false, 1 true."""
    name = _field_name(column.name)
    if column.default is None:
        return _Column(column.name, {name: flags[indices]}, blank[indices])
    flags[blank] = int(bool(column.default))
    return _Column(column.name, {name: flags[indices].astype(np.bool_)}, blank[indices])


def _units_of(values: pa.Array, kind: DecimalNumber, where: str) -> tuple[I64, Bools]:
    """Millionths of each distinct value (0 when blank), and which were blank."""
    blank = _empty(values)
    units = np.zeros(len(values), dtype=np.int64)
    parts = pc.extract_regex(values, _PLAIN_AMOUNT if kind.allow_negative else _PLAIN_QUANTITY)
    plain = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False))
    if plain.any():
        parts = parts.filter(pa.array(plain))
        whole = pc.cast(parts.field("whole"), pa.int64()).to_numpy()
        fraction = pc.utf8_rpad(parts.field("fraction"), width=6, padding="0")
        magnitude = whole * QTY_SCALE + pc.cast(fraction, pa.int64()).to_numpy()
        negative = pc.equal(parts.field("sign"), pa.scalar("-", type=pa.string())).to_numpy(
            zero_copy_only=False
        )
        units[plain] = np.where(negative, -magnitude, magnitude)
    for i, raw in _others(values, plain | blank):
        value = _parsed(kind, raw, where)
        try:
            units[i] = to_units(value, where)
        except ColumnarPrecisionError as error:
            raise FastPathDeclined(str(error)) from error
    return units, blank


def _whole_numbers_of(values: pa.Array, kind: WholeNumber, where: str) -> tuple[I64, Bools]:
    """Each distinct whole number (0 when blank), and which were blank."""
    blank = _empty(values)
    numbers = np.zeros(len(values), dtype=np.int64)
    matched = pc.match_substring_regex(values, _PLAIN_WHOLE)
    plain = np.asarray(matched.to_numpy(zero_copy_only=False))
    if plain.any():
        numbers[plain] = pc.cast(values.filter(matched), pa.int64()).to_numpy()
        if (numbers[plain] < kind.minimum).any() or (numbers[plain] > kind.maximum).any():
            raise FastPathDeclined(f"{where}: a number outside {kind.minimum}..{kind.maximum}")
    for i, raw in _others(values, plain | blank):
        numbers[i] = _parsed(kind, raw, where)  # within the column's range: it parsed
    return numbers, blank


def _days_of(values: pa.Array, kind: IsoDate, where: str, required: bool) -> tuple[I32, Bools]:
    """Day numbers of the distinct dates (few: parsed one by one), NULL_DAY when blank.

    In an optional column a text meaning "not given" (``9999-12-31``) is blank too.
    """
    texts = values.to_pylist()
    days = np.full(len(texts), NULL_DAY, dtype=np.int32)
    blank = np.zeros(len(texts), dtype=np.bool_)
    not_given = frozenset() if required else kind.blank_texts
    for i, raw in enumerate(texts):
        if raw and raw not in not_given:
            days[i] = _parsed(kind, raw, where).toordinal()
        else:
            blank[i] = True
    return days, blank


def _flags_of(values: pa.Array, kind: Boolean, where: str) -> tuple[npt.NDArray[np.int8], Bools]:
    """-1 blank, 0 false, 1 true for each distinct cell."""
    texts = values.to_pylist()
    flags = np.array(
        [-1 if not raw else int(_parsed(kind, raw, where)) for raw in texts], dtype=np.int8
    )
    return flags, flags < 0


def _ranks_of(values: pa.Array, kind: Choice, where: str) -> tuple[npt.NDArray[np.int8], Bools]:
    """The table position of each distinct choice (-1 blank)."""
    ranks = _rank_table(kind)
    texts = values.to_pylist()
    positions = np.array(
        [-1 if not raw else ranks[_parsed(kind, raw, where)] for raw in texts], dtype=np.int8
    )
    return positions, positions < 0


def _rank_table(kind: Choice) -> dict[Any, int]:
    """Tier by :data:`TIER_RANK`, every other choice by declaration order (as the tables)."""
    if kind.enumeration is Tier:
        return dict(TIER_RANK)
    return {member: i for i, member in enumerate(kind.enumeration)}


def _seconds_of(values: Strings, kind: DateOrDateTime, where: str) -> tuple[I64, Bools]:
    """Seconds since the tables' epoch per row (0 when blank), and which were blank.

    ``YYYY-MM-DDTHH:MM:SS`` is read with whole-array arithmetic; any other spelling
    (zones, fractions, a bare date) by the row reader's parser.
    """
    lengths = _lengths(values)
    blank = np.asarray(lengths == 0)
    seconds = np.zeros(len(values), dtype=np.int64)
    plain = np.asarray(lengths == _MOMENT_WIDTH)
    if plain.any():
        rows = np.flatnonzero(plain)
        matrix = _fixed_width(values.filter(pa.array(plain)), _MOMENT_WIDTH)
        ok, found = _plain_moments(matrix)
        seconds[rows[ok]] = found[ok]
        plain[rows[~ok]] = False
    memo: dict[str, int] = {}
    for i, raw in _others(values, plain | blank):
        if raw not in memo:
            memo[raw] = seconds_since_epoch(_parsed(kind, raw, where))
        seconds[i] = memo[raw]
    return seconds, blank


def _plain_moments(matrix: npt.NDArray[np.uint8]) -> tuple[Bools, I64]:
    """Which ``YYYY-MM-DDTHH:MM:SS`` rows are real moments, and their seconds since 0001-01-01."""
    digits = matrix[:, _MOMENT_DIGITS].astype(np.int64) - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    for position, separator in _MOMENT_SEPARATORS:
        ok &= matrix[:, position] == ord(separator)
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month, day, hour, minute, second = (
        digits[:, i] * 10 + digits[:, i + 1] for i in range(4, 14, 2)
    )
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_index = np.clip(month, 1, 12) - 1
    days_in_month = _DAYS_IN_MONTH[month_index] + (leap & (month == 2))
    ok &= (year >= FIRST_DATE.year) & (year <= LAST_DATE.year)  # whole years (see model)
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    ok &= (hour < 24) & (minute < 60) & (second < 60)
    before = year - 1
    ordinal = (
        before * 365
        + before // 4
        - before // 100
        + before // 400
        + _DAYS_BEFORE_MONTH[month_index]
        + (leap & (month > 2))
        + day
    )
    return ok, (ordinal - 1) * 86_400 + hour * 3_600 + minute * 60 + second


def _others(values: Strings, handled: Bools) -> Iterator[tuple[int, str]]:
    """(position, text) of the values the whole-array code left to the parser."""
    rest = np.flatnonzero(~handled)
    if rest.size:
        yield from zip(rest.tolist(), values.take(pa.array(rest)).to_pylist(), strict=True)


def _parsed(kind: Any, raw: str, where: str) -> Any:
    """The row reader's value of ``raw``; declines where it would report a problem."""
    value = kind.parse(raw)
    if isinstance(value, Invalid):
        raise FastPathDeclined(f"{where}: {value.reason}")
    return value


# ---------------------------------------------------------------- whole files


def _finish_file(spec: FileSpec, raw: _RawFile | None, columns: list[_Column]) -> list[_Column]:
    """Drop the rows the row reader skips (every cell blank); decline on a blank required cell."""
    if raw is not None and raw.rows:
        first_required = next(c for c, s in zip(columns, spec.columns, strict=True) if s.required)
        if first_required.blank.any():
            every_cell_blank = np.ones(raw.rows, dtype=np.bool_)
            for cells in raw.cells:
                every_cell_blank &= _empty(_trimmed(cells))
            if every_cell_blank.any():
                columns = [column.kept(~every_cell_blank) for column in columns]
    for column, column_spec in zip(columns, spec.columns, strict=True):
        if column_spec.required and column.blank.any():
            raise FastPathDeclined(f"{spec.name}: a blank {column.name}")
    return columns


def _resolve_codes(
    pool: Executor, files: dict[str, list[_Column]]
) -> tuple[Vocabularies, dict[tuple[str, str], I32]]:
    """Every kind's sorted vocabulary, and the ids of every code column."""
    parts: dict[str, list[tuple[tuple[str, str], _Codes]]] = {kind: [] for kind in KINDS}
    for name, columns in files.items():
        for column in columns:
            if column.codes is not None:
                parts[CODE_KINDS[(name, column.name)]].append(((name, column.name), column.codes))
    futures = {
        kind: pool.submit(_vocabulary, [codes for _, codes in parts[kind]]) for kind in KINDS
    }
    vocabularies: dict[str, Vocabulary] = {}
    ids: dict[tuple[str, str], I32] = {}
    for kind in KINDS:
        vocabularies[kind], column_ids = futures[kind].result()
        for (key, _), values in zip(parts[kind], column_ids, strict=True):
            ids[key] = values
    return Vocabularies(**vocabularies), ids


def _vocabulary(columns: Sequence[_Codes]) -> tuple[Vocabulary, list[I32]]:
    """One kind's codes sorted by code point (UTF-8 byte order), and each column's ids.

    Only distinct values are looked at (see :class:`_Codes`), and a column whose values
    repeat an earlier column's (an order's lines name every order, in order) is not
    looked at again. A blank code (an optional reference left out) gets -1 and no
    place in the vocabulary.
    """
    values = [column.values for column in columns]
    same = [_same_as_earlier(values, i) for i in range(len(values))]
    parts = [part for part, earlier in zip(values, same, strict=True) if earlier is None]
    vocabulary, part_ids = _searched(parts) or _hashed(parts)
    found = iter(part_ids)
    value_ids: list[I32] = []
    for earlier in same:
        value_ids.append(next(found) if earlier is None else value_ids[earlier])
    return vocabulary, [column.rows(ids) for column, ids in zip(columns, value_ids, strict=True)]


def _runs(codes: Strings) -> _Codes | None:
    """A sorted column as runs (a column of distinct values is its own runs); else None."""
    if len(codes) < 2:
        return _Codes(codes, lengths=np.ones(len(codes), dtype=np.int64))
    head = codes[: _HEAD + 1]
    if not pc.all(pc.less_equal(head[:-1], head[1:])).as_py():
        return None  # the usual unsorted column, told from its first rows
    if not pc.all(pc.less_equal(codes[:-1], codes[1:])).as_py():
        return None
    changes = pc.not_equal(codes[:-1], codes[1:]).to_numpy(zero_copy_only=False)
    if changes.all():
        return _Codes(codes, lengths=np.ones(len(codes), dtype=np.int64))
    starts = np.concatenate(([0], np.flatnonzero(changes) + 1))
    return _Codes(codes.take(pa.array(starts)), lengths=np.diff(starts, append=len(codes)))


def _same_as_earlier(parts: Sequence[Strings], i: int) -> int | None:
    """The first earlier part equal to ``parts[i]`` (only tried for large parts)."""
    part = parts[i]
    if len(part) < _SAME_FROM:
        return None
    for j in range(i):
        if len(parts[j]) == len(part) and pc.all(pc.equal(parts[j], part)).as_py():
            return j
    return None


def _searched(parts: Sequence[Strings]) -> tuple[Vocabulary, list[I32]] | None:
    """The vocabulary without hashing, when one part is it and the rest are in it.

    That is the usual case: the key column of the file every other column refers to,
    written sorted, with codes of one width (order and PO ids, customer codes). Codes
    of one width compare as their bytes, so the other parts are found by binary
    search. None when the case does not apply (the caller then hashes).
    """
    base = next((part for part in sorted(parts, key=len, reverse=True) if _is_key(part)), None)
    if base is None:
        return None
    width = int(_lengths(base)[0])
    keys = _width_keys(base, width)
    all_ids: list[I32] = []
    for part in parts:
        if part is base:
            all_ids.append(np.arange(len(part), dtype=np.int32))
            continue
        lengths = _lengths(part)
        filled = lengths > 0
        if not ((lengths == width) | ~filled).all():
            return None
        wanted = _width_keys(part if filled.all() else part.filter(pa.array(filled)), width)
        found = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        if not (keys[found] == wanted).all():
            return None
        ids = np.full(len(part), -1, dtype=np.int32)
        ids[filled] = found
        all_ids.append(ids)
    return Vocabulary(tuple(base.to_pylist())), all_ids


def _is_key(codes: Strings) -> bool:
    """Whether ``codes`` are strictly increasing (so distinct) and all of one width."""
    lengths = _lengths(codes)
    if lengths.size == 0 or lengths[0] == 0 or not (lengths == lengths[0]).all():
        return False
    return len(codes) < 2 or bool(pc.all(pc.less(codes[:-1], codes[1:])).as_py())


def _width_keys(values: Strings, width: int) -> np.ndarray:
    """Codes all ``width`` bytes long as numpy values that sort as the codes do."""
    matrix = _fixed_width(values, width)
    if width > 8:
        return np.ascontiguousarray(matrix).view(f"S{width}").ravel()
    padded = np.zeros((len(matrix), 8), dtype=np.uint8)
    padded[:, :width] = matrix
    return padded.view(">u8").ravel()


def _hashed(parts: Sequence[Strings]) -> tuple[Vocabulary, list[I32]]:
    """The vocabulary of ``parts`` and their ids, by hashing every code."""
    chunks = [chunk for part in parts for chunk in _chunks(part) if len(chunk)]
    if not chunks:
        return Vocabulary(()), [np.zeros(0, dtype=np.int32) for _ in parts]
    encoded = pa.chunked_array(chunks, type=pa.string()).dictionary_encode()
    distinct = encoded.chunks[-1].dictionary
    if any(len(chunk.dictionary) != len(distinct) for chunk in encoded.chunks):
        raise FastPathDeclined("unexpected dictionaries")  # pragma: no cover
    order = pc.sort_indices(distinct).to_numpy()
    rank = np.empty(len(distinct), dtype=np.int32)
    rank[order] = np.arange(len(distinct), dtype=np.int32)
    codes = distinct.take(pa.array(order)).to_pylist()
    if codes and codes[0] == "":
        codes = codes[1:]
        rank -= 1
    ids = rank[np.concatenate([chunk.indices.to_numpy() for chunk in encoded.chunks])]
    bounds = np.cumsum([len(part) for part in parts])[:-1]
    return Vocabulary(tuple(codes)), np.split(ids, bounds)


def _check_keys_references_and_rules(
    spec: FileSpec, columns: dict[str, dict[str, np.ndarray]]
) -> None:
    """Decline on a duplicate key, an unknown reference or a broken row rule."""
    own = columns[spec.name]
    if not _all_distinct([own[column] for column in spec.key]):
        raise FastPathDeclined(f"{spec.name}: a duplicate key")
    for reference in spec.references:
        target = FILES_BY_NAME[reference.target]
        values = [own[column] for column in reference.columns]
        keys = [columns[target.name][column] for column in target.key]
        if not _all_known(values, keys):
            raise FastPathDeclined(f"{spec.name}: an unknown {reference.noun}")
    if spec.row_rules and (own["quality_hold"] > own["on_hand"]).any():
        raise FastPathDeclined(f"{spec.name}: quality_hold exceeds on_hand")


def _packed(parts: Sequence[np.ndarray]) -> I64:
    """A key of one or two non-negative integer columns as one int64 per row."""
    if len(parts) == 1:
        return np.asarray(parts[0], dtype=np.int64)
    first, second = parts
    if second.size and int(second.max()) >= 1 << _PACK_SHIFT:
        raise FastPathDeclined("a key part beyond 2**31")
    return (np.asarray(first, dtype=np.int64) << _PACK_SHIFT) | np.asarray(second, dtype=np.int64)


def _all_distinct(parts: Sequence[np.ndarray]) -> bool:
    """Whether no two rows share a key (sorted keys, as the writer writes them, are quick)."""
    if parts[0].dtype == object:  # row identifiers kept as text
        texts = parts[0]
        if texts.size < 2 or bool((texts[1:] > texts[:-1]).all()):
            return True
        return len(set(texts.tolist())) == texts.size
    keys = _packed(parts)
    if keys.size < 2 or bool((keys[1:] > keys[:-1]).all()):
        return True
    return bool(np.unique(keys).size == keys.size)


def _all_known(values: Sequence[np.ndarray], keys: Sequence[np.ndarray]) -> bool:
    """Whether every given reference names a key (-1, a blank optional code, is not checked)."""
    if len(values) == 1:
        ids, key_ids = values[0], keys[0]
        ids = ids[ids >= 0]
        size = max(int(ids.max(initial=-1)), int(key_ids.max(initial=-1))) + 1
        known = np.zeros(size, dtype=np.bool_)
        known[key_ids] = True
        return bool(known[ids].all())
    wanted, existing = _packed(values), _packed(keys)
    if existing.size < 2 or not bool((existing[1:] > existing[:-1]).all()):
        existing = np.sort(existing)
    if existing.size == 0:
        return wanted.size == 0
    found = existing[np.minimum(np.searchsorted(existing, wanted), existing.size - 1)]
    return bool((found == wanted).all())


def _tables(
    vocab: Vocabularies, files: dict[str, list[_Column]], ids: dict[tuple[str, str], I32]
) -> DatasetTables:
    """Every table from its converted columns and code ids."""
    tables: dict[str, Any] = {}
    for spec in FILES:
        fields: dict[str, np.ndarray] = {}
        for column in files[spec.name]:
            fields.update(column.fields)
            if column.codes is not None:
                fields[_field_name(column.name)] = ids[(spec.name, column.name)]
        tables[spec.entity] = TABLE_TYPES[spec.name](**fields)
    return DatasetTables(vocab=vocab, **tables)

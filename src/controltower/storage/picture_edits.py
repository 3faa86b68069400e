"""An executed action's edits, written into the stored picture.

A governed action states what it changes as :mod:`picture edits
<controltower.domain.picture_edits>` (dataset table, business key, column, values as
dataset text). Executing it changes the stored picture at once, so every page and the
next stored scan read the business as the action left it, without waiting for the ERP:

* each :class:`~controltower.domain.picture_edits.SetField` becomes an ``UPDATE`` of
  the picture's row with that business key (exactly one row, else nothing is written);
* each :class:`~controltower.domain.picture_edits.AddRow` becomes an ``INSERT`` at the
  end of its table (the next ``position``), every column as the edited columns hold it,
  defaults included, and the picture's row count is raised;
* the picture's snapshot (``storage/picture_snapshot.py``), which stored scans read
  instead of the rows, is rewritten from the edited columns, so rows and snapshot keep
  saying the same thing.

The edited columns come from :func:`~controltower.domain.picture_edits.apply_edits`,
the same function the preview applied, so what is executed is what was previewed. The
caller holds the picture's turn (``repository.take_picture_turn``), rescans afterwards
and commits; nothing here commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.errors import DatasetConflictError
from controltower.domain.picture_edits import (
    AddRow,
    Edit,
    SetField,
    apply_edits,
    cell_text,
    dataset_columns,
)
from controltower.domain.tables import DatasetTables
from controltower.storage import tables as schema
from controltower.storage.picture_positions import claim_positions
from controltower.storage.picture_snapshot import write_picture_snapshot
from controltower.storage.tables import EnumText, ExactDecimal, LocalDateTime

_TRUE = frozenset({"true", "1", "yes"})


def apply_to_stored_picture(
    session: Session, picture_id: int, tables: DatasetTables, edits: Sequence[Edit]
) -> DatasetTables:
    """Write ``edits`` into picture ``picture_id`` (whose columns are ``tables``); the
    edited columns.

    Raises :class:`DatasetConflictError` naming the row when the picture no longer
    allows an edit (a key that names no row, a value that changed since); the caller
    rolls back whatever was written before.
    """
    edited = apply_edits(tables, edits)
    connection = session.connection()
    added: Counter[str] = Counter()
    for edit in edits:
        if isinstance(edit, SetField):
            _update(connection, picture_id, edit)
        else:
            _insert(connection, picture_id, edited, edit)
            added[edit.table] += 1
    if added:
        _count_rows(connection, picture_id, added)
    _rewrite_snapshot(connection, picture_id, edited)
    return edited


def _entity(name: str) -> sa.Table:
    table = schema.ENTITY_TABLES.get(name)
    if table is None:
        raise DatasetConflictError(f"the picture has no table {name!r}")
    return table


def key_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The business key of a picture table: its primary key without ``picture_id``."""
    return [column for column in table.primary_key.columns if column.name != "picture_id"]


def _where_key(
    table: sa.Table, picture_id: int, key: Sequence[str | None]
) -> list[sa.ColumnElement[bool]]:
    columns = key_columns(table)
    if len(columns) != len(key):
        raise DatasetConflictError(
            f"a key of {table.name} has {len(columns)} parts "
            f"({', '.join(c.name for c in columns)}), not {len(key)}"
        )
    return [
        table.c.picture_id == picture_id,
        *(column == stored_value(column, text) for column, text in zip(columns, key, strict=True)),
    ]


def _update(connection: sa.Connection, picture_id: int, edit: SetField) -> None:
    table = _entity(edit.table)
    if edit.column not in table.c:
        raise DatasetConflictError(f"{edit.table} has no column {edit.column!r}")
    column = table.c[edit.column]
    result = connection.execute(
        sa.update(table)
        .where(*_where_key(table, picture_id, edit.key))
        .values({column.name: stored_value(column, edit.new)})
    )
    if result.rowcount != 1:
        raise DatasetConflictError(
            f"there is no longer a {edit.table} row {'/'.join(edit.key)} in the stored picture"
        )


def _insert(
    connection: sa.Connection, picture_id: int, edited: DatasetTables, edit: AddRow
) -> None:
    """The added row, every column as the edited columns hold it (defaults included)."""
    table = _entity(edit.table)
    given = dict(edit.values)
    key = [given.get(column.name) or "" for column in key_columns(table)]
    position = claim_positions(connection, picture_id, edit.table, 1)
    values: dict[str, Any] = {"picture_id": picture_id, "position": position}
    for name in dataset_columns(edit.table):
        column = table.c[name]
        values[name] = stored_value(column, cell_text(edited, edit.table, key, name))
    connection.execute(sa.insert(table).values(values))


def _count_rows(connection: sa.Connection, picture_id: int, added: Mapping[str, int]) -> None:
    pictures = schema.pictures
    stored = connection.execute(
        sa.select(pictures.c.row_counts).where(pictures.c.id == picture_id)
    ).scalar_one()
    counts = {str(name): int(count) for name, count in dict(stored or {}).items()}
    for name, more in added.items():
        counts[name] = counts.get(name, 0) + more
    connection.execute(
        sa.update(pictures).where(pictures.c.id == picture_id).values(row_counts=counts)
    )


def _rewrite_snapshot(connection: sa.Connection, picture_id: int, edited: DatasetTables) -> None:
    """Replace the picture's snapshot with the edited columns; a picture stored without
    one (read from its rows) stays without one."""
    snapshots = schema.picture_snapshots
    removed = connection.execute(
        sa.delete(snapshots).where(snapshots.c.picture_id == picture_id)
    ).rowcount
    if removed:
        write_picture_snapshot(connection, picture_id, edited)


def stored_value(column: sa.Column[Any], text: str | None) -> Any:
    """Dataset text as the value ``column`` stores (None stays None)."""
    if text is None:
        return None
    kind = column.type
    converted: Any = text
    if isinstance(kind, ExactDecimal):
        converted = Decimal(text)
    elif isinstance(kind, LocalDateTime):
        converted = datetime.fromisoformat(text)
    elif isinstance(kind, EnumText):
        converted = text
    elif isinstance(kind, sa.Boolean):
        converted = text.lower() in _TRUE
    elif isinstance(kind, sa.Integer):
        converted = int(text)
    elif isinstance(kind, sa.Date):
        converted = date.fromisoformat(text)
    return converted


def edit_label(edit: Edit) -> str:
    """An edit's cell or row in words, the key of its values in the audit trail:
    ``sales_orders SO1 promised_date``, ``purchase_orders TR-1 (new row)``."""
    if isinstance(edit, SetField):
        return f"{edit.table} {'/'.join(edit.key)} {edit.column}"
    given = dict(edit.values)
    key = [given.get(column.name) or "" for column in key_columns(_entity(edit.table))]
    return f"{edit.table} {'/'.join(key)} (new row)"


def edit_values(edits: Sequence[Edit]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values before and after of ``edits``, by :func:`edit_label`, for the audit."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for edit in edits:
        label = edit_label(edit)
        if isinstance(edit, SetField):
            old.setdefault(label, edit.old)
            new[label] = edit.new
        else:
            old[label] = None
            new[label] = dict(edit.values)
    return old, new


def values_shown(tables: DatasetTables, edits: Sequence[Edit]) -> dict[str, Any]:
    """What ``tables`` (a new import) holds where ``edits`` wrote, by :func:`edit_label`:
    the cell's text, or None when the row is not there."""
    shown: dict[str, Any] = {}
    for edit in edits:
        label = edit_label(edit)
        if isinstance(edit, SetField):
            shown[label] = _cell_or_none(tables, edit.table, edit.key, edit.column)
            continue
        given = dict(edit.values)
        key = [given.get(column.name) or "" for column in key_columns(_entity(edit.table))]
        shown[label] = {name: _cell_or_none(tables, edit.table, key, name) for name in given}
    return shown


def _cell_or_none(tables: DatasetTables, table: str, key: Sequence[str], column: str) -> str | None:
    try:
        return cell_text(tables, table, key, column)
    except DatasetConflictError:
        return None

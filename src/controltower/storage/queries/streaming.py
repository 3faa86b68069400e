"""Reading a whole sorted list in chunks, each starting where the last one stopped.

A download (CSV, Excel) holds every row a list's filters match, which on a large
business is hundreds of thousands. Paging by number would read ever deeper offsets (the
last chunk re-reading most of the list); here each chunk instead asks for the rows
*after* the last one read, by its sort keys (keyset paging), which an index serves as a
range: every chunk costs the same, however deep.

The list is read segment by segment (:class:`~.paging.Segment`), in the same order the
pages show. A chunk is a plain query on the caller's session, so the caller can read
each chunk in its own short transaction and never hold the database while a file is
written; the :class:`Cursor` between chunks is all that is carried over. A row that
changes place in the order between two chunks may then be read twice or not at all, as
on any screen paged while the business changes.

Every sort key of a segment read this way must be NOT NULL within it (a comparison with
NULL is never true): the queries build their segments so (see their ``_segments``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from controltower.storage.queries.paging import Segment, SortKey

#: rows a download reads per chunk when the caller does not say
CHUNK_ROWS: Final = 1_000


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next chunk starts: in segment ``segment``, after the row whose sort keys
    were ``after`` (None: at the segment's start)."""

    segment: int = 0
    after: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """The keys of one chunk, and where the next one starts (None: the list is done)."""

    keys: list[tuple[Any, ...]]
    next: Cursor | None


def read_chunk(
    connection: sa.Connection,
    keys: Sequence[sa.ColumnElement[Any]],
    where: Sequence[sa.ColumnElement[bool]],
    segments: Sequence[Segment],
    cursor: Cursor,
    *,
    size: int = CHUNK_ROWS,
    source: sa.FromClause | None = None,
) -> Chunk:
    """Up to ``size`` rows' ``keys`` from ``cursor`` on, crossing into the next segments
    when one runs out; ``source`` replaces the keys' table in FROM, as for paging."""
    found: list[tuple[Any, ...]] = []
    segment_number, after = cursor.segment, cursor.after
    while segment_number < len(segments) and len(found) < size:
        segment = segments[segment_number]
        wanted = size - len(found)
        rows = _rows_after(connection, keys, where, segment, after, wanted, source)
        found.extend(row[: len(keys)] for row in rows)
        if len(rows) == wanted:
            return Chunk(found, Cursor(segment_number, rows[-1][len(keys) :]))
        segment_number, after = segment_number + 1, None
    return Chunk(found, None)


def _rows_after(
    connection: sa.Connection,
    keys: Sequence[sa.ColumnElement[Any]],
    where: Sequence[sa.ColumnElement[bool]],
    segment: Segment,
    after: tuple[Any, ...] | None,
    limit: int,
    source: sa.FromClause | None,
) -> list[tuple[Any, ...]]:
    """The keys and sort values of the ``limit`` rows of ``segment`` after ``after``."""
    sort_values = [key.expression.label(f"sort_{i}") for i, key in enumerate(segment.order)]
    query = sa.select(*keys, *sort_values).where(*where, *segment.where)
    if source is not None:
        query = query.select_from(source)
    if after is not None:
        query = query.where(*after_keys(segment.order, after))
    query = query.order_by(*segment.terms()).limit(limit)
    return [tuple(row) for row in connection.execute(query)]


def after_keys(order: Sequence[SortKey], values: Sequence[Any]) -> list[sa.ColumnElement[bool]]:
    """The rows that come after ``values`` in ``order``: "the first key is past its value,
    or equal and the second is past, or..." (each key in its own direction).

    The first key's bound is repeated on its own (``>=`` or ``<=``) so the database reads
    the index from there rather than testing every row before it.
    """
    first = order[0]
    bound = first.expression <= values[0] if first.descending else first.expression >= values[0]
    arms = []
    for position, key in enumerate(order):
        equal = [order[i].expression == values[i] for i in range(position)]
        arms.append(sa.and_(*equal, _past(key, values[position])))
    return [bound, sa.or_(*arms)]


def _past(key: SortKey, value: Any) -> sa.ColumnElement[bool]:
    """``key`` comes after ``value`` in its direction."""
    past: sa.ColumnElement[bool] = (
        key.expression < value if key.descending else key.expression > value
    )
    return past

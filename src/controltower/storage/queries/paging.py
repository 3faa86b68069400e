"""Pages of a list, and the few SQL pieces every paged query shares.

A page is asked for by number and size and answered with the rows of that page and the
total the filters match, so a screen can say "Showing 51-100 of 1,234" and offer the
last page. The size is capped: no request reads more than :data:`MAX_PAGE_SIZE` rows,
whatever the size of the business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage import tables

#: the most rows one page holds
MAX_PAGE_SIZE: Final = 200

#: rows per page when the caller does not say
DEFAULT_PAGE_SIZE: Final = 50

_Item = TypeVar("_Item")


class PageRequestError(ValueError):
    """A page number or size that no page has (the message says which, and the limits)."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page to read: ``number`` from 1, ``size`` rows (1 to :data:`MAX_PAGE_SIZE`).

    ``skip`` replaces ``(number - 1) * size`` when a caller pages by row offset instead
    (the API's older ``offset`` parameter); the page number is then the one holding the
    first row read.
    """

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    skip: int | None = None

    def __post_init__(self) -> None:
        if self.number < 1:
            raise PageRequestError(f"page must be 1 or more, not {self.number}")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise PageRequestError(f"page size must be 1 to {MAX_PAGE_SIZE}, not {self.size}")
        if self.skip is not None and self.skip < 0:
            raise PageRequestError(f"offset must be 0 or more, not {self.skip}")

    @property
    def offset(self) -> int:
        """Rows skipped before the page."""
        return self.skip if self.skip is not None else (self.number - 1) * self.size

    @classmethod
    def at_offset(cls, offset: int, size: int) -> PageRequest:
        """The ``size`` rows from row ``offset`` (0-based) on."""
        return cls(number=offset // size + 1 if offset >= 0 else 1, size=size, skip=offset)


@dataclass(frozen=True, slots=True)
class Page(Generic[_Item]):
    """One page of a filtered, sorted list and how many rows the filters match in all."""

    items: list[_Item]
    total: int
    number: int
    size: int
    offset: int

    @property
    def last_number(self) -> int:
        """The number of the last page (1 when nothing matches: an empty first page)."""
        return max(1, -(-self.total // self.size))

    @property
    def beyond_last(self) -> bool:
        """True when the page asked for starts after the last row (and there are rows)."""
        return self.total > 0 and self.offset >= self.total

    @property
    def first_row(self) -> int:
        """1-based position of the page's first row (0 when the page is empty)."""
        return self.offset + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        """1-based position of the page's last row (0 when the page is empty)."""
        return self.offset + len(self.items) if self.items else 0


def empty_page(request: PageRequest) -> Page[Any]:
    return Page([], 0, request.number, request.size, request.offset)


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def picture_companies(session: Session, picture_id: int) -> list[str]:
    """The companies a picture covers, sorted (empty when no such picture is stored).

    Scan results and cases are filed under companies, so every read for a picture
    starts from these.
    """
    query = sa.select(tables.companies.c.code).where(tables.companies.c.picture_id == picture_id)
    return sorted(session.connection().execute(query).scalars())


def in_companies(column: sa.ColumnElement[str], companies: Sequence[str]) -> sa.ColumnElement[bool]:
    """``column = c`` for one company (what an index serves best), else ``IN``."""
    if len(companies) == 1:
        return column == companies[0]
    return column.in_(list(companies))


def text_key(column: sa.ColumnElement[str], dialect: str) -> sa.ColumnElement[str]:
    """A text column as a sort key in code-point order on both databases.

    SQLite compares text byte by byte; PostgreSQL by its collation, which in most
    locales ignores punctuation at first. Ids must page the same on both, so on
    PostgreSQL the key is compared in the "C" collation.
    """
    if dialect == "postgresql":
        return sa.collate(column, "C")
    return column


#: the greatest code point: ``prefix <= text < prefix + this`` is "text starts with prefix"
_LAST_CHARACTER: Final = "\U0010ffff"

#: the longest search text taken (anything longer cannot be an id or a code)
MAX_SEARCH_CHARS: Final = 100


def search_prefixes(text: str) -> list[str]:
    """What a search for ``text`` looks for: the text as typed and in upper case (codes
    are mostly upper case), cut to :data:`MAX_SEARCH_CHARS`."""
    typed = text[:MAX_SEARCH_CHARS]
    return sorted({typed, typed.upper()})


def starts_with(
    column: sa.ColumnElement[str], prefix: str, dialect: str | None
) -> sa.ColumnElement[bool]:
    """``column`` starts with ``prefix``: in code-point order when ``dialect`` is given,
    else in the column's own collation (what its index is sorted by)."""
    key = text_key(column, dialect) if dialect is not None else column
    return sa.and_(key >= prefix, key < prefix + _LAST_CHARACTER)


def prefix_search_source(
    table: sa.Table,
    keys: tuple[sa.Column[str], sa.Column[str]],
    ranges: Sequence[tuple[sa.ColumnElement[str], str]],
    companies: Sequence[str],
) -> sa.FromClause:
    """The rows of ``table`` a search may find, looked up range by range (each a column
    and a prefix) in the columns' indexes and joined back to ``table`` on its two
    ``keys`` (company, id), so only those rows are read: left to itself, the database
    would read every row and test the ranges on each.

    The ranges here are in the columns' own collation, which is what their indexes are
    sorted by; every collation puts a text's extensions between the text and the text
    followed by U+10FFFF, so this finds at least the matches, and the caller's exact
    test (:func:`starts_with` with a dialect, in code-point order) keeps only those.
    """
    company, key = keys
    found = sa.union(
        *(
            sa.select(company, key).where(
                in_companies(company, companies), starts_with(column, prefix, None)
            )
            for column, prefix in ranges
        )
    ).subquery("found")
    return found.join(table, sa.and_(company == found.c[company.name], key == found.c[key.name]))


def numeric_key(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """An exact-decimal column as a number to sort and sum by.

    PostgreSQL stores NUMERIC, exact. SQLite stores the decimal's text (so that it reads
    back exactly); compared as text ``"9"`` would come after ``"10"``, so there it is
    read as a REAL for ordering and sums. Values shown are always read back exactly;
    only the order of two amounts within about 1e-15 of each other could differ.
    """
    if dialect == "sqlite":
        return sa.cast(column, sa.REAL)
    return column


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term: an expression and its direction (flipped to read backwards)."""

    expression: sa.ColumnElement[Any]
    descending: bool = False

    def term(self, *, backwards: bool = False) -> sa.UnaryExpression[Any]:
        descending = self.descending != backwards
        return self.expression.desc() if descending else self.expression.asc()


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a sorted list: the rows matching ``where``, in ``order``.

    A sort whose leading key no index can serve (a severity rank, "no date first") is
    read as consecutive segments instead (critical, then high...), each of which an
    index holds in order; counting each segment is a range of that index too.
    """

    where: tuple[sa.ColumnElement[bool], ...]
    order: tuple[SortKey, ...]
    #: keys every row of the segment shares because ``where`` fixes them (``days_late
    #: IS NULL``), named first in ORDER BY only: PostgreSQL knows that ``column =
    #: value`` fixes a column of its index, not that ``IS NULL`` does, and without them
    #: sorts the whole segment instead of reading the index in order. Never compared by
    #: a cursor (:mod:`.streaming`), since they are the same on every row.
    fixed: tuple[SortKey, ...] = ()

    def terms(self, *, backwards: bool = False) -> list[sa.UnaryExpression[Any]]:
        """The ORDER BY terms of the segment, read the other way round when ``backwards``."""
        return [key.term(backwards=backwards) for key in (*self.fixed, *self.order)]


def segmented_keys(
    connection: sa.Connection,
    keys: Sequence[sa.ColumnElement[Any]],
    where: Sequence[sa.ColumnElement[bool]],
    segments: Sequence[Segment],
    request: PageRequest,
    *,
    source: sa.FromClause | None = None,
    counts: Sequence[int] | None = None,
) -> tuple[int, list[tuple[Any, ...]]]:
    """The total matching ``where`` and the ``keys`` of the page ``request`` asks for.

    ``source`` replaces the keys' table in FROM (a join that narrows it first);
    ``counts`` are the segments' sizes when the caller knows them (else they are counted).

    The segments are read in turn, each from where the page starts in it. A stretch
    nearer the end of its segment than the start is read backwards (every sort key
    flipped) and turned round, so a deep page costs at most half a segment.
    """

    def selected(*columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
        query = sa.select(*columns)
        return query.select_from(source) if source is not None else query

    if counts is None:
        counts = segment_counts(connection, where, segments, source=source)
    total = sum(counts)
    start, wanted = request.offset, request.size
    found: list[tuple[Any, ...]] = []
    for segment, count in zip(segments, counts, strict=True):
        if wanted == 0:
            break
        if start >= count:
            start -= count
            continue
        take = min(wanted, count - start)
        from_end = count - start - take
        backwards = from_end < start
        query = (
            selected(*keys)
            .where(*where, *segment.where)
            .order_by(*segment.terms(backwards=backwards))
            .limit(take)
            .offset(from_end if backwards else start)
        )
        rows = [tuple(row) for row in connection.execute(query)]
        found.extend(reversed(rows) if backwards else rows)
        wanted -= take
        start = 0
    return total, found


def segment_counts(
    connection: sa.Connection,
    where: Sequence[sa.ColumnElement[bool]],
    segments: Sequence[Segment],
    *,
    source: sa.FromClause | None = None,
) -> list[int]:
    """How many rows matching ``where`` each segment holds (each a range of an index)."""
    found = []
    for segment in segments:
        query = sa.select(sa.func.count()).where(*where, *segment.where)
        if source is not None:
            query = query.select_from(source)
        found.append(int(connection.execute(query).scalar_one()))
    return found

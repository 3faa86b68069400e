"""What is worth remembering between requests: answers that read every active case.

Most lists read one page through an index. A few answers have to look at every active
case of a business (the incident ranking, the case counts per type and severity, the
owners to choose from), and at a hundred thousand cases that takes hundreds of
milliseconds however it is written. Those answers are remembered, per database and
picture, under a *cases version*: a key that changes whenever the cases can have
changed, read in the request's own transaction before the cases themselves, so an
answer is never filed under a key older than what it was computed from.

A remembered answer lives for minutes and may hold a hundred thousand objects. Python's
cycle collector would walk every one of them each time it makes a full pass (every few
seconds under load, about 120 ms each at a million order lines, stalling every request
the server is working on). So once a large answer is kept, any garbage is collected
first and then everything alive is moved out of the collector's sight
(:func:`gc.freeze`): the answers are plain data without reference cycles, freed by
their reference counts when dropped, so the collector has nothing to find in them.

The stored order risk changes only when a scan is recorded (``record_order_risk`` writes
it with the scan run, in one transaction), so the newest scan run is its version.

Cases change in two ways only (docs/storage.md, docs/architecture.md): a stored scan,
which records a scan run in the same transaction, and a change of state, which appends
an event to the case's timeline (timelines are append-only; even a scan's re-worded
text comes with its scan run). On SQLite the newest scan run and the newest event row
say both (an event's rowid only grows, as events are never deleted). On PostgreSQL the
newest scan run and ``case_changes.version``, which a trigger on ``case_events`` adds
one to in each transaction that appends events (migration 0020), say both: read in the
request's transaction, it moves exactly when the new events become visible, and no
other write (a session touched, another database of the server) moves it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Sequence, Sized
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.storage import tables
from controltower.storage.memo import Memo

#: how much is remembered in all, least recently used dropped first: an answer weighs
#: one, or its length when it has one (a ranking of 60,000 causes weighs 60,000)
_KEPT: Final = 1_000_000
#: an answer at least this heavy is moved out of the cycle collector's sight once kept
FREEZE_FROM: Final = 10_000

_Answer = TypeVar("_Answer")


def orders_version(session: Session, companies: Sequence[str]) -> Hashable:
    """A key that changes whenever the stored order risk of ``companies`` can have changed:
    the newest scan run (only a recorded scan writes order risk)."""
    connection = session.connection()
    newest = connection.execute(sa.select(sa.func.max(tables.scan_runs.c.id))).scalar_one()
    return ("orders", connection.engine.url.render_as_string(), tuple(companies), newest)


def cases_version(session: Session, companies: Sequence[str]) -> Hashable | None:
    """A key that changes whenever the cases of ``companies`` can have changed.

    None on a database with no such key (then nothing is remembered).
    """
    connection = session.connection()
    dialect = connection.dialect.name
    newest_run = sa.select(sa.func.max(tables.scan_runs.c.id)).scalar_subquery()
    written: sa.ColumnElement[Any]
    if dialect == "sqlite":
        rowid: sa.ColumnElement[int] = sa.literal_column("rowid")
        written = sa.select(sa.func.max(rowid)).select_from(tables.case_events).scalar_subquery()
    elif dialect == "postgresql":
        changes = tables.case_changes
        written = sa.select(changes.c.version).where(changes.c.id == 1).scalar_subquery()
    else:
        return None
    run, events = connection.execute(sa.select(newest_run, written)).one()
    return (connection.engine.url.render_as_string(), tuple(companies), run, events)


def _weight(answer: Any) -> int:
    """An answer weighs one, or its length when it has one."""
    return len(answer) if isinstance(answer, Sized) and not isinstance(answer, str) else 1


def _kept(key: tuple[Hashable, Hashable], answer: Any) -> None:
    weight = _weight(answer)
    _MEMORY.put(key, answer, weight)
    if weight >= FREEZE_FROM:
        _out_of_collectors_sight()


def _out_of_collectors_sight() -> None:
    """Collect the garbage there is, then freeze what is alive (see the module): the
    collector's full passes no longer walk the remembered answers. Collecting first
    keeps garbage from being frozen with them, where it would never be freed."""
    gc.collect()
    gc.freeze()


_MEMORY: Final = Memo(_KEPT)


def remembered(
    version: Hashable | None, question: Hashable, compute: Callable[[], _Answer]
) -> _Answer:
    """The answer to ``question`` at ``version``: remembered, else computed and kept.

    Answers must not be changed by their callers (they are shared between requests).
    """
    if version is None:
        return compute()
    key = (version, question)
    found: _Answer | None = _MEMORY.get(key)
    if found is not None:
        return found
    answer = compute()
    _kept(key, answer)
    return answer


def forget_remembered() -> None:
    """Drop every remembered answer (for tests, or to give the memory back)."""
    _MEMORY.clear()


def recall(version: Hashable | None, question: Hashable) -> Any:
    """The remembered answer to ``question`` at ``version``, or None."""
    return _MEMORY.get((version, question)) if version is not None else None


def keep(version: Hashable | None, question: Hashable, answer: Any) -> None:
    """Remember ``answer`` to ``question`` at ``version`` (nothing when version is None)."""
    if version is not None:
        _kept((version, question), answer)

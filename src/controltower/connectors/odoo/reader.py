"""Read an Odoo database into a local mirror: everything the first time, changes after.

The mirror is the records the mapping needs, by model and id, as Odoo returned them
(many2one as ``[id, name]``, ``False`` for empty), with a ``write_date`` watermark per
model. A run:

1. reads the small reference tables (``plan.REFERENCE_READS``), each whole, but only
   when something in it changed since the last run (asked for by id and ``write_date``);
2. reads each watermarked model (``plan.incremental_reads``): the first time its
   ``full`` domain, later its ``changed`` domain with ``write_date >= watermark``
   (inclusive: many rows share one second; re-reading one twice is harmless because a
   record replaces itself by id). Up to ``parallel_requests`` models are read at once,
   each page by page on ``id`` (keyset paging: stable while Odoo is written to);
3. re-reads the parents of changed children, because Odoo's stored computes (a line's
   delivered quantity, an order's delivery status) change without bumping the parent's
   ``write_date``; reads the partners and put-away moves the records point to;
4. on later runs, asks for the ids still alive and drops the rest (a deletion leaves
   no ``write_date`` behind).

Nothing here writes anywhere: the caller stores the new mirror together with the new
picture, in one transaction, or not at all. A field the login may not read is left
out with a warning and the read goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from controltower.connectors.odoo.errors import OdooAccessError, OdooError
from controltower.connectors.odoo.flavour import OdooFlavour
from controltower.connectors.odoo.plan import (
    CORE_MODELS,
    OPTIONAL_MODELS,
    PARTNER_READ_FIELDS,
    REFERENCE_READS,
    ModelRead,
    incremental_reads,
)
from controltower.connectors.odoo.settings import OdooSettings
from controltower.connectors.odoo.tracked import TrackedRecords, differing_ids, replaced_items
from controltower.connectors.odoo.values import many2one_id


class OdooSetupError(OdooError):
    """The Odoo database lacks what a sync needs (an app not installed)."""


Record = dict[str, Any]
Records = dict[int, Record]

ID_CHUNK = 1000
"""Ids per ``read`` when records are fetched by id."""


class OdooReading(Protocol):
    """The part of the client the reader uses (``client.OdooClient`` fits)."""

    def pages(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        *,
        page_size: int = ...,
        context: dict[str, Any] | None = ...,
    ) -> Iterator[list[dict[str, Any]]]: ...

    def read(
        self,
        model: str,
        ids: list[int],
        fields: list[str],
        context: dict[str, Any] | None = ...,
    ) -> list[dict[str, Any]]: ...

    def search_ids(
        self, model: str, domain: list[Any], context: dict[str, Any] | None = ...
    ) -> list[int]: ...


@dataclass(frozen=True)
class Call:
    """One read a run makes: ``search_ids`` (ids only) or ``pages`` (every row, by id).

    :func:`calls_ahead` names those a later run makes whatever its mirror holds, so
    they can be sent before the mirror is loaded (``read_ahead.ReadAhead``).
    """

    method: Literal["search_ids", "pages"]
    model: str
    domain: list[Any]
    fields: list[str] = field(default_factory=list)
    context: dict[str, Any] | None = None
    page_size: int = 0

    def key(self) -> str:
        """The call's identity: the run asks the very same thing, built the same way."""
        return repr(
            (self.method, self.model, self.domain, self.fields, self.context, self.page_size)
        )


def _archived(include: bool) -> dict[str, Any] | None:
    """The context that reads archived records too, or none."""
    return {"active_test": False} if include else None


def _written_after(read: ModelRead, mark: str) -> list[Any]:
    return [*read.changed, ("write_date", ">", mark)]


def _written_at(read: ModelRead, mark: str) -> list[Any]:
    return [*read.changed, ("write_date", "=", mark)]


def _installed_query() -> list[Any]:
    return [("model", "in", sorted({*REFERENCE_READS, *OPTIONAL_MODELS, *CORE_MODELS}))]


#: the one reference table read with its archived records (a location still in use)
_ARCHIVED_REFERENCE = "stock.location"


def _dispute_domain(settings: OdooSettings) -> list[Any]:
    return [
        ("res_model", "=", "account.move"),
        ("activity_type_id.name", "in", list(settings.dispute_activity_types)),
    ]


@dataclass
class MirrorState:
    """The records the mapping reads, by model and id, and the watermark of each model."""

    records: dict[str, Records] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    #: per model, the ids read at its watermark's second that the mirror does not keep
    #: (a cancelled order never seen open): known, so not read again next time
    seen_at_mark: dict[str, set[int]] = field(default_factory=dict)

    def of(self, model: str) -> Records:
        return self.records.setdefault(model, {})


@dataclass
class ReadOutcome:
    """A finished read: the new mirror, what it cost, and what a person should know."""

    state: MirrorState
    full: bool
    warnings: list[str] = field(default_factory=list)
    #: records returned by Odoo, per model (the read's cost)
    records_read: dict[str, int] = field(default_factory=dict)
    #: records that changed or left, per model (what the run applied)
    changed: dict[str, int] = field(default_factory=dict)
    #: their ids, per model
    changed_ids: dict[str, set[int]] = field(default_factory=dict)


Progress = Callable[[str, int], None]
"""Called with a model name and how many records just arrived."""


class _Run:
    """One read: the client, the settings, and the tallies every thread adds to."""

    def __init__(
        self,
        client: OdooReading,
        settings: OdooSettings,
        outcome: ReadOutcome,
        progress: Progress | None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.outcome = outcome
        self.progress = progress
        self.denied: dict[str, set[str]] = {}
        #: what each watermarked model's query returned this run
        self.read_rows: dict[str, list[Record]] = {}
        self.lock = threading.Lock()

    def _tally(self, model: str, count: int) -> None:
        with self.lock:
            self.outcome.records_read[model] = self.outcome.records_read.get(model, 0) + count
        if self.progress is not None:
            self.progress(model, count)

    def _fields(self, model: str, fields: Iterable[str]) -> list[str]:
        denied = self.denied.get(model, set())
        return [name for name in fields if name not in denied]

    def _deny(self, model: str, error: OdooAccessError, fields: list[str]) -> bool:
        """Leave a field out after Odoo refused it; False when the refusal is not a field's."""
        name = error.field
        if name is None or name not in fields or name in ("id", "write_date"):
            return False
        with self.lock:
            self.denied.setdefault(model, set()).add(name)
            self.outcome.warnings.append(
                f"Odoo does not let this login read {model}.{name}; it is left out ({error})"
            )
        return True

    def search(
        self, model: str, domain: list[Any], fields: Iterable[str], archived: bool
    ) -> list[Record]:
        """Every record of ``domain``, page by page on id."""
        context = _archived(archived)
        while True:
            wanted = self._fields(model, fields)
            rows: list[Record] = []
            try:
                for page in self.client.pages(
                    model, domain, wanted, page_size=self.settings.page_size, context=context
                ):
                    rows.extend(page)
                    self._tally(model, len(page))
            except OdooAccessError as error:
                if self._deny(model, error, wanted):
                    continue
                raise
            return rows

    def by_ids(self, model: str, ids: Iterable[int], fields: Iterable[str]) -> list[Record]:
        """The records with these ids that still exist (archived ones included).

        Asked with ``search_read`` on the ids, which leaves a deleted id out, in one round
        trip per chunk (``read`` fails the whole call on a deleted id, so it needed a
        ``search`` first)."""
        wanted_ids = sorted(set(ids))
        rows: list[Record] = []
        for start in range(0, len(wanted_ids), ID_CHUNK):
            chunk = wanted_ids[start : start + ID_CHUNK]
            rows.extend(self.search(model, [("id", "in", chunk)], fields, archived=True))
        return rows


def read_odoo(
    client: OdooReading,
    flavour: OdooFlavour,
    settings: OdooSettings,
    previous: MirrorState | None,
    *,
    progress: Progress | None = None,
) -> ReadOutcome:
    """Read what changed since ``previous`` (everything when it is None) into a new mirror."""
    full = previous is None or not previous.watermarks
    state = MirrorState(
        # copies that note the ids this run sets or deletes (``tracked.py``)
        records={
            model: TrackedRecords(rows)
            for model, rows in (previous.records if previous else {}).items()
        },
        watermarks=dict(previous.watermarks) if previous else {},
        seen_at_mark={
            m: set(ids) for m, ids in (previous.seen_at_mark if previous else {}).items()
        },
    )
    outcome = ReadOutcome(state=state, full=full, warnings=list(flavour.notes))
    run = _Run(client, settings, outcome, progress)
    installed = _installed_models(run, state)
    _read_reference(run, state, installed, full=full)
    reads = [
        read
        for read in incremental_reads(flavour, rma_installed="rma" in installed)
        if read.model in installed
    ]
    held_orders = {model: set(state.of(model)) for model, _lines in _CHILDREN}
    previous_move_mark = state.watermarks.get("stock.move")
    changed = _read_watermarked(run, state, reads, full=full)
    if not full:
        _read_lines_of_new_orders(run, state, reads, held_orders)
        _reread_parents(run, state, reads, changed)
        _drop_deleted(run, state, reads)
    _drop_orphan_lines(state, previous)
    _note_left_out(run, state, reads, full=full)
    # asked only now, after the reads above: a watermark they move on must not pass a
    # write these checks did not see
    _read_put_away(run, state, flavour, None if full else previous_move_mark)
    _read_partners(run, state, (*PARTNER_READ_FIELDS, *flavour.partner_optional), full=full)
    if settings.dispute_activity_types:
        _read_disputes(run, state, full=full)
    else:
        state.records.pop(DISPUTES, None)
    # the settings the mirror was read and mapped with: a change re-maps every document
    state.records[SETTINGS] = {0: settings.model_dump(mode="json")}
    outcome.changed_ids = _differences(previous, state)
    outcome.changed = {model: len(ids) for model, ids in outcome.changed_ids.items()}
    return outcome


def calls_ahead(
    flavour: OdooFlavour,
    settings: OdooSettings,
    watermarks: Mapping[str, str],
    held: Collection[str],
) -> list[Call]:
    """The calls a later run of :func:`read_odoo` makes whatever its mirror's records
    are, given only the mirror's ``watermarks`` and the models it ``held`` records of,
    in the order the run makes them: the models installed, the reference tables' ids,
    each watermarked model's records written since and ids at its watermark, the ids
    still alive, the open dispute activities.

    The run itself builds each of these calls with the same functions, so a call named
    here is one it asks for unless the server changed (a model no longer installed, a
    field refused), and then the answer is merely not used.
    """
    size = settings.page_size
    calls = [Call("pages", "ir.model", _installed_query(), ["model"], None, size)]
    for model in REFERENCE_READS:
        mark = watermarks.get(model)
        if model == "ir.model" or model not in held or mark is None:
            continue
        context = _archived(model == _ARCHIVED_REFERENCE)
        calls.append(Call("search_ids", model, [], context=context))
        calls.append(Call("search_ids", model, [("write_date", ">=", mark)], context=context))
    reads = incremental_reads(flavour, rma_installed="rma" in held)
    for read in reads:
        mark = watermarks.get(read.model)
        if mark is None:
            continue
        context = _archived(read.include_archived)
        after = _written_after(read, mark)
        calls.append(Call("pages", read.model, after, list(read.fields), context, size))
        calls.append(Call("search_ids", read.model, _written_at(read, mark), context=context))
    for read in reads:
        if read.model in watermarks:
            context = _archived(read.include_archived)
            calls.append(Call("search_ids", read.model, list(read.alive), context=context))
    if settings.dispute_activity_types:
        disputes = _dispute_domain(settings)
        calls.append(Call("search_ids", "mail.activity", disputes))
        mark = watermarks.get(DISPUTES)
        if DISPUTES in held and mark is not None:
            since = [*disputes, ("write_date", ">=", mark)]
            calls.append(Call("search_ids", "mail.activity", since))
    return calls


def _differences(previous: MirrorState | None, state: MirrorState) -> dict[str, set[int]]:
    """Per model, the ids of the records new, changed or gone since ``previous``."""
    changed: dict[str, set[int]] = {}
    for model in sorted(set(state.records) | set(previous.records if previous else {})):
        before = previous.records.get(model, {}) if previous else {}
        ids = differing_ids(before, state.records.get(model, {}))
        if ids:
            changed[model] = ids
    return changed


def _installed_models(run: _Run, state: MirrorState) -> set[str]:
    """The models this server has, among those the sync reads; a missing core one stops it."""
    rows = run.search("ir.model", _installed_query(), ("model",), archived=False)
    state.records["ir.model"] = {int(row["id"]): row for row in rows}
    installed = {str(row.get("model")) for row in rows}
    missing = sorted(set(CORE_MODELS) - installed)
    if missing:
        raise OdooSetupError(
            f"this Odoo database has no {', '.join(missing)}: the Sales, Purchase and "
            "Inventory apps must be installed for a sync"
        )
    return installed


def _read_reference(run: _Run, state: MirrorState, installed: set[str], *, full: bool) -> None:
    """The small tables, each read whole when anything in it changed (or on a full run).

    What the mapping derives from one of them may change without its own ``write_date``
    (a location's full name follows its parents'), so a table is never patched record
    by record: the ids alive and those written since its watermark are asked for (ids
    only), and the table is read again whole when one is new, gone or rewritten.
    """
    models = [m for m in REFERENCE_READS if m != "ir.model" and m in installed]

    def one(model: str) -> tuple[str, list[Record] | None]:
        archived = model == _ARCHIVED_REFERENCE
        held = state.of(model)
        mark = state.watermarks.get(model)
        if not full and held and mark is not None:
            context = _archived(archived)
            alive = set(run.client.search_ids(model, [], context=context))
            since = run.client.search_ids(model, [("write_date", ">=", mark)], context=context)
            rewritten = [rid for rid in since if held.get(rid, {}).get("write_date") != mark]
            if alive == set(held) and not rewritten:
                return model, None
        fields = (*REFERENCE_READS[model], "write_date")
        return model, run.search(model, [], fields, archived=archived)

    workers = max(1, run.settings.parallel_requests)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="odoo-read") as pool:
        results = list(pool.map(one, models))
    for model, rows in results:
        if rows is None:
            continue
        state.records[model] = {int(row["id"]): row for row in rows}
        stamps = [str(row["write_date"]) for row in rows if row.get("write_date")]
        state.watermarks[model] = max(stamps, default="1970-01-01 00:00:00")


def _read_watermarked(
    run: _Run, state: MirrorState, reads: list[ModelRead], *, full: bool
) -> dict[str, set[int]]:
    """Read each watermarked model; returns the ids that arrived, per model."""

    def one(read: ModelRead) -> tuple[ModelRead, list[Record]]:
        mark = state.watermarks.get(read.model)
        if full or mark is None:
            return read, run.search(read.model, list(read.full), read.fields, read.include_archived)
        seen = state.seen_at_mark.get(read.model, set())
        return read, _changed_since(run, read, mark, state.of(read.model), seen)

    arrived: dict[str, set[int]] = {}
    workers = max(1, run.settings.parallel_requests)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="odoo-read") as pool:
        results = list(pool.map(one, reads))
    for read, rows in results:
        records = {} if full else state.of(read.model)
        for row in rows:
            if _unseen_cancellation(read.model, row, records):
                continue
            records[int(row["id"])] = row
        state.records[read.model] = records
        arrived[read.model] = {int(row["id"]) for row in rows}
        run.read_rows[read.model] = rows
        _advance_watermark(state, read.model, rows, full=full)
    return arrived


def _advance_watermark(state: MirrorState, model: str, rows: list[Record], *, full: bool) -> None:
    """Move the model's watermark to the newest stamp read."""
    before = state.watermarks.get(model)
    stamps = [str(row["write_date"]) for row in rows if row.get("write_date")]
    mark = max([*stamps, before or ""]) or None
    if mark is None:
        if full:
            state.watermarks[model] = "1970-01-01 00:00:00"
        return
    if mark != before or full:
        state.seen_at_mark[model] = set()
    state.watermarks[model] = mark


def _note_left_out(run: _Run, state: MirrorState, reads: list[ModelRead], *, full: bool) -> None:
    """Remember the records at each watermark that the mirror does not keep.

    The next run asks for the ids at the watermark of the *changed* domain, which is
    wider than what the mirror keeps (a delivered move, a line of a cancelled order):
    those ids are noted here so that they are not read again. After a full read they
    were never read, so they are asked for (ids only).
    """
    for read in reads:
        mark = state.watermarks.get(read.model)
        kept = state.of(read.model)
        at_mark: set[int] = {
            int(row["id"])
            for row in run.read_rows.get(read.model, [])
            if row.get("write_date") == mark
        }
        if full and mark:
            context = _archived(read.include_archived)
            at_mark |= set(
                run.client.search_ids(
                    read.model, [*read.changed, ("write_date", "=", mark)], context=context
                )
            )
        left_out = {rid for rid in at_mark if rid not in kept}
        state.seen_at_mark[read.model] = state.seen_at_mark.get(read.model, set()) | left_out


def _changed_since(
    run: _Run, read: ModelRead, mark: str, known: Records, seen: set[int]
) -> list[Record]:
    """The records of ``read`` written at or after ``mark``, each read once.

    The watermark is inclusive (a later transaction may stamp the watermark's second
    too), but the records already held *with that very stamp* are not read again:
    the ids at the mark are asked for first (ids only), and only those not held with
    that stamp are read. Without this, a table written in one second (an Odoo import,
    a mass update) would be read whole on every run.
    """
    context = _archived(read.include_archived)
    rows = run.search(read.model, _written_after(read, mark), read.fields, read.include_archived)
    at_mark = run.client.search_ids(read.model, _written_at(read, mark), context=context)
    unseen = [
        rid for rid in at_mark if rid not in seen and known.get(rid, {}).get("write_date") != mark
    ]
    if unseen:
        rows.extend(run.by_ids(read.model, unseen, read.fields))
    return rows


def _unseen_cancellation(model: str, row: Record, records: Records) -> bool:
    """A cancelled order is kept only when it was seen before, as an order to serve."""
    return (
        model in ("sale.order", "purchase.order")
        and row.get("state") == "cancel"
        and int(row["id"]) not in records
    )


_PARENT_STAGES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (
        ("stock.move", "sale_line_id", "sale.order.line"),
        ("stock.move", "purchase_line_id", "purchase.order.line"),
    ),
    (
        ("sale.order.line", "order_id", "sale.order"),
        ("stock.picking", "sale_id", "sale.order"),
        ("purchase.order.line", "order_id", "purchase.order"),
    ),
)
"""(child model, its link, parent model), in stages: a move re-reads its line, which in
turn re-reads its order. The parents of one stage are read at once."""


def _reread_parents(
    run: _Run, state: MirrorState, reads: list[ModelRead], arrived: dict[str, set[int]]
) -> None:
    fields_of = {read.model: read.fields for read in reads}

    def reread(parent: str, ids: set[int]) -> tuple[str, list[Record]]:
        return parent, run.by_ids(parent, ids, fields_of[parent])

    for stage in _PARENT_STAGES:
        wanted: dict[str, set[int]] = {}
        for child, link, parent in stage:
            wanted.setdefault(parent, set()).update(
                parent_id
                for child_id in arrived.get(child, set())
                if (parent_id := many2one_id(state.of(child).get(child_id, {}).get(link)))
            )
        asked = {parent: ids - arrived.setdefault(parent, set()) for parent, ids in wanted.items()}
        asked = {parent: ids for parent, ids in asked.items() if ids}
        if not asked:
            continue
        with ThreadPoolExecutor(max_workers=len(asked), thread_name_prefix="odoo-read") as pool:
            answers = list(pool.map(reread, asked, asked.values()))
        for parent, rows in answers:
            records = state.of(parent)
            for row in rows:
                if not _unseen_cancellation(parent, row, records):
                    records[int(row["id"])] = row
            arrived[parent] |= {int(row["id"]) for row in rows}


_CHILDREN = (("sale.order", "sale.order.line"), ("purchase.order", "purchase.order.line"))
"""Orders and their lines: confirming an order changes the order, not its lines."""


def _read_lines_of_new_orders(
    run: _Run, state: MirrorState, reads: list[ModelRead], held: dict[str, set[int]]
) -> None:
    """The lines of orders kept for the first time (a quotation confirmed since the last run).

    Their lines were written when the quotation was, before the watermark, and Odoo does
    not touch them when the order is confirmed.
    """
    by_model = {read.model: read for read in reads}
    for parent, child in _CHILDREN:
        new = sorted(set(state.of(parent)) - held.get(parent, set()))
        line_read = by_model.get(child)
        if not new or line_read is None:
            continue
        rows = run.search(
            child,
            [*line_read.changed, ("order_id", "in", new)],
            line_read.fields,
            line_read.include_archived,
        )
        lines = state.of(child)
        for row in rows:
            lines[int(row["id"])] = row


def _drop_orphan_lines(state: MirrorState, previous: MirrorState | None) -> None:
    """Lines of orders the mirror does not keep (a cancelled order never seen as open).

    The previous mirror kept none, so only a line read this run (a record other than
    the one it held) can be one, unless an order left the mirror: then every line is
    looked at."""
    for child, parent in (
        ("sale.order.line", "sale.order"),
        ("purchase.order.line", "purchase.order"),
    ):
        orders = state.of(parent)
        lines = state.of(child)
        held = previous.records.get(child, {}) if previous is not None else {}
        held_orders = previous.records.get(parent, {}) if previous is not None else {}
        if previous is None or held_orders.keys() - orders.keys():
            read = list(lines.items())
        else:
            read = replaced_items(held, lines)
        for line_id in [
            line_id for line_id, line in read if many2one_id(line.get("order_id")) not in orders
        ]:
            del lines[line_id]


def _drop_deleted(run: _Run, state: MirrorState, reads: list[ModelRead]) -> None:
    """Ask for the ids still alive, model by model, up to ``parallel_requests`` at once."""

    def alive(read: ModelRead) -> tuple[ModelRead, set[int]]:
        context = _archived(read.include_archived)
        return read, set(run.client.search_ids(read.model, list(read.alive), context=context))

    workers = max(1, run.settings.parallel_requests)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="odoo-read") as pool:
        answers = list(pool.map(alive, reads))
    for read, ids in answers:
        records = state.of(read.model)
        for record_id in records.keys() - ids:
            del records[record_id]


def _read_put_away(run: _Run, state: MirrorState, flavour: OdooFlavour, since: str | None) -> None:
    """The internal moves that put received goods away, while any is not finished.

    A done put-away move is kept as it is: it cannot change any more. Of the others,
    those not held yet are read, and those held are read again only when written since
    ``since`` (the stock moves' watermark of the last run; ids asked for first).
    """
    moves = state.of("stock.move")
    put_away = state.of(PUT_AWAY)
    wanted = {
        dest
        for move in moves.values()
        if move.get("purchase_line_id") and move.get("state") == "done"
        for dest in move.get("move_dest_ids") or ()
    }
    for gone in put_away.keys() - wanted:
        del put_away[gone]
    pending = {dest for dest in wanted if put_away.get(dest, {}).get("state") not in CLOSED_MOVE}
    held = sorted(dest for dest in pending if dest in put_away)
    stale: set[int] = set(held)
    if held and since is not None:
        # changed since the last run read them (Odoo's clock: the moves' last watermark)
        stale = _written_since(run, "stock.move", held, since, put_away, None)
    to_read = (pending - set(held)) | stale
    if not to_read:
        return
    fields = ("state", "location_dest_id", flavour.move_quantity, "write_date")
    for row in run.by_ids("stock.move", to_read, fields):
        put_away[int(row["id"])] = row


PUT_AWAY = "stock.move.put_away"
"""Where the mirror keeps the put-away moves (``stock.move`` records of another kind)."""

CLOSED_MOVE = ("done", "cancel")
"""The states of a stock move that can no longer change."""


def _written_since(
    run: _Run,
    model: str,
    ids: list[int],
    mark: str,
    held: Records,
    context: dict[str, Any] | None,
) -> set[int]:
    """Of the records ``ids`` (``held`` as the last run read them), those Odoo wrote
    after ``mark`` (its clock), or at that very second but not with the stamp held: two
    searches of ids, sent at once."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="odoo-read") as pool:
        after = pool.submit(
            run.client.search_ids, model, [("id", "in", ids), ("write_date", ">", mark)], context
        )
        at = pool.submit(
            run.client.search_ids, model, [("id", "in", ids), ("write_date", "=", mark)], context
        )
        return set(after.result()) | {
            rid for rid in at.result() if held[rid].get("write_date") != mark
        }


def _read_partners(run: _Run, state: MirrorState, fields: tuple[str, ...], *, full: bool) -> None:
    """The partners the records name, their commercial partners, and any that changed."""
    partners = {} if full else state.of("res.partner")
    state.records["res.partner"] = partners
    wanted = _referenced_partners(state)
    missing = wanted - set(partners)
    stale: set[int] = set()
    if not full and partners:
        mark = state.watermarks.get("res.partner")
        if mark:
            held = sorted(partners)
            stale = _written_since(run, "res.partner", held, mark, partners, {"active_test": False})
    for _round in range(2):  # the partners, then their commercial partners
        rows = run.by_ids("res.partner", missing | stale, fields)
        for row in rows:
            partners[int(row["id"])] = row
        stamps = [str(row["write_date"]) for row in rows if row.get("write_date")]
        if stamps:
            state.watermarks["res.partner"] = max(
                [*stamps, state.watermarks.get("res.partner", "")]
            )
        commercial = {
            pid
            for row in partners.values()
            if (pid := many2one_id(row.get("commercial_partner_id")))
        }
        missing, stale = commercial - set(partners), set()
        if not missing:
            break
    for gone in set(partners) - wanted - _commercial_of(partners, wanted):
        del partners[gone]
    state.watermarks.setdefault("res.partner", "1970-01-01 00:00:00")


def _referenced_partners(state: MirrorState) -> set[int]:
    links = (
        ("sale.order", "partner_id"),
        ("purchase.order", "partner_id"),
        ("account.move", "commercial_partner_id"),
        ("product.supplierinfo", "partner_id"),
        ("stock.picking", "partner_id"),
        ("rma", "partner_id"),
        ("res.company", "partner_id"),
    )
    return {
        pid
        for model, link in links
        for row in state.of(model).values()
        if (pid := many2one_id(row.get(link)))
    }


def _commercial_of(partners: Records, ids: set[int]) -> set[int]:
    return {
        pid
        for partner_id in ids
        if (pid := many2one_id(partners.get(partner_id, {}).get("commercial_partner_id")))
    }


SETTINGS = "connector.settings"
"""Where the mirror keeps the connector settings of its last sync (one record, id 0)."""

DISPUTES = "mail.activity.dispute"
"""Where the mirror keeps the open dispute activities (``mail.activity`` of those types)."""


def _read_disputes(run: _Run, state: MirrorState, *, full: bool) -> None:
    """Open activities of the dispute types on invoices: the ids open now (ids only),
    and only those not held yet, or rewritten since the last run, read.

    An activity done in Odoo is deleted (it goes to the chatter), so one that is no
    longer among the ids has closed its dispute.
    """
    domain = _dispute_domain(run.settings)
    held = {} if full else state.of(DISPUTES)
    mark = state.watermarks.get(DISPUTES)
    alive = set(run.client.search_ids("mail.activity", domain))
    stale: set[int] = set()
    if held and mark is not None:
        since = run.client.search_ids("mail.activity", [*domain, ("write_date", ">=", mark)])
        stale = {rid for rid in since if held.get(rid, {}).get("write_date") != mark}
    kept = {rid: row for rid, row in held.items() if rid in alive and rid not in stale}
    fields = ("res_id", "activity_type_id", "write_date")
    for row in run.by_ids("mail.activity", (alive - set(kept)) | (stale & alive), fields):
        kept[int(row["id"])] = row
    state.records[DISPUTES] = kept
    stamps = [str(row["write_date"]) for row in kept.values() if row.get("write_date")]
    state.watermarks[DISPUTES] = max(stamps, default=mark or "1970-01-01 00:00:00")

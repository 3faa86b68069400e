"""The documents a sync changed, mapped alone: the rows to take out of the stored picture
and the rows to put in, so the picture is patched rather than rebuilt.

A later sync changes a few records of hundreds of thousands. Every row of the dataset
comes from one *document* (a sales order with its lines, deliveries and picks; a
purchase order with its lines and receipts; an invoice; the stock of one product in one
warehouse), so the documents touched by the changed records are found, and mapped
twice by the one mapping (:mod:`~controltower.connectors.odoo.mapping`): as the
previous mirror held them (the rows stored now, to take out by business key) and as the
new mirror holds them (the rows to put in). Customers and suppliers are in the dataset
while a document in scope names them, so their rows follow what the whole mirror names.

Some changes are not document-wise: a product's internal reference renames it in every
document, a partner's reference every customer code, a warehouse code or a unit every
row that uses it, a return's rows hang on its transfer, and new connector settings
(tags, capacities, companies) change rows no record change names. Then :func:`plan_patch`
says why, and the caller maps the whole mirror instead. A partner merely coming into the
mirror (first named by a document) or leaving it (no longer named) is document-wise: the
documents that name it are among those touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from controltower.connectors.odoo.flavour import OdooFlavour
from controltower.connectors.odoo.links import Links
from controltower.connectors.odoo.mapping import Mapper, commercial_partner
from controltower.connectors.odoo.mapping_documents import (
    invoice_in_scope,
    map_documents,
    purchase_order_in_scope,
    sale_order_in_scope,
)
from controltower.connectors.odoo.reader import (
    DISPUTES,
    PUT_AWAY,
    SETTINGS,
    MirrorState,
    Record,
    Records,
)
from controltower.connectors.odoo.settings import OdooSettings
from controltower.connectors.odoo.values import many2one_id
from controltower.domain.model import ENTITY_NAMES, Customer, Dataset, Supplier

DOCUMENT_MODELS = frozenset(
    {
        "sale.order",
        "sale.order.line",
        "purchase.order",
        "purchase.order.line",
        "stock.move",
        "stock.picking",
        "stock.scrap",
        PUT_AWAY,
        "stock.quant",
        "account.move",
        DISPUTES,
    }
)
"""The models whose changes are applied document by document; any other is a reason
to map the whole mirror."""

WHOLE_MAPPING_TABLES = frozenset({"warehouses", "transfer_lanes", "products", "returns"})
"""The dataset tables that only change with a whole mapping."""

PATCHED_TABLES = tuple(name for name in ENTITY_NAMES if name not in WHOLE_MAPPING_TABLES)
"""The dataset tables a patch changes: every other one."""


@dataclass
class PicturePatch:
    """Rows to take out of the stored picture (by business key) and rows to put in."""

    removed: Dataset
    added: Dataset
    #: the documents mapped again, per kind (for the summary)
    documents: dict[str, int] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the links of the new mirror the patch was planned with, for the next sync to keep
    links: Links | None = None


@dataclass
class _Touched:
    orders: set[int] = field(default_factory=set)
    purchases: set[int] = field(default_factory=set)
    invoices: set[int] = field(default_factory=set)
    #: (product id, location id) of the changed quants
    quants: set[tuple[int, int]] = field(default_factory=set)


def plan_patch(
    previous: MirrorState,
    state: MirrorState,
    changed: dict[str, set[int]],
    flavour: OdooFlavour,
    settings: OdooSettings,
    links: Links | None = None,
) -> PicturePatch | str:
    """The patch that turns the picture mapped from ``previous`` into the one mapped from
    ``state`` (``changed``: the ids of the records that differ, per model), or why the
    whole mirror must be mapped instead. ``links``, kept from the sync that read
    ``previous``, are moved on to ``state`` rather than indexed again; the patch holds
    the links it used (of ``state``)."""
    if SETTINGS in changed:
        return "the connector settings changed"
    other = sorted(
        set(changed) - DOCUMENT_MODELS - _parties_come_and_gone(previous, state, changed)
    )
    if other:
        return f"{', '.join(other)} changed"
    if links is not None and links.follow(previous):
        links.advance(state, changed)
    else:
        links = Links(state, changed)
    if _has_returns(previous, links) or _has_returns(state, links):
        return "returns are mapped whole"
    touched = _touched(previous, state, changed, links)
    new = _map_touched(state, touched, flavour, settings, None, links)
    old = _map_touched(previous, touched, flavour, settings, new, links)
    removed, added = old.outcome.dataset, new.outcome.dataset
    _party_changes((old, previous), (new, state), touched, removed, added, links)
    _drop_unchanged(removed, added)
    return PicturePatch(
        removed=removed,
        added=added,
        documents={
            "sales orders": len(touched.orders),
            "purchase orders": len(touched.purchases),
            "invoices": len(touched.invoices),
            "stock levels": len(touched.quants),
        },
        unmapped=new.outcome.unmapped,
        warnings=new.outcome.warnings,
        links=links,
    )


def _parties_come_and_gone(
    previous: MirrorState, state: MirrorState, changed: dict[str, set[int]]
) -> set[str]:
    """``{"res.partner"}`` when every partner that changed only came into the mirror or
    left it, none was rewritten; else nothing.

    The mirror keeps the partners its records name: one comes when a document first
    names it (an order for a new customer) and goes when the last one that named it
    leaves (an invoice paid). The documents that named it or now do are among those
    touched, and the customers and suppliers follow them (:func:`_party_changes`), so a
    patch applies this. A partner rewritten in Odoo (its reference, its tags) may change
    the rows of documents nobody touched, and is a reason to map the whole mirror.
    """
    ids = changed.get("res.partner")
    if not ids:
        return set()
    before, after = previous.records.get("res.partner", {}), state.records.get("res.partner", {})
    if any(pid in before and pid in after for pid in ids):
        return set()
    return {"res.partner"}


def _has_returns(state: MirrorState, links: Links) -> bool:
    return bool(state.of("rma")) or links.any_link(state, "stock.move", "origin_returned_move_id")


def _parents(states: Iterable[MirrorState], model: str, ids: Iterable[int], link: str) -> set[int]:
    """The ``link`` of each record ``ids`` of ``model``, as any of ``states`` held it."""
    found: set[int] = set()
    for state in states:
        records = state.of(model)
        for rid in ids:
            parent = many2one_id(records.get(rid, {}).get(link))
            if parent is not None:
                found.add(parent)
    return found


def _touched(
    previous: MirrorState, state: MirrorState, changed: dict[str, set[int]], links: Links
) -> _Touched:
    """The documents the changed records belong to, before or after the change."""
    both = (previous, state)
    touched = _Touched()
    touched.orders |= changed.get("sale.order", set())
    touched.orders |= _parents(
        both, "sale.order.line", changed.get("sale.order.line", ()), "order_id"
    )
    touched.orders |= _parents(both, "stock.picking", changed.get("stock.picking", ()), "sale_id")
    touched.purchases |= changed.get("purchase.order", set())
    touched.purchases |= _parents(
        both, "purchase.order.line", changed.get("purchase.order.line", ()), "order_id"
    )
    moves = changed.get("stock.move", set())
    sale_lines = _parents(both, "stock.move", moves, "sale_line_id")
    touched.orders |= _parents(both, "sale.order.line", sale_lines, "order_id")
    receipts = set(moves)
    receipts |= _receipts_putting_away(both, changed.get(PUT_AWAY, set()))
    receipts |= _receipts_of_pickings(
        both, _parents(both, "stock.scrap", changed.get("stock.scrap", ()), "picking_id"), links
    )
    touched.purchases |= _purchases_of_moves(both, receipts)
    touched.purchases = _with_shared_receipts(both, touched.purchases, links)
    touched.invoices |= changed.get("account.move", set())
    touched.invoices |= {
        int(row.get("res_id") or 0)
        for st in both
        for rid in changed.get(DISPUTES, ())
        if (row := st.of(DISPUTES).get(rid))
    }
    for st in both:
        quants = st.of("stock.quant")
        for rid in changed.get("stock.quant", ()):
            row = quants.get(rid)
            if row is not None:
                product = many2one_id(row.get("product_id")) or 0
                touched.quants.add((product, many2one_id(row.get("location_id")) or 0))
    return touched


def _purchases_of_moves(states: Iterable[MirrorState], moves: set[int]) -> set[int]:
    states = tuple(states)
    lines = _parents(states, "stock.move", moves, "purchase_line_id")
    return _parents(states, "purchase.order.line", lines, "order_id")


def _receipts_putting_away(states: Iterable[MirrorState], put_away: set[int]) -> set[int]:
    """The receipt moves whose goods the put-away moves ``put_away`` store."""
    if not put_away:
        return set()
    return {
        mid
        for st in states
        for mid, move in st.of("stock.move").items()
        if move.get("purchase_line_id") and put_away & set(move.get("move_dest_ids") or ())
    }


def _receipts_of_pickings(
    states: Iterable[MirrorState], pickings: set[int], links: Links
) -> set[int]:
    """The receipt moves (moves of a purchase line) of the transfers ``pickings``."""
    return {
        mid
        for st in states
        for mid, move in links.children(st, "stock.move", "picking_id", pickings).items()
        if move.get("purchase_line_id")
    }


def _with_shared_receipts(
    states: Iterable[MirrorState], purchases: set[int], links: Links
) -> set[int]:
    """``purchases`` and every purchase order sharing a receipt transfer with one of them
    (what was scrapped from a transfer counts against its first move of the product)."""
    states = tuple(states)
    result = set(purchases)
    frontier = set(purchases)
    while frontier:
        pickings: set[int] = set()
        for st in states:
            lines = links.children(st, "purchase.order.line", "order_id", frontier)
            moves = links.children(st, "stock.move", "purchase_line_id", set(lines))
            pickings |= {
                picking
                for move in moves.values()
                if (picking := many2one_id(move.get("picking_id"))) is not None
            }
        more: set[int] = set()
        for st in states:
            lines_of = st.of("purchase.order.line")
            for move in links.children(st, "stock.move", "picking_id", pickings).values():
                line = many2one_id(move.get("purchase_line_id"))
                order = many2one_id(lines_of.get(line or 0, {}).get("order_id"))
                if line is not None and order is not None:
                    more.add(order)
        frontier = more - result
        result |= frontier
    return result


def _map_touched(
    state: MirrorState,
    touched: _Touched,
    flavour: OdooFlavour,
    settings: OdooSettings,
    products_of: Mapper | None,
    links: Links,
) -> Mapper:
    """The mapping of the touched documents alone, with every lookup they need.

    Only the products those documents name are mapped. Products did not change (else the
    whole mirror is mapped), so a second mapping takes them from ``products_of`` rather
    than mapping them again, and maps only those its documents name alone.
    """
    sub = MirrorState(records={}, watermarks={}, seen_at_mark={})
    documents = set(DOCUMENT_MODELS) - {"stock.scrap", PUT_AWAY, DISPUTES}
    for model, records in state.records.items():
        if model not in documents:
            sub.records[model] = records  # lookups: read, never changed
    sub.records["sale.order"] = _only(state.of("sale.order"), touched.orders)
    sub.records["purchase.order"] = _only(state.of("purchase.order"), touched.purchases)
    sub.records["account.move"] = _only(state.of("account.move"), touched.invoices)
    sub.records["sale.order.line"] = links.children(
        state, "sale.order.line", "order_id", touched.orders
    )
    sub.records["purchase.order.line"] = links.children(
        state, "purchase.order.line", "order_id", touched.purchases
    )
    sale_lines, po_lines = set(sub.of("sale.order.line")), set(sub.of("purchase.order.line"))
    moves = links.children(state, "stock.move", "sale_line_id", sale_lines)
    moves.update(links.children(state, "stock.move", "purchase_line_id", po_lines))
    # the other receipts of those transfers too: a scrap counts against a transfer's
    # first move of the product, whichever order that move serves
    transfers = {
        many2one_id(move.get("picking_id"))
        for move in moves.values()
        if move.get("purchase_line_id")
    }
    moves.update(
        (mid, move)
        for mid, move in links.children(state, "stock.move", "picking_id", transfers).items()
        if move.get("purchase_line_id")
    )
    sub.records["stock.move"] = moves
    sub.records["stock.picking"] = links.children(state, "stock.picking", "sale_id", touched.orders)
    mapper = Mapper(sub, flavour, settings)
    mapper.warehouses()
    named = {
        product
        for model in ("sale.order.line", "purchase.order.line", "stock.move")
        for row in sub.of(model).values()
        if (product := many2one_id(row.get("product_id"))) is not None
    }
    named |= {product for product, _ in touched.quants}
    if products_of is None:
        mapper.products_(only=named)
    else:
        mapper.products = dict(products_of.products)
        mapper.product_uom = dict(products_of.product_uom)
        missing = named - set(mapper.products)
        if missing:  # a line moved to another product since: it maps as it was
            mapper.products_(only=missing)
    keys = {
        (product, warehouse)
        for product, location in touched.quants
        if (warehouse := mapper.warehouse_of_location.get(location)) is not None
    }
    products: set[int | None] = {product for product, _ in keys}
    if 0 in products:  # a quant without a product is keyed 0
        products.add(None)
    quants = links.children(state, "stock.quant", "product_id", products)
    sub.records["stock.quant"] = {
        qid: row
        for qid, row in quants.items()
        if (
            many2one_id(row.get("product_id")) or 0,
            mapper.warehouse_of_location.get(many2one_id(row.get("location_id")) or 0),
        )
        in keys
    }
    mapper.stock()
    map_documents(mapper)
    dataset = mapper.outcome.dataset
    dataset.warehouses, dataset.transfer_lanes = [], []
    return mapper


def _only(records: Records, ids: set[int]) -> Records:
    return {rid: records[rid] for rid in sorted(ids) if rid in records}


def _named_parties(m: Mapper, state: MirrorState, touched: _Touched) -> tuple[set[int], set[int]]:
    """The commercial partners the touched documents in scope name: the customers and
    the suppliers a whole mapping puts in the dataset for them."""
    partners = state.of("res.partner")

    def of(model: str, ids: set[int]) -> Iterable[Record]:
        records = state.of(model)
        return (records[rid] for rid in ids if rid in records)

    customers = {
        pid
        for row in of("sale.order", touched.orders)
        if sale_order_in_scope(m, row)
        if (pid := commercial_partner(partners, row.get("partner_id"))) is not None
    }
    customers |= {
        pid
        for row in of("account.move", touched.invoices)
        if invoice_in_scope(m, row)
        if (pid := commercial_partner(partners, row.get("commercial_partner_id"))) is not None
    }
    suppliers = {
        pid
        for row in of("purchase.order", touched.purchases)
        if purchase_order_in_scope(m, row)
        if (pid := commercial_partner(partners, row.get("partner_id"))) is not None
    }
    return customers, suppliers


def _named_elsewhere(
    m: Mapper,
    state: MirrorState,
    touched: _Touched,
    parties: tuple[set[int], set[int]],
    links: Links,
) -> tuple[set[int], set[int]]:
    """Of ``parties`` (customers, suppliers), those a document in scope that was not
    touched names: the documents naming one of them or one of their contacts."""
    partners = state.of("res.partner")
    # each party with its contacts: the partners a document may name for it
    naming = {party: {party} for party in parties[0] | parties[1]}
    for pid in partners:
        party = commercial_partner(partners, pid)
        if party in naming:
            naming[party].add(pid)

    def named(
        model: str, link: str, ids: set[int], wanted: set[int], in_scope: Callable[..., bool]
    ) -> set[int]:
        if not wanted:
            return set()
        names = set().union(*(naming[party] for party in wanted))
        return {
            pid
            for rid, row in links.children(state, model, link, names).items()
            if rid not in ids and in_scope(m, row)
            if (pid := commercial_partner(partners, row.get(link))) in wanted
        }

    customers, suppliers = parties
    return (
        named("sale.order", "partner_id", touched.orders, customers, sale_order_in_scope)
        | named(
            "account.move", "commercial_partner_id", touched.invoices, customers, invoice_in_scope
        ),
        named(
            "purchase.order", "partner_id", touched.purchases, suppliers, purchase_order_in_scope
        ),
    )


def _party_changes(
    old: tuple[Mapper, MirrorState],
    new: tuple[Mapper, MirrorState],
    touched: _Touched,
    removed: Dataset,
    added: Dataset,
    links: Links,
) -> None:
    """Customers and suppliers no document names any more out, newly named ones in.

    Partners were not rewritten (else the whole mirror is mapped), and the documents not
    touched are the same before and after: a party changes only when the touched
    documents name it on one side alone and no other document names it. Those few are
    looked for among the other documents that name them, and only when there are any.
    """
    (old_map, old_state), (new_map, new_state) = old, new
    before = _named_parties(old_map, old_state, touched)
    after = _named_parties(new_map, new_state, touched)
    either = (before[0] ^ after[0], before[1] ^ after[1])
    kept: tuple[set[int], set[int]] = (set(), set())
    if either[0] or either[1]:
        kept = _named_elsewhere(new_map, new_state, touched, either, links)
    gone = (before[0] - after[0] - kept[0], before[1] - after[1] - kept[1])
    came = (after[0] - before[0] - kept[0], after[1] - before[1] - kept[1])
    removed.customers = [_customer(old_map, pid) for pid in sorted(gone[0])]
    added.customers = [_customer(new_map, pid) for pid in sorted(came[0])]
    removed.suppliers = [_supplier(old_map, pid) for pid in sorted(gone[1])]
    added.suppliers = [_supplier(new_map, pid) for pid in sorted(came[1])]


def _customer(m: Mapper, pid: int) -> Customer:
    customer = m.customer(pid)
    assert customer is not None  # a commercial partner the mirror holds
    return customer


def _supplier(m: Mapper, pid: int) -> Supplier:
    supplier = m.supplier(pid)
    assert supplier is not None  # a commercial partner the mirror holds
    return supplier


def _drop_unchanged(removed: Dataset, added: Dataset) -> None:
    """Rows equal before and after need neither delete nor insert."""
    for name in PATCHED_TABLES:
        old = getattr(removed, name)
        new = getattr(added, name)
        same = set(old) & set(new)
        if same:
            setattr(removed, name, [row for row in old if row not in same])
            setattr(added, name, [row for row in new if row not in same])

"""Odoo records -> the canonical dataset: every rule of ``docs/odoo.md`` in one module.

The input is the reader's mirror (records by model and id, as Odoo returned them); the
output is a :class:`~controltower.domain.model.Dataset` that ``import`` would accept
unchanged, and the records that could not be mapped, each named by model and id (an
order line whose product was deleted, a warehouse without a code). Those are left out
and the rest goes on: one bad record never stops a business from being seen.

Codes are what people see in Odoo (``S00042``, a partner's reference, a product's
internal reference), never database ids, except where Odoo has none (``product-<id>``,
``partner-<id>``). Dates are the date in the company's time zone (Odoo sends naive
UTC). Quantities are in the product's unit of measure and money in the company's
currency, rounded to the six decimals the stored picture holds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from controltower.connectors.odoo.flavour import OdooFlavour
from controltower.connectors.odoo.reader import MirrorState, Record
from controltower.connectors.odoo.settings import OdooSettings
from controltower.connectors.odoo.values import decimal as _decimal
from controltower.connectors.odoo.values import many2one_id as _id
from controltower.connectors.odoo.values import six_places
from controltower.connectors.odoo.values import text as _text
from controltower.connectors.odoo.values import utc as _utc
from controltower.domain.model import (
    FIRST_DATE,
    LAST_DATE,
    Customer,
    Dataset,
    Product,
    StockLevel,
    Supplier,
    Tier,
    TransferLane,
    Warehouse,
)


@dataclass
class MappingOutcome:
    """The dataset, and what could not be mapped or deserves a word."""

    dataset: Dataset
    #: ``model id: why``, one per record left out
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def commercial_partner(partners: Mapping[int, Mapping[str, Any]], partner: Any) -> int | None:
    """The id of the company ``partner`` (a many2one or an id) belongs to: an order placed
    by a contact belongs to its company. None when the partner was not read."""
    pid = _id(partner)
    row = partners.get(pid) if pid is not None else None
    if pid is None or row is None:
        return None
    return _id(row.get("commercial_partner_id")) or pid


def partner_codes(partners: Mapping[int, Mapping[str, Any]]) -> dict[int, str]:
    """The customer code of every commercial partner, as the sync's mapping names it.

    The partner's ``ref`` when no other commercial partner shares it, ``<ref>#<id>``
    when several do, ``partner-<id>`` without one (``docs/odoo.md``, the mapping).
    """
    commercial = {
        int(pid): row
        for pid, row in partners.items()
        if (_id(row.get("commercial_partner_id")) or int(pid)) == int(pid)
    }
    refs = Counter(_text(row.get("ref")) for row in commercial.values())
    codes: dict[int, str] = {}
    for pid, row in commercial.items():
        ref = _text(row.get("ref"))
        if ref is None:
            codes[pid] = f"partner-{pid}"
        else:
            codes[pid] = f"{ref}#{pid}" if refs[ref] > 1 else ref
    return codes


MAX_DAYS = 36_500
"""The longest lead time a dataset holds (a century); Odoo's integer allows more."""


def _in_calendar(day: date) -> date | None:
    return day if FIRST_DATE <= day <= LAST_DATE else None


class Mapper:
    """One mapping run: lookups built once from the mirror, then one method per file."""

    def __init__(self, state: MirrorState, flavour: OdooFlavour, settings: OdooSettings) -> None:
        self.state = state
        self.flavour = flavour
        self.settings = settings
        self.outcome = MappingOutcome(dataset=Dataset())
        self.users = {uid: _text(row.get("login")) for uid, row in state.of("res.users").items()}
        self.uom_factor = {
            uid: Decimal(str(row.get("factor") or 1)) for uid, row in state.of("uom.uom").items()
        }
        self.uom_name = {uid: _text(row.get("name")) for uid, row in state.of("uom.uom").items()}
        self.partner_tags = {
            tid: _text(row.get("name")) for tid, row in state.of("res.partner.category").items()
        }
        self.order_tags = {tid: _text(row.get("name")) for tid, row in state.of("crm.tag").items()}
        self.company_names = {
            cid: _text(row.get("name")) or f"company-{cid}"
            for cid, row in state.of("res.company").items()
        }
        self.company_zone = {cid: self._zone(row) for cid, row in state.of("res.company").items()}
        self.default_zone = next(iter(self.company_zone.values()), ZoneInfo("UTC"))
        self.products: dict[int, Product] = {}
        self.product_uom: dict[int, int | None] = {}
        self.partner_codes: dict[int, str] = {}
        self.warehouse_codes: dict[int, str] = {}
        self.warehouse_of_location: dict[int, int] = {}
        #: Odoo id -> code of the orders and purchase orders kept
        self.order_names: dict[int, str] = {}
        self.purchase_names: dict[int, str] = {}
        self.customers: dict[int, Customer] = {}
        self.suppliers: dict[int, Supplier] = {}
        self.lead_days: dict[int, int] | None = None

    # --- helpers -------------------------------------------------------------------

    def unmapped(self, model: str, record_id: int, why: str) -> None:
        self.outcome.unmapped.append(f"{model} {record_id}: {why}")

    def _zone(self, company: Record) -> ZoneInfo:
        partner = self.state.of("res.partner").get(_id(company.get("partner_id")) or 0, {})
        name = _text(partner.get("tz")) or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.outcome.warnings.append(
                f"res.company {company.get('id')}: unknown time zone {name!r}; dates use UTC"
            )
            return ZoneInfo("UTC")

    def local_date(self, value: Any, company: Any) -> date | None:
        """The date of an Odoo datetime (naive UTC) in the company's time zone.

        A date outside the calendar a picture lives in (``FIRST_DATE`` to ``LAST_DATE``;
        ERPs write ``9999-12-31`` for "no date") reads as no date, as in a dataset.
        """
        moment = _utc(value)
        if moment is None:
            return None
        zone = self.company_zone.get(_id(company) or 0, self.default_zone)
        try:
            return _in_calendar(moment.astimezone(zone).date())
        except OverflowError:  # 9999-12-31 23:30 UTC is beyond year 9999 in Brussels
            return None

    def plain_date(self, value: Any) -> date | None:
        text = _text(value)
        return _in_calendar(date.fromisoformat(text[:10])) if text else None

    def login(self, value: Any) -> str | None:
        return self.users.get(_id(value) or 0)

    def in_product_unit(self, quantity: Any, uom: Any, product_id: int) -> Decimal:
        """A quantity in ``uom`` converted to the product's own unit, as Odoo converts it."""
        amount = _decimal(quantity)
        source = self.uom_factor.get(_id(uom) or 0)
        target = self.uom_factor.get(self.product_uom.get(product_id) or 0)
        if source is None or target is None or source == target or source == 0:
            return amount
        return six_places(amount / source * target)

    def price_per_product_unit(self, price: Decimal, uom: Any, product_id: int) -> Decimal:
        """A price per ``uom`` as the price per the product's own unit (Odoo's ``_compute_price``)."""
        source = self.uom_factor.get(_id(uom) or 0)
        target = self.uom_factor.get(self.product_uom.get(product_id) or 0)
        if source is None or target is None or source == target or target == 0:
            return price
        return six_places(price * source / target)

    def company_money(self, amount: Decimal, document: Record) -> Decimal:
        """A document amount in the company currency (``currency_rate`` is per company unit)."""
        company = self.state.of("res.company").get(_id(document.get("company_id")) or 0, {})
        rate = document.get("currency_rate")
        foreign = _id(document.get("currency_id")) not in (None, _id(company.get("currency_id")))
        if foreign and rate:
            return six_places(amount / Decimal(str(rate)))
        return amount

    # --- master data ---------------------------------------------------------------

    def warehouses(self) -> None:
        wanted = set(self.settings.companies)
        codes = Counter(_text(row.get("code")) for row in self.state.of("stock.warehouse").values())
        for wid, row in sorted(self.state.of("stock.warehouse").items()):
            company = self.company_names.get(_id(row.get("company_id")) or 0)
            if wanted and company not in wanted:
                continue
            code = _text(row.get("code"))
            if code is None:
                self.unmapped("stock.warehouse", wid, "the warehouse has no short name (code)")
                continue
            if codes[code] > 1:
                self.unmapped("stock.warehouse", wid, f"another warehouse has the code {code!r}")
                continue
            self.warehouse_codes[wid] = code
            self.outcome.dataset.warehouses.append(
                Warehouse(
                    code=code,
                    name=_text(row.get("name")),
                    company=company or "main",
                    pick_capacity_lines_per_day=self.settings.pick_capacity.get(code),
                )
            )
        for lane in self.settings.transfer_lanes:
            known = set(self.warehouse_codes.values())
            if lane.from_warehouse in known and lane.to_warehouse in known:
                self.outcome.dataset.transfer_lanes.append(
                    TransferLane(lane.from_warehouse, lane.to_warehouse, lane.transit_days)
                )
            else:
                self.outcome.warnings.append(
                    f"transfer lane {lane.from_warehouse} -> {lane.to_warehouse} names a warehouse "
                    "that is not synced; left out"
                )
        self._locate()

    def _locate(self) -> None:
        """Which warehouse each location is in: the one whose view location is an ancestor."""
        locations = self.state.of("stock.location")
        views = {
            _id(row.get("view_location_id")): wid
            for wid, row in self.state.of("stock.warehouse").items()
            if wid in self.warehouse_codes
        }
        for lid in locations:
            seen: set[int] = set()
            current: int | None = lid
            while current is not None and current not in seen:
                if current in views:
                    self.warehouse_of_location[lid] = views[current]
                    break
                seen.add(current)
                current = _id(locations.get(current, {}).get("location_id"))

    def products_(self, only: Collection[int] | None = None) -> None:
        """The products (``only`` those ids, when given: a patch maps a few documents),
        each named by its internal reference, made unique among all products."""
        rows = self.state.of("product.product")
        codes = Counter(_text(row.get("default_code")) for row in rows.values())
        duplicated = sorted(code for code, n in codes.items() if code is not None and n > 1)
        for shared in duplicated:
            self.outcome.warnings.append(
                f"{codes[shared]} products share the internal reference {shared!r}; "
                f"each is named {shared}#<id>"
            )
        orderpoints: dict[int, Record] = {}
        for _oid, row in sorted(self.state.of("stock.warehouse.orderpoint").items()):
            product = _id(row.get("product_id")) or 0
            if only is None or product in only:
                orderpoints.setdefault(product, row)
        for pid, row in sorted(rows.items()):
            if only is not None and pid not in only:
                continue
            code = _text(row.get("default_code"))
            sku = f"product-{pid}" if code is None else f"{code}#{pid}" if codes[code] > 1 else code
            point = orderpoints.get(pid)
            minimum = _decimal(point.get("product_min_qty")) if point else None
            maximum = _decimal(point.get("product_max_qty")) if point else None
            self.product_uom[pid] = _id(row.get("uom_id"))
            self.products[pid] = Product(
                sku=sku,
                name=_text(row.get("name")),
                unit_cost=max(_decimal(row.get("standard_price")), Decimal(0)),
                list_price=max(_decimal(row.get("list_price")), Decimal(0)),
                uom=self.uom_name.get(_id(row.get("uom_id")) or 0) or "unit",
                reorder_point=None if minimum is None else max(minimum, Decimal(0)),
                reorder_qty=(
                    None
                    if minimum is None or maximum is None
                    else max(maximum - minimum, Decimal(0))
                ),
            )

    def commercial(self, partner: Any) -> int | None:
        return commercial_partner(self.state.of("res.partner"), partner)

    def partner_code(self, pid: int) -> str:
        if not self.partner_codes:
            rows = self.state.of("res.partner")
            self.partner_codes = partner_codes(rows)
            refs = Counter(
                _text(row.get("ref"))
                for cid, row in rows.items()
                if (_id(row.get("commercial_partner_id")) or cid) == cid
            )
            for ref in sorted(r for r, n in refs.items() if r is not None and n > 1):
                self.outcome.warnings.append(
                    f"{refs[ref]} partners share the reference {ref!r}; each is named {ref}#<id>"
                )
        return self.partner_codes.get(pid, f"partner-{pid}")

    def customer(self, partner: Any) -> Customer | None:
        pid = self.commercial(partner)
        if pid is None:
            return None
        if pid not in self.customers:
            row = self.state.of("res.partner")[pid]
            tags = {self.partner_tags.get(t) for t in row.get("category_id") or ()}
            tier = Tier.STANDARD
            if self.settings.strategic_tag in tags:
                tier = Tier.STRATEGIC
            elif self.settings.key_tag in tags:
                tier = Tier.KEY
            limit = row.get("credit_limit")
            in_use = row.get("use_partner_credit_limit", True) and limit not in (False, None, 0)
            held = row.get("sale_warn") == "block" or bool(
                tags & set(self.settings.credit_hold_tags)
            )
            self.customers[pid] = Customer(
                code=self.partner_code(pid),
                name=_text(row.get("name")),
                tier=tier,
                credit_limit=max(_decimal(limit), Decimal(0)) if in_use else None,
                credit_hold=held,
                account_owner=self.login(row.get("user_id")),
            )
        return self.customers[pid]

    def supplier(self, partner: Any) -> Supplier | None:
        pid = self.commercial(partner)
        if pid is None:
            return None
        if pid not in self.suppliers:
            row = self.state.of("res.partner")[pid]
            shortest = self._lead_days().get(pid)
            self.suppliers[pid] = Supplier(
                code=self.partner_code(pid),
                name=_text(row.get("name")),
                lead_days=None if shortest is None else min(max(shortest, 0), MAX_DAYS),
            )
        return self.suppliers[pid]

    def _lead_days(self) -> dict[int, int]:
        """The lowest vendor lead time per commercial partner, worked out once."""
        if self.lead_days is None:
            self.lead_days = {}
            for info in self.state.of("product.supplierinfo").values():
                vendor = self.commercial(info.get("partner_id"))
                if vendor is not None:
                    delay = int(info.get("delay") or 0)
                    self.lead_days[vendor] = min(delay, self.lead_days.get(vendor, delay))
        return self.lead_days

    # --- stock ---------------------------------------------------------------------

    def stock(self) -> None:
        on_hand: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        quality: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        locations = self.state.of("stock.location")
        for _qid, row in sorted(self.state.of("stock.quant").items()):
            pid = _id(row.get("product_id"))
            lid = _id(row.get("location_id")) or 0
            wid = self.warehouse_of_location.get(lid)
            if pid not in self.products or wid is None:
                continue
            key = (pid, wid)
            quantity = _decimal(row.get("quantity"))
            on_hand[key] += quantity
            name = _text(locations.get(lid, {}).get("complete_name")) or ""
            if any(mark.lower() in name.lower() for mark in self.settings.quality_locations):
                quality[key] += quantity
        for (pid, wid), quantity in sorted(on_hand.items()):
            total = max(quantity, Decimal(0))
            if quantity < 0:
                self.outcome.warnings.append(
                    f"{self.products[pid].sku} in {self.warehouse_codes[wid]}: Odoo shows "
                    f"{quantity} on hand; counted as 0"
                )
            self.outcome.dataset.stock.append(
                StockLevel(
                    sku=self.products[pid].sku,
                    warehouse=self.warehouse_codes[wid],
                    on_hand=total,
                    quality_hold=min(max(quality[(pid, wid)], Decimal(0)), total),
                )
            )


def map_mirror(state: MirrorState, flavour: OdooFlavour, settings: OdooSettings) -> MappingOutcome:
    """The canonical dataset the mirror describes (see the module docstring)."""
    from controltower.connectors.odoo.mapping_documents import map_documents

    mapper = Mapper(state, flavour, settings)
    mapper.warehouses()
    mapper.products_()
    mapper.stock()
    map_documents(mapper)
    dataset = mapper.outcome.dataset
    dataset.products = sorted(mapper.products.values(), key=lambda p: p.sku)
    dataset.customers = sorted(mapper.customers.values(), key=lambda c: c.code)
    dataset.suppliers = sorted(mapper.suppliers.values(), key=lambda s: s.code)
    return mapper.outcome

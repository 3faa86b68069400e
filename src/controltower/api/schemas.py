"""Public response schemas of the API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

from controltower.domain.analysis import Allocation, Blocker, OrderRiskStatus
from controltower.domain.cases import CaseState, EventKind, ExceptionType, Severity
from controltower.storage.queries import CaseSort, OrderSort
from controltower.workflow.scan_document import json_number


class WarehousePublic(BaseModel):
    code: str
    name: str | None
    company: str


class PicturePublic(BaseModel):
    """One imported picture of a business: what was loaded, and when."""

    picture_id: int
    companies: list[str]
    imported_at: datetime
    source: str
    counts: dict[str, int]
    warehouses: list[WarehousePublic]


class HealthPublic(BaseModel):
    status: str
    version: str
    database: str


# --- Work views: orders and exceptions -------------------------------------------------
#
# Money and quantities are exact Decimals inside; in JSON they are numbers (integers when
# whole), as everywhere else in Control Tower's JSON. Every enumeration travels with a
# plain-words label, so a client can show it without a lookup table of its own.

JsonNumber = Annotated[
    Decimal, PlainSerializer(json_number, return_type=int | float, when_used="json")
]


class ScanPublic(BaseModel):
    """The latest recorded scan of a picture: what the order and case views reflect."""

    scan_run_id: int
    as_of: date
    scanned_at: datetime
    order_count: int
    at_risk_count: int


class HeldPegPublic(BaseModel):
    qty: JsonNumber
    available_date: date


class InboundPegPublic(BaseModel):
    po_id: str
    line: int
    qty: JsonNumber
    available_date: date


class TransferAlternativePublic(BaseModel):
    from_warehouse: str
    free_qty: JsonNumber
    transit_days: int
    arrival_date: date
    makes_promise: bool


class OrderLinePublic(BaseModel):
    """Where one open order line stands: which source covers how much, and when."""

    line: int
    sku: str
    warehouse: str
    open_qty: JsonNumber
    from_stock: JsonNumber
    from_quality_hold: list[HeldPegPublic]
    from_inbound: list[InboundPegPublic]
    short_qty: JsonNumber
    projected_date: date | None
    supply_date: date | None
    capacity_delay_days: int
    unit_price: JsonNumber
    alternatives: list[TransferAlternativePublic]


class OrderPublic(BaseModel):
    """One open order as the latest scan saw it."""

    order_id: str
    customer: str
    customer_name: str | None
    warehouse: str
    status: OrderRiskStatus
    status_label: str
    allocation: Allocation
    blockers: list[Blocker]
    promised_date: date
    projected_ship_date: date | None
    days_late: int | None
    at_risk: bool
    open_value: JsonNumber
    explanation: list[str]
    lines: list[OrderLinePublic]


class PagedPublic(BaseModel):
    """What every list response says about its page: ``items`` holds the page."""

    #: every row the filters match, on all pages
    total: int
    #: this page's number, from 1
    page: int
    page_size: int
    #: the number of the last page (1 when nothing matches); a page after it is empty
    last_page: int


class OrderListPublic(PagedPublic):
    """A page of the stored order risk, sorted as asked (most urgent first by default)."""

    picture_id: int
    companies: list[str]
    scan: ScanPublic
    sort: OrderSort
    #: rows skipped before this page (``(page - 1) * page_size`` unless paged by offset)
    offset: int
    #: the same as ``page_size`` (the older name of the parameter)
    limit: int
    items: list[OrderPublic]


class StatusChangePublic(BaseModel):
    """One change of an order's risk status (``from_status`` is null when it was new)."""

    scan_run_id: int
    as_of: date
    from_status: OrderRiskStatus | None
    to_status: OrderRiskStatus
    to_status_label: str
    changed_at: datetime


class OrderDetailPublic(OrderPublic):
    """One order with its lines and every recorded change of its status."""

    picture_id: int
    scan: ScanPublic
    status_history: list[StatusChangePublic]


class FieldChangePublic(BaseModel):
    field: str
    old: str
    new: str


class CaseEventPublic(BaseModel):
    """One entry of a case's timeline: when, what, by whom, and the note."""

    kind: EventKind
    kind_label: str
    at: datetime
    by: str
    note: str
    from_state: CaseState | None
    to_state: CaseState | None
    changes: list[FieldChangePublic]


class CasePublic(BaseModel):
    """One exception case: a typed problem on one subject, owned and timed."""

    id: str
    type: ExceptionType
    type_label: str
    subject: str
    subject_label: str
    state: CaseState
    state_label: str
    severity: Severity
    owner: str
    due_at: datetime
    #: still active and due before the latest scan (the queue's deterministic "now")
    overdue: bool
    opened_at: datetime
    value_at_risk: JsonNumber
    value_basis: str
    explanation: str
    cause: str
    incident_id: str
    #: the first related subjects (orders hit, purchase orders...); ``related_count`` in all
    related: list[str]
    related_count: int
    warehouse: str | None
    company: str | None


class CaseDetailPublic(CasePublic):
    """A case with a page of its timeline, oldest event first."""

    entities: list[str]
    timeline: list[CaseEventPublic]
    #: events on the whole timeline; ``timeline`` holds page ``timeline_page`` of them
    timeline_total: int
    timeline_page: int
    timeline_page_size: int


class IncidentMemberPublic(BaseModel):
    type: ExceptionType
    type_label: str
    subject: str
    subject_label: str
    case_id: str
    severity: Severity
    value_at_risk: JsonNumber


class IncidentPublic(BaseModel):
    """The cases that share one root cause: one problem, counted once, with its impacts.

    ``members`` and ``impacts`` list the first few (most severe cases first, impacts in
    order); ``member_count`` and ``impact_count`` say how many there are in all.
    """

    id: str
    title: str
    cause: str
    cause_label: str
    root_type: ExceptionType
    root_type_label: str
    #: the case whose subject is the cause itself, when there is one
    root_case_id: str | None
    severity: Severity
    value_at_risk: JsonNumber
    impact_count: int
    order_count: int
    impacts: list[str]
    member_count: int
    members: list[IncidentMemberPublic]


class CaseQueuePublic(PagedPublic):
    """A page of the case queue (by default the most severe first, then the earliest due)."""

    view: Literal["cases"] = "cases"
    picture_id: int
    companies: list[str]
    scan: ScanPublic | None
    sort: CaseSort
    items: list[CasePublic]


class IncidentQueuePublic(PagedPublic):
    """A page of the incident queue: the most value at risk first."""

    view: Literal["incidents"] = "incidents"
    picture_id: int
    companies: list[str]
    scan: ScanPublic | None
    items: list[IncidentPublic]


ExceptionQueuePublic = Annotated[CaseQueuePublic | IncidentQueuePublic, Field(discriminator="view")]

"""Public response schemas of the API."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from controltower.domain.analysis import Allocation, Blocker, OrderRiskStatus
from controltower.domain.case_actions import (
    MAX_TEXT,
    ActionInputError,
    ResolutionCode,
    snooze_until,
)
from controltower.domain.cases import CaseState, EventKind, ExceptionType, Severity
from controltower.storage.queries import CaseSort, OrderSort
from controltower.workflow.scan_document import json_number


class WarehousePublic(BaseModel):
    code: str
    name: str | None
    company: str


#: a path of the server's file system: ``/srv/...``, ``~/...``, ``C:\\...`` or ``\\\\host\\...``
_SERVER_PATH: Final = re.compile(r"^(?:[/\\~]|[A-Za-z]:[/\\])")


def public_source(source: str) -> str:
    """Where a picture came from, without what only the server should know.

    An imported folder is stored as ``dataset:/its/absolute/path``; the API shows
    ``dataset:<the folder's name>`` so that no path of the server leaks out. An Odoo
    sync (``odoo:<url>/<db>``) keeps its address, less any user and password written
    into the URL. Other sources (``demo:...``) are shown as they are.
    """
    kind, colon, where = source.partition(":")
    if not colon or _SERVER_PATH.match(source):
        kind, colon, where = "", "", source
    if kind == "odoo":
        return f"odoo:{_without_credentials(where)}"
    if _SERVER_PATH.match(where):
        name = re.split(r"[/\\]", where.rstrip("/\\"))[-1] or "dataset folder"
        return f"{kind}:{name}" if colon else name
    return source


def _without_credentials(url: str) -> str:
    """``url`` less the ``user:password@`` of its address (the rest as written)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class PicturePublic(BaseModel):
    """One imported picture of a business: what was loaded, and when.

    ``source`` is :func:`public_source` of what was stored: never a path of the server.
    """

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
    model_config = ConfigDict(frozen=True)  # shared by requests: see lines_public

    qty: JsonNumber
    available_date: date


class InboundPegPublic(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared by requests: see lines_public

    po_id: str
    line: int
    qty: JsonNumber
    available_date: date


class TransferAlternativePublic(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared by requests: see lines_public

    from_warehouse: str
    free_qty: JsonNumber
    transit_days: int
    arrival_date: date
    makes_promise: bool


class OrderLinePublic(BaseModel):
    """Where one open order line stands: which source covers how much, and when."""

    #: one model serves every request reading the line (``routes/orders.lines_public``)
    model_config = ConfigDict(frozen=True)

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
    #: the login of the person working on it (None: its owning team's, unassigned)
    assignee: str | None = None
    #: hidden from the queue until then (None: not snoozed)
    snoozed_until: datetime | None = None
    snooze_reason: str | None = None
    #: why a person resolved it (``fixed``, ``accepted_risk``...), while resolved
    resolution_code: str | None = None


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


# --- People acting on cases --------------------------------------------------------------
#
# What a client sends to act on a case (``POST /api/cases/{id}/...``) and what a selection
# of cases answers. Every payload refuses fields it does not know, so a misspelt field is
# named in a 422 instead of being ignored.

#: the most cases one bulk request may name
BULK_LIMIT = 200

#: a note, comment or reason: the domain trims it and says when a required one is blank
CaseText = Annotated[str, Field(max_length=MAX_TEXT)]

#: a person's login, as ``controltower user add`` stored it
LoginText = Annotated[str, Field(min_length=1, max_length=64)]


class _CasePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseNoteIn(_CasePayload):
    """An optional note to go with acknowledging, starting work on or reopening a case."""

    note: CaseText = ""


class AssignIn(_CasePayload):
    """Who the case goes to: a login (``to`` is required; ``null`` hands the case back to
    its owning team)."""

    to: LoginText | None
    note: CaseText = ""


class CommentIn(_CasePayload):
    """A comment on the case's timeline."""

    text: CaseText


class SnoozeIn(_CasePayload):
    """Out of the queue until ``until``: an ISO date and time with a time zone, or a date
    alone (the start of that day, UTC); at most 90 days ahead."""

    until: datetime
    reason: CaseText

    @field_validator("until", mode="before")
    @classmethod
    def _written_moment(cls, value: object) -> datetime:
        if not isinstance(value, str):
            raise ValueError("until must be a date (2026-12-01) or an ISO date-time with a zone")
        try:
            return snooze_until(value)
        except ActionInputError as error:
            raise ValueError(str(error)) from None


class ResolveIn(_CasePayload):
    """Why the case is resolved: ``fixed`` needs the latest scan to no longer find its
    condition; every other code accepts the condition as it is and needs a ``note``."""

    reason_code: ResolutionCode
    note: CaseText = ""


class BulkCasesIn(_CasePayload):
    """One action on several cases: ``acknowledge``, or ``assign`` (with ``to``, a login or
    ``null`` for the owning team)."""

    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=BULK_LIMIT
    )
    action: Literal["acknowledge", "assign"]
    to: LoginText | None = None
    note: CaseText = ""

    @field_validator("ids")
    @classmethod
    def _each_once(cls, ids: list[str]) -> list[str]:
        seen: set[str] = set()
        for case_id in ids:
            if case_id in seen:
                raise ValueError(f"{case_id} is listed more than once")
            seen.add(case_id)
        return ids


class BulkCasePublic(BaseModel):
    """What happened to one case of a bulk request."""

    id: str
    #: done: the action applied (or there was nothing to change); refused: ``reason`` says
    #: why; not_found: no such case, or not one you can see
    outcome: Literal["done", "refused", "not_found"]
    reason: str | None = None
    #: the case's state and assignee afterwards, when it was found
    state: CaseState | None = None
    assignee: str | None = None


class BulkCasesPublic(BaseModel):
    """The outcome of a bulk request, one entry per id in the order given."""

    action: str
    done: int
    refused: int
    not_found: int
    results: list[BulkCasePublic]


# --- Saved views ---------------------------------------------------------------------------
#
# A person's named filters of a list page (``storage/saved_views.py``).


class SavedViewIn(BaseModel):
    """A view to save: the list page, a name, and the page's query string."""

    model_config = ConfigDict(extra="forbid")

    #: ``exceptions`` or ``orders``
    page: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    #: the page's query string, e.g. ``view=cases&severity=critical`` (page numbers and
    #: blank values are dropped)
    query: str = Field(default="", max_length=4000)


class SavedViewPublic(BaseModel):
    """One of your saved views, and the address that opens it."""

    id: int
    page: str
    name: str
    query: str
    #: the page with the view's filters, e.g. ``/exceptions?view=cases&severity=critical``
    url: str
    created_at: datetime


class SavedViewsPublic(BaseModel):
    """Your saved views (of one page, or of every page), by page then name."""

    items: list[SavedViewPublic]

"""Response schemas of the two work lists: a person's cases, a warehouse's picks."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from controltower.api.schemas import CasePublic, JsonNumber, PagedPublic, ScanPublic


class WorkCountsPublic(BaseModel):
    """A person's active cases: per state those on the list, overdue and snoozed ones."""

    open: int
    acknowledged: int
    in_progress: int
    waiting_for_approval: int
    #: every case on the list (the four states above)
    to_do: int
    #: on the list and due before the latest scan
    overdue: int
    #: active but hidden from the list until their snooze runs out
    snoozed: int


class WorkItemPublic(CasePublic):
    """A case on a person's list, with its explanation read as what is wrong and what next."""

    #: the first sentence of the explanation
    what_is_wrong: str
    #: what the explanation says to do next (None when it says nothing)
    next_step: str | None
    #: the next step's separate steps, the first to try first (empty when it says none)
    next_steps: list[str]
    #: assigned to the person asking (else: unassigned, owned by one of their teams)
    assigned_to_me: bool


class MyWorkPublic(PagedPublic):
    """A page of a person's work: most severe first, then the soonest due."""

    picture_id: int
    companies: list[str]
    scan: ScanPublic | None
    login: str
    teams: list[str]
    counts: WorkCountsPublic
    items: list[WorkItemPublic]


class PickingWarehousePublic(BaseModel):
    code: str
    name: str | None
    company: str
    #: order lines the warehouse picks a day (None: no limit recorded)
    capacity_lines_per_day: int | None


class QueuedPickPublic(BaseModel):
    """One open pick in its place in the list, and what working the list makes of it."""

    #: the pick's place in the list, from 1
    position: int
    pick_id: str
    order_id: str
    customer: str | None
    customer_name: str | None
    #: when the pick was released, in the business's local time (as the dataset gives it)
    created_at: datetime
    assigned_to: str | None
    unassigned: bool
    promised_date: date | None
    expedite: bool
    #: at risk at the latest scan
    at_risk: bool
    #: the order's open value at the latest scan
    open_value: JsonNumber | None
    #: the lines of the day's capacity the pick takes
    lines: int
    #: the lines the list takes up to and with this pick
    lines_through: int
    #: the day the pick is done when the list is worked top-down from ``day``
    pick_day: date
    #: the day's capacity is used up before this pick is done
    beyond_capacity: bool
    #: done on a later day than the pick before it (the first pick: than ``day``)
    starts_new_day: bool
    #: its pick day is after its order's promised date
    misses_promise: bool
    #: its order's promised date is before ``day`` already
    already_late: bool


class WarehouseWorkPublic(PagedPublic):
    """A page of a warehouse's open picks in working order, and the whole list's summary."""

    picture_id: int
    companies: list[str]
    scan: ScanPublic | None
    warehouse: PickingWarehousePublic
    #: the day the list is worked from
    day: date
    #: the lines of capacity the whole list takes
    lines: int
    unassigned: int
    #: the position of the first pick the day's capacity does not cover (None: all fit)
    capacity_runs_out_at: int | None
    picks_missing_promise: int
    orders_missing_promise: int
    #: the day the last pick of the list is done
    last_pick_day: date
    items: list[QueuedPickPublic]

"""The stored scan: analyse the stored picture, record the result, keep the cases current.

Where the stateless scan prints a document and forgets it, the stored scan remembers:
each open order's risk and status history, and one exception case per (type, subject)
that later scans update, resolve (with the policy's hysteresis) and reopen. Everything
it needs from the database goes through :class:`PictureStore`, a port the storage
package implements, so this module never imports storage and can be exercised with an
in-memory fake.

Time: ``now`` is passed in and must carry a time zone. Case times are moments (stored
in UTC). The dataset's timestamps (a pick's creation) and the policy's business hours
have no zone; the scan reads them in the zone ``now`` carries, so the caller's clock
decides what "08:00" and "four hours ago" mean.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Protocol

from controltower.detectors.base import Finding
from controltower.detectors.columnar import ColumnarDetectionContext, run_columnar_detectors
from controltower.domain.cases import (
    CaseOccurrence,
    EventKind,
    ExceptionCase,
    ExceptionType,
    LiveCase,
    TimelineEntry,
    left_as_is,
    reconcile,
)
from controltower.domain.errors import DomainError
from controltower.domain.escalation import (
    EscalationLadder,
    ImpactFacts,
    ValueLadder,
    impact_score,
    with_impact_scores,
)
from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.tables import DatasetTables
from controltower.policy import Policy
from controltower.workflow.columnar_scan import analyse_tables
from controltower.workflow.exceptions import (
    ExceptionRecord,
    RoutingFacts,
    routed_records,
    routing_facts,
)
from controltower.workflow.memory import release_free_memory
from controltower.workflow.order_risk import OrderRiskColumns, order_promises, order_risk_columns
from controltower.workflow.order_texts_aside import OrderTextsAside, words_aside

#: timeline events that mean a case's facts changed on re-detection
_UPDATE_KINDS = frozenset({EventKind.UPDATED, EventKind.SEVERITY_CHANGED})

#: timeline events that start a case's condition (a new case, or one that came back)
_START_KINDS = frozenset({EventKind.OPENED, EventKind.REOPENED})

#: history read beyond the recurrence window, so a window counted in whole days at its
#: boundary is never cut short by this query (the detector applies the exact window)
_HISTORY_MARGIN = timedelta(days=1)


class RecordedScan(Protocol):
    """What the store reports about a recorded analysis."""

    @property
    def scan_run_id(self) -> int: ...
    @property
    def new_orders(self) -> int: ...
    @property
    def changed_orders(self) -> int: ...
    @property
    def removed_orders(self) -> int: ...


class PictureStore(Protocol):
    """Where one picture, its scan results and its companies' cases are kept (a port)."""

    def load_tables(self) -> DatasetTables:
        """The picture to scan, as columns."""
        ...

    def record_unchanged_orders(
        self, *, as_of: date, counts: tuple[int, int], scanned_at: datetime, policy_digest: str
    ) -> RecordedScan | None:
        """Record only the scan run when the stored orders' risk is already what this
        scan would record (the same picture, as of the same day, under the same policy,
        last recorded by the latest scan of its companies); else None, nothing written.
        ``counts``: the open orders and how many are at risk."""
        ...

    def record_order_risk(
        self, orders: OrderRiskColumns, *, scanned_at: datetime, policy_digest: str
    ) -> RecordedScan:
        """Record the scan run, each open order's risk and any status change."""
        ...

    def live_cases(self) -> list[LiveCase]:
        """Every case that is not closed, as the facts a run compares (first: it takes
        the scans' turn before any case is read)."""
        ...

    def load_live_cases(self, ids: Collection[str]) -> list[ExceptionCase]:
        """The cases ``ids`` (not closed), whole, as :func:`reconcile` reads them."""
        ...

    def case_history(self, *, since: datetime) -> list[CaseOccurrence]:
        """Every opening and reopening of a case (closed ones too) at or after ``since``."""
        ...

    def save_cases(self, cases: Sequence[ExceptionCase]) -> None:
        """Store new and changed cases, appending only the events they gained."""
        ...

    def queue_notifications(self, cases: Sequence[ExceptionCase]) -> int:
        """Queue, in the same unit of work, the notifications of the saved cases this
        scan opened or reopened (the outbox); how many were queued."""
        ...

    def record_routing_facts(
        self, cases: Sequence[ExceptionCase], facts: Mapping[CaseKey, RoutingFacts]
    ) -> None:
        """Keep what routing read of each saved case's finding (``facts``, by the case's
        (type, subject)), so a policy can be replayed on the history."""
        ...

    def approved_prices(self) -> Mapping[tuple[str, int], frozenset[Decimal]]:
        """Per (order id, line), the unit prices approved as overrides (executed
        ``override_price`` actions of the picture's companies): ``pricing_variance``
        does not flag a line still at one of them."""
        ...


@dataclass(frozen=True, slots=True)
class StoredScanResult:
    """What one stored scan saw and changed."""

    scan_run_id: int
    as_of: date
    scanned_at: datetime
    #: open orders analysed, and how many of them are at risk
    orders: int
    at_risk: int
    #: orders new to the stored risk or whose risk status changed (history rows added)
    status_changes: int
    #: exceptions this scan detected
    exceptions: int
    opened: int
    #: cases re-detected with new facts or a new severity (not opened or reopened now)
    updated: int
    #: cases that resolved themselves because their condition cleared
    resolved: int
    reopened: int
    #: resolved cases closed because their reopen window passed
    closed: int
    #: cases still someone's work after the scan
    active_cases: int
    #: every timeline event this scan appended, in order
    events: tuple[TimelineEntry, ...]

    def summary_line(self) -> str:
        """One line for people: ``Scan run 7 as of 2026-11-25: 12 open orders, ...``."""
        return (
            f"Scan run {self.scan_run_id} as of {self.as_of.isoformat()}: "
            f"{_count(self.orders, 'open order')}, {self.at_risk} at risk, "
            f"{_count(self.status_changes, 'status change')}; "
            f"{_count(self.exceptions, 'exception')}: {self.opened} opened, "
            f"{self.updated} updated, {self.resolved} resolved, {self.reopened} reopened, "
            f"{self.closed} closed; {_count(self.active_cases, 'active case')}."
        )


class ScanGoesBackError(DomainError):
    """A stored scan was asked for a date before the last stored scan of its companies."""

    def __init__(self, as_of: date, last: date) -> None:
        self.as_of = as_of
        self.last = last
        super().__init__(
            f"{as_of.isoformat()} is before the last scan (as of {last.isoformat()}): a stored "
            "scan only moves forward; scan a dataset folder to look at the past"
        )


def refuse_going_back(as_of: date, last_as_of: date | None) -> None:
    """Raise :class:`ScanGoesBackError` when ``as_of`` is before ``last_as_of``, the as-of
    date of the latest stored scan of the same companies (None: never scanned).

    Cases belong to companies and outlive pictures, so a scan dated earlier than one
    already recorded would reconcile them against an older day: it would open cases
    for conditions the later scan had seen cleared, and no later scan would ever
    account for them. The same day again is fine (a rescan).
    """
    if last_as_of is not None and as_of < last_as_of:
        raise ScanGoesBackError(as_of, last_as_of)


def policy_digest(policy: Policy) -> str:
    """A fingerprint of the policy's every value, so a scan run names the rules it used.

    Keys are sorted, so two files saying the same thing in another order match.
    """
    canonical = json.dumps(policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def run_stored_scan(
    store: PictureStore,
    *,
    as_of: date,
    policy: Policy,
    now: datetime,
    fork: bool = False,
) -> StoredScanResult:
    """Scan the stored picture as of ``as_of`` at the moment ``now``, and remember it.

    Records the analysis (scan run, order risk, status history), detects the exceptions
    (recurring ones from the stored case history) and reconciles them with the cases:
    new ones open, re-detected ones update, missing ones resolve once the policy's
    ``[lifecycle]`` hysteresis allows, returning ones reopen within the reopen window.
    Running it again on an unchanged picture changes no case (only findings that
    depend on the time itself, such as how long a pick has waited, are re-stated).
    Nothing is committed here: the caller's unit of work decides.

    ``fork``: the caller is a command's own process, which may fork; a large picture
    then has its orders worded by a child while this process keeps the cases
    (:mod:`~controltower.workflow.order_texts_aside`), and they are recorded after the
    cases rather than before. The rows recorded are the same either way.
    """
    zone = _zone_of(now)
    tables = store.load_tables()
    result = analyse_tables(tables, as_of, policy)
    picture = result.picture
    counted = _OrderCounts(picture.as_of, len(picture.order_ids), int(result.order_at_risk.sum()))
    digest = policy_digest(policy)
    # a rescan of the picture the orders were recorded from words nothing again
    recorded = store.record_unchanged_orders(
        as_of=counted.as_of,
        counts=(counted.orders, counted.at_risk),
        scanned_at=now,
        policy_digest=digest,
    )
    aside = None
    if recorded is None:
        if words_aside(result, allowed=fork):
            release_free_memory()  # what loading freed: not counted again in the child
            aside = OrderTextsAside(result, tables)
        else:
            recorded = _record_orders(store, order_risk_columns(result, tables), now, digest)
    with aside or contextlib.nullcontext():
        promised = order_promises(result)
        window = timedelta(days=policy.detectors.recurring_exception.window_days)
        heads = store.live_cases()  # first: it takes the scans' turn before any case read
        history = store.case_history(since=now - window - _HISTORY_MARGIN)
        detected_at = _wall_clock(now, zone)
        context = ColumnarDetectionContext(
            tables,
            result,
            detected_at=detected_at,
            ladder=policy.detectors.severity_by_value,
            history=_in_wall_clock(history, zone),
            allocation=policy.allocation.to_domain(),
            approved_prices=store.approved_prices(),
        )
        live = {case.key for case in heads if case.is_active}
        # the others' caches dropped before the recurring detector, their memory given
        # back to the system: it runs at a crisis day's peak
        findings = run_columnar_detectors(
            context, policy.detectors, live=live, before_recurring=release_free_memory
        )
        # the picture and its analysis are read: let go before the cases are built (half
        # a million on a crisis day); a child wording the orders has its own copy
        del context, history, tables, result
        release_free_memory()
        scores = impact_scores(
            findings, promised, as_of=counted.as_of, ladder=policy.detectors.severity_by_value
        )
        del promised
        ladder = policy.escalation.to_domain()
        raised = raised_by_impact(findings, scores, ladder)
        del findings
        records = routed_records(raised, policy, detected_at=detected_at, zone=zone)
        del raised  # a crisis day's half a million findings live on as their records only
        release_free_memory()
        settled = settled_keys(heads, records, scores, now=now)
        cases = store.load_live_cases([case.id for case in heads if case.key not in settled])
        moving = [record for record in records if (record.type, record.subject) not in settled]
        reconciled = reconcile(cases, moving, now=now, policy=policy, scores=scores)
        outcome = with_impact_scores(reconciled, scores)
        # what routing read is all the records still tell: let them go before the save
        exceptions, facts = len(records), routing_facts(records)
        del reconciled, scores, moving, cases, records
        store.save_cases(outcome.changed)
        store.record_routing_facts([c for c in outcome.changed if c.is_active], facts)
        del facts
        # the outbox: written in the scan's transaction, so a scan rolled back tells nobody
        store.queue_notifications(outcome.changed)
        if aside is not None:
            # the cases are kept: now the orders, worded meanwhile (or again, here, from
            # the picture, should the child have failed)
            worded = aside.columns()
            aside.close()
            if worded is None:
                worded = order_risk_columns(*_analysed_again(store, as_of, policy))
            recorded = _record_orders(store, worded, now, digest)
            del worded
    assert recorded is not None  # recorded before the cases, or after them
    return _result(
        recorded,
        orders=counted,
        scanned_at=now,
        exceptions=exceptions,
        active_cases=len(settled) + sum(1 for case in outcome.cases if case.is_active),
        events=outcome.events,
    )


def _record_orders(
    store: PictureStore, orders: OrderRiskColumns, now: datetime, digest: str
) -> RecordedScan:
    """Record the orders' risk; their texts (a quarter of a gigabyte at a million lines)
    are let go once recorded."""
    recorded = store.record_order_risk(orders, scanned_at=now, policy_digest=digest)
    del orders
    release_free_memory()
    return recorded


def _analysed_again(
    store: PictureStore, as_of: date, policy: Policy
) -> tuple[ColumnarAnalysis, DatasetTables]:
    """The picture read and analysed again: the orders' texts are then worded from it
    in this process (their child failed, or was killed for want of memory)."""
    tables = store.load_tables()
    return analyse_tables(tables, as_of, policy), tables


#: what a case is called by: its type and subject
CaseKey = tuple[ExceptionType, str]

#: the subject prefix of a case on one order
_ORDER_SUBJECT = "sales_order:"


def settled_keys(
    heads: Sequence[LiveCase],
    records: Sequence[ExceptionRecord],
    scores: Mapping[CaseKey, int],
    *,
    now: datetime,
) -> set[CaseKey]:
    """The (type, subject) of the live cases this run leaves exactly as they are: each
    re-detected with the facts it holds (``domain.cases.left_as_is``) and the impact
    score it has. They are neither read whole nor reconciled nor written.

    Raises ``ValueError`` for two findings of one (type, subject), as reconciling
    would for those it is given.
    """
    found: dict[CaseKey, ExceptionRecord] = {}
    for record in records:
        key = (record.type, record.subject)
        if key in found:
            raise ValueError(f"two findings for {record.type} on {record.subject}")
        found[key] = record
    return {
        case.key
        for case in heads
        if scores.get(case.key) == case.impact_score
        and left_as_is(case, found.get(case.key), now=now)
    }


def impact_scores(
    findings: Sequence[Finding],
    promised: Mapping[str, date],
    *,
    as_of: date,
    ladder: ValueLadder,
) -> dict[CaseKey, int]:
    """Each finding's impact score (``domain.escalation.impact_score``), by its case key.

    The days left before the promise (``promised``: each open order's promised date,
    counted from ``as_of``) count for a finding on an order (its subject is the order);
    the orders sharing its cause are the ``order_at_risk`` findings naming
    the same cause (an order at risk that is its own cause counts itself).
    """
    sharing = Counter(f.cause for f in findings if f.type is ExceptionType.ORDER_AT_RISK)
    scores: dict[CaseKey, int] = {}
    for finding in findings:
        days_left = None
        if finding.subject.startswith(_ORDER_SUBJECT):
            promise = promised.get(finding.subject.removeprefix(_ORDER_SUBJECT))
            days_left = None if promise is None else (promise - as_of).days
        facts = ImpactFacts(
            value_at_risk=finding.value_at_risk,
            customer_tier=finding.customer_tier,
            days_to_promise=days_left,
            orders_sharing_cause=sharing.get(finding.cause, 0),
        )
        scores[(finding.type, finding.subject)] = impact_score(facts, ladder).total
    return scores


def raised_by_impact(
    findings: Sequence[Finding], scores: Mapping[CaseKey, int], ladder: EscalationLadder
) -> list[Finding]:
    """``findings`` with an urgent score's severity one step up, before routing, so its
    response target (and any rule on severity) follows the stored severity.

    Only the stored scan does this: ``scan --json`` states the detectors' severities.
    """
    raised: list[Finding] = []
    for finding in findings:
        severity = ladder.severity_for(finding.severity, scores[(finding.type, finding.subject)])
        raised.append(
            finding if severity is finding.severity else replace(finding, severity=severity)
        )
    return raised


@dataclass(frozen=True, slots=True)
class _OrderCounts:
    """What the result says of the recorded orders, kept once their columns are let go."""

    as_of: date
    orders: int
    at_risk: int


def _zone_of(now: datetime) -> tzinfo:
    zone = now.tzinfo
    if zone is None or now.utcoffset() is None:
        raise ValueError(
            f"the scan time {now.isoformat()} has no time zone; pass an aware time "
            "such as datetime.now(UTC) or datetime.now().astimezone()"
        )
    return zone


def _in_wall_clock(history: Sequence[CaseOccurrence], zone: tzinfo) -> list[CaseOccurrence]:
    """The occurrences with their opening as wall time in ``zone``, as detection reads
    them (built directly: ``dataclasses.replace`` costs seconds on a crisis day).

    Each distinct moment is converted once: the cases a scan opens share its moment,
    so a history of a hundred thousand openings holds a handful of them.
    """
    walls: dict[datetime, datetime] = {}

    def wall(moment: datetime) -> datetime:
        found = walls.get(moment)
        if found is None:
            found = walls[moment] = _wall_clock(moment, zone)
        return found

    return [
        CaseOccurrence(
            type=o.type,
            subject=o.subject,
            cause=o.cause,
            entities=o.entities,
            opened_at=wall(o.opened_at),
            value_at_risk=o.value_at_risk,
        )
        for o in history
    ]


def _wall_clock(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` as the zone-less wall time in ``zone``, the frame of the dataset."""
    return moment.astimezone(zone).replace(tzinfo=None)


def _result(
    recorded: RecordedScan,
    *,
    orders: _OrderCounts,
    scanned_at: datetime,
    exceptions: int,
    active_cases: int,
    events: Sequence[TimelineEntry],
) -> StoredScanResult:
    def count(kind: EventKind) -> int:
        return sum(1 for entry in events if entry.event.kind is kind)

    # the few cases updated, less those this run also started (never a set of every
    # case opened: half a million on a crisis day)
    updating = {entry.case_id for entry in events if entry.event.kind in _UPDATE_KINDS}
    started = {
        entry.case_id
        for entry in events
        if entry.event.kind in _START_KINDS and entry.case_id in updating
    }
    updated = updating - started
    return StoredScanResult(
        scan_run_id=recorded.scan_run_id,
        as_of=orders.as_of,
        scanned_at=scanned_at,
        orders=orders.orders,
        at_risk=orders.at_risk,
        status_changes=recorded.new_orders + recorded.changed_orders,
        exceptions=exceptions,
        opened=count(EventKind.OPENED),
        updated=len(updated),
        resolved=count(EventKind.RESOLVED_AUTOMATICALLY),
        reopened=count(EventKind.REOPENED),
        closed=count(EventKind.CLOSED),
        active_cases=active_cases,
        events=tuple(events),
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

"""The stored scan's port (:class:`controltower.workflow.stored_scan.PictureStore`) on SQL.

One :class:`SqlPictureStore` serves one stored scan: a session (the unit of work, which
the caller commits) and the picture being scanned. It only delegates to the repository
functions of :mod:`controltower.storage.repository` and :mod:`controltower.storage.cases`.

A scan under a policy other than the one the previous scan of its companies ran under
is a change of the rules in force, so it is an audit entry (``policy.change``, by the
system, the two policy digests before and after) in the scan's own transaction. The
policy in force is read before the scan run is recorded and the entry is appended when
the cases are saved: after the cases' turn is taken, as appends to the audit trail must
come last (:mod:`controltower.storage.audit`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.audit import SYSTEM, AuditRecord
from controltower.domain.cases import CaseOccurrence, ExceptionCase, ExceptionType, LiveCase
from controltower.domain.tables import DatasetTables
from controltower.storage import tables
from controltower.storage.actions import approved_prices
from controltower.storage.audit import append_audit
from controltower.storage.case_facts import record_routing_facts
from controltower.storage.cases import (
    case_history,
    live_cases,
    load_cases_to_reconcile,
    save_cases,
    serialise_case_reconciliation,
)
from controltower.storage.notifications import queue_for_cases
from controltower.storage.order_risk import (
    picture_fingerprint,
    record_order_risk,
    record_unchanged_orders,
)
from controltower.storage.picture_columns import load_picture_tables_and_digest
from controltower.storage.repository import (
    PictureNotFoundError,
    ScanRunSummary,
    last_scan_as_of,
    picture_company_codes,
    picture_id_for_company,
    resolve_picture_id,
    take_picture_turn,
)
from controltower.workflow.exceptions import RoutingFacts
from controltower.workflow.order_risk import OrderRiskColumns


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """A scan run under another policy than the previous scan of its companies."""

    old_digest: str
    new_digest: str
    scan_run_id: int
    scanned_at: datetime
    companies: tuple[str, ...]


class SqlPictureStore:
    """A picture, its scan results and its companies' cases, in a SQLAlchemy session."""

    def __init__(self, session: Session, picture_id: int, *, set_keys_aside: bool = False) -> None:
        self.session = session
        self.picture_id = picture_id
        #: whether a large write of order risk or cases may set the tables' keys aside
        #: (:func:`~controltower.storage.load_keys.keys_set_aside`): a command run by
        #: hand asks; the worker and the web app do not, since on PostgreSQL readers of
        #: those tables would wait for the scan's commit
        self.set_keys_aside = set_keys_aside
        #: per case id, the stored events its loaded timeline starts after
        self._left_out: dict[str, int] = {}
        #: the ids of the stored cases this scan loaded (None: none loaded, any may be
        #: stored); the other cases it saves are new
        self._stored_ids: set[str] | None = None
        #: the company each case saved by this scan is stored under, by case id
        self._scopes: Mapping[str, str] = {}
        #: the change of policy this scan brings, recorded when the cases are saved (at
        #: once, should the orders be recorded after them)
        self._policy_change: PolicyChange | None = None
        self._cases_saved = False
        #: the fingerprint of the picture :meth:`load_tables` read
        #: (:func:`~controltower.storage.order_risk.picture_fingerprint`); None before it
        #: reads, or when it read the picture's rows: the orders are then recorded in full
        self._picture_digest: str | None = None

    @classmethod
    def for_company(cls, session: Session, company: str | None = None) -> SqlPictureStore:
        """The store of ``company``'s picture; with no company, of the only stored picture.

        Raises :class:`~controltower.storage.repository.PictureNotFoundError` or
        :class:`~controltower.storage.repository.AmbiguousPictureError` with a message
        naming what is stored. The scan's turn (:meth:`load_tables`) is taken first, so
        an import at work is waited for and its new picture is the one chosen.
        """
        take_picture_turn(session)
        if company is not None:
            return cls(session, picture_id_for_company(session, company))
        return cls(session, resolve_picture_id(session))

    def load_tables(self) -> DatasetTables:
        """The picture as columns, read once this transaction holds the scan's turn.

        Holding the turn (:func:`~controltower.storage.repository.take_picture_turn`)
        until the scan commits keeps an import from replacing the picture while it is
        analysed and recorded; a picture an import replaced before the turn came is
        refused with a message instead of a failure on recording. The fingerprint of
        what it read is kept for recording the scan run (the turn keeps the picture as
        it is until the scan commits).
        """
        take_picture_turn(self.session)
        try:
            tables, snapshot = load_picture_tables_and_digest(self.session, self.picture_id)
        except PictureNotFoundError as exc:
            raise PictureNotFoundError(
                f"picture {self.picture_id} is no longer stored: an import replaced it "
                "before the scan began; nothing was recorded, run the scan again"
            ) from exc
        self._picture_digest = picture_fingerprint(snapshot)
        return tables

    def last_scan_as_of(self) -> date | None:
        """The as-of date of the latest stored scan of this picture's companies (see
        :func:`~controltower.storage.repository.last_scan_as_of`)."""
        companies = picture_company_codes(self.session.connection(), self.picture_id)
        return last_scan_as_of(self.session, companies)

    def record_unchanged_orders(
        self, *, as_of: date, counts: tuple[int, int], scanned_at: datetime, policy_digest: str
    ) -> ScanRunSummary | None:
        digest = self._picture_digest
        if digest is None:
            return None
        return record_unchanged_orders(
            self.session,
            self.picture_id,
            picture_digest=digest,
            as_of=as_of,
            counts=counts,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
        )

    def record_order_risk(
        self, orders: OrderRiskColumns, *, scanned_at: datetime, policy_digest: str
    ) -> ScanRunSummary:
        companies = picture_company_codes(self.session.connection(), self.picture_id)
        previous = previous_policy_digest(self.session, companies)
        recorded = record_order_risk(
            self.session,
            self.picture_id,
            orders,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
            picture_digest=self._picture_digest,
            set_keys_aside=self.set_keys_aside,
        )
        if previous is not None and previous != policy_digest:
            self._policy_change = PolicyChange(
                previous, policy_digest, recorded.scan_run_id, scanned_at, tuple(companies)
            )
            if self._cases_saved:
                self._audit_policy_change()
        return recorded

    def live_cases(self) -> list[LiveCase]:
        """The cases that are not closed, as facts, once this transaction holds the
        scans' turn.

        Taking the turn here, before reading, is what keeps two scans running at once
        from both opening a case for the same new condition (see
        :func:`~controltower.storage.cases.serialise_case_reconciliation`).
        """
        serialise_case_reconciliation(self.session)
        return live_cases(self.session, self.picture_id)

    def load_live_cases(self, ids: Collection[str]) -> list[ExceptionCase]:
        """The cases ``ids``, each with the part of its timeline reconciling reads
        (:func:`~controltower.storage.cases.load_cases_to_reconcile`); what was left
        out is remembered for :meth:`save_cases`."""
        cases, self._left_out = load_cases_to_reconcile(self.session, self.picture_id, ids)
        self._stored_ids = {case.id for case in cases}
        return cases

    def case_history(self, *, since: datetime) -> list[CaseOccurrence]:
        return case_history(self.session, self.picture_id, since=since)

    def save_cases(self, cases: Sequence[ExceptionCase]) -> None:
        self._scopes = save_cases(
            self.session,
            self.picture_id,
            cases,
            left_out=self._left_out,
            stored_ids=self._stored_ids,
            set_keys_aside=self.set_keys_aside,
        ).scopes
        self._cases_saved = True
        self._audit_policy_change()

    def _audit_policy_change(self) -> None:
        """The audit entry of the policy change this scan brings, written once the cases
        are saved, whether the scan records its orders before them or after."""
        if self._policy_change is not None:
            audit_policy_change(self.session, self._policy_change)
            self._policy_change = None

    def queue_notifications(self, cases: Sequence[ExceptionCase]) -> int:
        return queue_for_cases(self.session, cases, self._scopes)

    def approved_prices(self) -> dict[tuple[str, int], frozenset[Decimal]]:
        companies = picture_company_codes(self.session.connection(), self.picture_id)
        return approved_prices(self.session, companies)

    def record_routing_facts(
        self,
        cases: Sequence[ExceptionCase],
        facts: Mapping[tuple[ExceptionType, str], RoutingFacts],
    ) -> None:
        if not cases:
            return
        companies = picture_company_codes(self.session.connection(), self.picture_id)
        record_routing_facts(
            self.session,
            companies,
            cases,
            facts,
            stored_ids=self._stored_ids,
            scopes=self._scopes,
        )


def previous_policy_digest(session: Session, companies: Sequence[str]) -> str | None:
    """The policy digest of the latest recorded scan of a picture covering any of
    ``companies`` (None: none was ever scanned)."""
    runs = tables.scan_runs
    wanted = set(companies)
    latest = [
        newest
        for joined, newest in session.connection().execute(
            sa.select(runs.c.companies, sa.func.max(runs.c.id)).group_by(runs.c.companies)
        )
        if wanted & set(joined.split(","))
    ]
    if not latest:
        return None
    query = sa.select(runs.c.policy_digest).where(runs.c.id == max(latest))
    return str(session.connection().execute(query).scalar_one())


def audit_policy_change(session: Session, change: PolicyChange) -> None:
    """The audit entry of a new policy coming into force with a scan (by the system)."""
    companies = change.companies
    append_audit(
        session,
        AuditRecord.by(
            SYSTEM,
            at=change.scanned_at,
            action="policy.change",
            subject_type="policy",
            subject_id=change.new_digest,
            scope_company=companies[0] if len(companies) == 1 else None,
            old=change.old_digest,
            new=change.new_digest,
            reason=f"scan run {change.scan_run_id} of {', '.join(companies)} ran under it",
        ),
    )

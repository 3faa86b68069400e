"""The stored scan's port (:class:`controltower.workflow.stored_scan.PictureStore`) on SQL.

One :class:`SqlPictureStore` serves one stored scan: a session (the unit of work, which
the caller commits) and the picture being scanned. It only delegates to the repository
functions of :mod:`controltower.storage.repository` and :mod:`controltower.storage.cases`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from controltower.domain.cases import CaseOccurrence, ExceptionCase
from controltower.domain.tables import DatasetTables
from controltower.storage.cases import (
    case_history,
    load_cases_to_reconcile,
    save_cases,
    serialise_case_reconciliation,
)
from controltower.storage.notifications import queue_for_cases
from controltower.storage.order_risk import record_order_risk
from controltower.storage.picture_columns import load_picture_tables
from controltower.storage.repository import (
    PictureNotFoundError,
    ScanRunSummary,
    last_scan_as_of,
    picture_company_codes,
    picture_id_for_company,
    resolve_picture_id,
    take_picture_turn,
)
from controltower.workflow.order_risk import OrderRiskColumns


class SqlPictureStore:
    """A picture, its scan results and its companies' cases, in a SQLAlchemy session."""

    def __init__(self, session: Session, picture_id: int) -> None:
        self.session = session
        self.picture_id = picture_id
        #: per case id, the stored events its loaded timeline starts after
        self._left_out: dict[str, int] = {}

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
        refused with a message instead of a failure on recording.
        """
        take_picture_turn(self.session)
        try:
            return load_picture_tables(self.session, self.picture_id)
        except PictureNotFoundError as exc:
            raise PictureNotFoundError(
                f"picture {self.picture_id} is no longer stored: an import replaced it "
                "before the scan began; nothing was recorded, run the scan again"
            ) from exc

    def last_scan_as_of(self) -> date | None:
        """The as-of date of the latest stored scan of this picture's companies (see
        :func:`~controltower.storage.repository.last_scan_as_of`)."""
        companies = picture_company_codes(self.session.connection(), self.picture_id)
        return last_scan_as_of(self.session, companies)

    def record_order_risk(
        self, orders: OrderRiskColumns, *, scanned_at: datetime, policy_digest: str
    ) -> ScanRunSummary:
        return record_order_risk(
            self.session,
            self.picture_id,
            orders,
            scanned_at=scanned_at,
            policy_digest=policy_digest,
        )

    def load_live_cases(self) -> list[ExceptionCase]:
        """The cases that are not closed, once this transaction holds the scans' turn.

        Taking the turn here, before reading, is what keeps two scans running at once
        from both opening a case for the same new condition (see
        :func:`~controltower.storage.cases.serialise_case_reconciliation`). Each comes
        with the part of its timeline reconciling reads
        (:func:`~controltower.storage.cases.load_cases_to_reconcile`); what was left out
        is remembered for :meth:`save_cases`.
        """
        serialise_case_reconciliation(self.session)
        cases, self._left_out = load_cases_to_reconcile(self.session, self.picture_id)
        return cases

    def case_history(self, *, since: datetime) -> list[CaseOccurrence]:
        return case_history(self.session, self.picture_id, since=since)

    def save_cases(self, cases: Sequence[ExceptionCase]) -> None:
        save_cases(self.session, self.picture_id, cases, left_out=self._left_out)

    def queue_notifications(self, cases: Sequence[ExceptionCase]) -> int:
        return queue_for_cases(self.session, cases)

"""Does the ERP agree? Checking executed actions against the next import or sync.

An executed action changes the stored picture at once and is marked awaiting
confirmation from the ERP. The picture it changed is the tower's own; the ERP's stand
arrives with the next ``import`` or ``sync odoo``, which stores a new picture. In that
transaction, :func:`confirm_executed_actions` looks at every executed action of the new
picture's companies still awaiting confirmation and asks the new picture whether it
shows what the action wrote (:func:`~controltower.domain.picture_edits.edits_not_shown`):

* it shows every new value: the action is ``confirmed``;
* it shows something else: the action is ``diverged``, flagged for people to look at.
  The ERP is the record, so the new picture stands as imported; the audit entry says
  which values the ERP shows instead.

Each verdict is an audit entry by the system (``action.erp_confirmed`` or
``action.erp_diverged``) in the import's transaction: an import rolled back confirms
nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.actions import ActionState, ErpState
from controltower.domain.audit import SYSTEM, AuditRecord
from controltower.domain.picture_edits import edits_from_json, edits_not_shown
from controltower.domain.tables import DatasetTables
from controltower.storage import tables
from controltower.storage.audit import append_audit
from controltower.storage.picture_columns import load_picture_tables
from controltower.storage.picture_edits import edit_values, values_shown
from controltower.storage.repository import picture_company_codes


@dataclass(frozen=True, slots=True)
class ConfirmationSummary:
    """What the check found: the ids of the actions confirmed and diverged."""

    confirmed: tuple[int, ...] = ()
    diverged: tuple[int, ...] = ()

    def summary_line(self) -> str:
        return (
            f"ERP confirmation: {len(self.confirmed)} action(s) confirmed, "
            f"{len(self.diverged)} diverged"
        )


def confirm_executed_actions(
    session: Session,
    picture_id: int,
    *,
    now: datetime,
    picture: DatasetTables | None = None,
) -> ConfirmationSummary:
    """Check the executed actions of picture ``picture_id``'s companies that await the ERP
    against that (just stored) picture; ``picture`` is its columns when the caller holds
    them (else they are read, only when some action awaits). Nothing is committed."""
    connection = session.connection()
    companies = picture_company_codes(connection, picture_id)
    requests = tables.action_requests
    rows = connection.execute(
        sa.select(requests.c.id, requests.c.scope_company, requests.c.edits)
        .where(
            requests.c.scope_company.in_(companies),
            requests.c.state == ActionState.EXECUTED.value,
            requests.c.erp_state == ErpState.AWAITING_CONFIRMATION.value,
        )
        .order_by(requests.c.id)
        .with_for_update()
    ).all()
    if not rows:
        return ConfirmationSummary()
    shown = picture if picture is not None else load_picture_tables(session, picture_id)
    confirmed: list[int] = []
    diverged: list[int] = []
    for row in rows:
        edits = edits_from_json(json.loads(row.edits))
        missing = edits_not_shown(shown, edits)
        verdict = ErpState.DIVERGED if missing else ErpState.CONFIRMED
        (diverged if missing else confirmed).append(int(row.id))
        connection.execute(
            sa.update(requests)
            .where(requests.c.id == row.id)
            .values(erp_state=verdict.value, erp_checked_at=now)
        )
        _, wrote = edit_values(missing or edits)
        append_audit(
            session,
            AuditRecord.by(
                SYSTEM,
                at=now,
                action=f"action.erp_{verdict.value}",
                subject_type="action",
                subject_id=str(row.id),
                scope_company=row.scope_company,
                old={"erp_state": ErpState.AWAITING_CONFIRMATION.value, "wrote": wrote},
                new={
                    "erp_state": verdict.value,
                    "erp_shows": values_shown(shown, missing or edits),
                },
                reason=_reason(len(missing), len(edits)),
            ),
        )
    return ConfirmationSummary(confirmed=tuple(confirmed), diverged=tuple(diverged))


def _reason(missing: int, edits: int) -> str:
    if not missing:
        return "the ERP shows every value the action wrote"
    return f"the ERP shows other values for {missing} of the {edits} changes the action wrote"

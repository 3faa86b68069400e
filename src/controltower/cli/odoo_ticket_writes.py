"""A write-back's helpdesk ticket writes: create, rewrite and close, each looked for first.

Part of ``cli/odoo_writeback.py``'s run: the plan (``connectors.odoo.writeback``) says
which ticket to create, rewrite or close; this module makes that write in Odoo and
hands the follow-up to record to the run's ``record`` (the write log and the ticket's
row of ``odoo_followups``, committed at once). Like every write of the run, each one
first looks in Odoo for what it would do, so a run interrupted between Odoo's answer
and the local record does it at most once:

* a new ticket is looked for by the title's marker among the tickets not yet closed,
  and adopted (brought up to date) if found;
* a rewrite reads the ticket first and writes only when the title or description
  differ; a ticket removed (or archived) in Odoo is replaced by a new one, as a removed
  activity is;
* a close reads the ticket's ``closed`` (``stage_id.closed`` in ``helpdesk_mgmt``) and
  moves it only if it is still open; with no closed stage, the chatter note saying the
  cases resolved is looked for by its marker before it is posted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from controltower.connectors.odoo.errors import OdooError
from controltower.connectors.odoo.writeback import (
    DONE,
    OPEN,
    TICKET_ROW,
    CloseTicket,
    CreateTicket,
    UpdateTicket,
    Write,
)
from controltower.storage.odoo_followups import StoredFollowup

if TYPE_CHECKING:
    from controltower.connectors.odoo.client import OdooClient

TICKET: Final = "helpdesk.ticket"

#: records one write locally: (write, action, detail, the ticket's follow-up row)
Record = Callable[[Write, str, Mapping[str, Any], StoredFollowup], None]


class TicketWriter:
    """Makes the ticket writes of one run against one Odoo database."""

    def __init__(self, client: OdooClient, record: Record) -> None:
        self.client = client
        self.record = record

    def make(self, write: CreateTicket | UpdateTicket | CloseTicket) -> str:
        """Make one ticket write in Odoo, record it, and say what was done."""
        if isinstance(write, CloseTicket):
            return self._close(write)
        if isinstance(write, UpdateTicket):
            return self._update(write)
        return self._create(write)

    def _create(self, write: CreateTicket | UpdateTicket) -> str:
        """A new ticket, or the open one bearing the marker adopted and brought up to date."""
        target = write.target
        values: dict[str, object] = {"name": write.name, "description": write.description}
        found = self._open_ticket(write.marker)
        if found is not None:
            ticket_id = int(found["id"])
            self._bring_up_to_date(ticket_id, found, values)
            action, said = "adopt_ticket", f" -> ticket {ticket_id}, already in Odoo"
        else:
            values |= {"user_id": write.user.id, "priority": write.priority}
            if target.partner_id is not None:
                values["partner_id"] = target.partner_id
            ticket_id = created_id(self.client.execute_kw(TICKET, "create", [[values]]))
            action, said = "create_ticket", f" -> ticket {ticket_id}"
        if isinstance(write, UpdateTicket):
            said = f" -> ticket {ticket_id} (ticket {write.ticket_id} was gone)"
        detail = {"ticket_id": ticket_id, "user": write.user.login, "cases": list(write.cases)}
        self.record(write, action, detail, _row(write, ticket_id, OPEN))
        return write.describe() + said

    def _update(self, write: UpdateTicket) -> str:
        rows = self._ticket(write.ticket_id, ["name", "description"])
        if not rows:
            return self._create(write)
        values: dict[str, object] = {"name": write.name, "description": write.description}
        written = self._bring_up_to_date(write.ticket_id, rows[0], values)
        action = "update_ticket" if written else "adopt_ticket_update"
        said = "" if written else " -> already up to date in Odoo"
        detail = {"ticket_id": write.ticket_id, "cases": list(write.cases)}
        self.record(write, action, detail, _row(write, write.ticket_id, OPEN))
        return write.describe() + said

    def _close(self, write: CloseTicket) -> str:
        rows = self._ticket(write.ticket_id, ["closed"])
        detail: dict[str, Any] = {"ticket_id": write.ticket_id, "cases": list(write.cases)}
        if not rows:
            action, said = "close_ticket", " -> already removed in Odoo"
        elif rows[0].get("closed"):
            action, said = "adopt_ticket_close", " -> already closed in Odoo"
        elif write.stage is not None:
            self.client.execute_kw(
                TICKET, "write", [[write.ticket_id], {"stage_id": write.stage.id}]
            )
            action, said = "close_ticket", ""
            detail |= {"stage_id": write.stage.id, "stage": write.stage.name}
        else:
            message_id, adopted = self._note(write)
            action = "adopt_message" if adopted else "post_message"
            said = f" -> message {message_id}" + (", already in Odoo" if adopted else "")
            detail |= {"message_id": message_id, "event": "resolved"}
        self.record(write, action, detail, _row(write, write.ticket_id, DONE))
        return write.describe() + said

    # --- helpers --------------------------------------------------------------------

    def _open_ticket(self, marker: str) -> dict[str, Any] | None:
        """The newest ticket not closed whose title is ``marker`` or starts with it."""
        rows = self.client.search_read(
            TICKET, [("name", "ilike", marker)], ["name", "description", "closed"]
        )
        found = [
            row
            for row in rows
            if not row.get("closed")
            and (
                str(row.get("name") or "") == marker
                or str(row.get("name") or "").startswith(marker + " ")
            )
        ]
        return max(found, key=lambda row: int(row["id"])) if found else None

    def _ticket(self, ticket_id: int, fields: list[str]) -> list[dict[str, Any]]:
        """The ticket with ``fields``, or nothing if it was removed or archived."""
        return self.client.search_read(TICKET, [("id", "=", ticket_id)], fields)

    def _bring_up_to_date(
        self, ticket_id: int, row: Mapping[str, Any], values: Mapping[str, object]
    ) -> bool:
        """Write ``values`` on the ticket unless it already holds them; True if written."""
        if all(row.get(name) == value for name, value in values.items()):
            return False
        self.client.execute_kw(TICKET, "write", [[ticket_id], dict(values)])
        return True

    def _note(self, write: CloseTicket) -> tuple[int, bool]:
        """The note on the ticket saying its cases resolved: found by its marker, or posted."""
        found = self.client.search_ids(
            "mail.message",
            [
                ("model", "=", TICKET),
                ("res_id", "=", write.ticket_id),
                ("body", "ilike", write.note_marker),
            ],
        )
        if found:
            return found[0], True
        message_id = self.client.execute_kw(
            TICKET,
            "message_post",
            [[write.ticket_id]],
            {"body": write.note, "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
        )
        return int(message_id), False


def _row(
    write: CreateTicket | UpdateTicket | CloseTicket, ticket_id: int, status: str
) -> StoredFollowup:
    """The ticket's follow-up row after ``write``: open with what it says, or done."""
    target = write.target
    digest, cases = ("", ()) if isinstance(write, CloseTicket) else (write.digest, write.cases)
    return StoredFollowup(
        target.res_model,
        target.res_id,
        TICKET_ROW,
        write.marker,
        None,
        ticket_id,
        digest,
        cases,
        status,
    )


def created_id(created: object) -> int:
    """The id ``create`` answered: a list of one id (17+), or an id (older servers)."""
    if isinstance(created, list) and len(created) == 1:
        created = created[0]
    if isinstance(created, int) and not isinstance(created, bool):
        return created
    raise OdooError(f"Odoo answered create with {created!r} instead of the new record's id.")

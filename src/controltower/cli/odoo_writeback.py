"""One write-back to Odoo: plan the follow-ups of the open cases, then make the writes.

The plan is the connector's (``connectors.odoo.writeback``: pure); storage holds the
cases, the follow-ups written before and the write log; this module joins them, which
is why it sits with the commands (the only layer that may use both).

Every write is made in Odoo first and recorded locally right after, in its own
transaction (the write log and the follow-up it changed), so an interrupted run keeps
the record of every write but at most the last one. That one is found again next time:
before creating anything the run looks in Odoo for what it would create (an activity
by record, user and summary; a ticket by its title; a chatter message by its text) and
adopts what it finds; a rewrite or a close reads the record first. Running twice
therefore never writes twice. The helpdesk ticket writes are ``cli/odoo_ticket_writes.py``'s.

Governed actions executed in Control Tower reach Odoo the same way: after the
follow-ups, the run sends the ERP outbox rows of the companies synced from this Odoo
database (``cli/odoo_erp_writes.py``), each recorded in the write log once made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from controltower.cli.odoo_erp_writes import ErpSender
from controltower.cli.odoo_sync import source_of
from controltower.cli.odoo_ticket_writes import TICKET, TicketWriter, created_id
from controltower.connectors.odoo.client import OdooClient, OdooConnection
from controltower.connectors.odoo.errors import OdooError
from controltower.connectors.odoo.settings import OdooSettings
from controltower.connectors.odoo.writeback import (
    DONE,
    FOLLOWED_TYPES,
    OPEN,
    CaseForOdoo,
    CreateActivity,
    KnownFollowup,
    MarkDone,
    OdooDirectory,
    PostMessage,
    TicketStage,
    UpdateActivity,
    UserRules,
    Write,
    plan_writeback,
)
from controltower.storage.database import make_engine, make_session_factory, migrate
from controltower.storage.odoo_followups import (
    StoredFollowup,
    active_cases,
    cases_by_key,
    load_followups,
    people_emails,
    record_write,
    save_followup,
)
from controltower.storage.odoo_mirror import load_mirror

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

ACTIVITY = "mail.activity"
STAGE = "helpdesk.ticket.stage"


class NotSyncedError(OdooError):
    """The Odoo database was never synced into this Control Tower database."""


@dataclass
class WritebackSummary:
    """What a write-back planned (a dry run) or did (``applied``), one line per write."""

    source: str
    applied: bool
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def writeback_odoo(
    connection: OdooConnection,
    settings: OdooSettings,
    database_url: str,
    *,
    apply: bool,
    by: str,
    report: Callable[[str], None] | None = None,
    after_write: Callable[[Write], None] | None = None,
) -> WritebackSummary:
    """Plan the write-back to one Odoo database and, with ``apply``, make it.

    ``report`` hears each write's line as it is made; ``after_write`` is called after
    each write reached Odoo and before it is recorded locally (where a crash would lose
    the local record). Raises :class:`OdooError` on Odoo's failures; what was written
    before stays recorded.
    """
    source = source_of(connection)
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            mirror = load_mirror(session, source)
            if mirror is None:
                raise NotSyncedError(
                    f"{source.removeprefix('odoo:')} was never synced into this database: "
                    "run controltower sync odoo first."
                )
            cases = [_case(c) for c in active_cases(session, source, FOLLOWED_TYPES)]
            known = [_known(f) for f in load_followups(session, source)]
            followed = {key for f in known if f.status == OPEN for key in f.cases}
            finished = {
                key: _case(c)
                for key, c in cases_by_key(session, followed - {c.key for c in cases}).items()
            }
            emails = people_emails(session)
        directory = OdooDirectory.from_mirror(mirror.records)
        rules = UserRules(settings.users, settings.fallback_user, emails)
        summary = WritebackSummary(source=source, applied=apply)
        with OdooClient.connect(connection) as client:
            helpdesk = client.search_count("ir.model", [("model", "=", TICKET)]) > 0
            stages = ticket_stages(client) if helpdesk else []
            plan = plan_writeback(
                cases, finished, directory, rules, known, helpdesk=helpdesk, ticket_stages=stages
            )
            summary.warnings.extend(plan.warnings)
            erp = ErpSender(client, sessions, source, by, directory)
            outbox = erp.pending()
            if not apply:
                summary.lines.extend(write.describe() for write in plan.writes)
                summary.lines.extend(erp.describe(entry) for entry in outbox)
                return summary
            writer = _Writer(client, sessions, source, by, known, after_write)
            lines = (writer.make(write) for write in plan.writes)
            sent = (erp.send(entry) for entry in outbox)
            for line in chain(lines, sent):  # each reported as it is made
                summary.lines.append(line)
                if report is not None:
                    report(line)
        return summary
    finally:
        engine.dispose()


def ticket_stages(client: OdooClient) -> list[TicketStage]:
    """The active ``helpdesk.ticket.stage`` rows: where a ticket can be closed."""
    rows = client.search_read(STAGE, [], ["id", "name", "sequence", "closed"])
    return [
        TicketStage(
            int(row["id"]),
            str(row.get("name") or ""),
            int(row.get("sequence") or 0),
            bool(row.get("closed")),
        )
        for row in rows
    ]


def _case(case: Any) -> CaseForOdoo:
    return CaseForOdoo(
        key=case.key,
        type=case.type,
        subject=case.subject,
        state=case.state,
        severity=case.severity,
        explanation=case.explanation,
        owner=case.owner,
        assignee=case.assignee,
        due_at=case.due_at,
        occurred_at=case.occurred_at,
        resolved_at=case.resolved_at,
    )


def _known(row: StoredFollowup) -> KnownFollowup:
    return KnownFollowup(
        res_model=row.res_model,
        res_id=row.res_id,
        odoo_user_id=row.odoo_user_id,
        marker=row.marker,
        activity_id=row.activity_id,
        ticket_id=row.ticket_id,
        digest=row.digest,
        cases=row.cases,
        status=row.status,
    )


FollowupKey = tuple[str, int, int]


class _Writer:
    """Makes the planned writes one at a time, each looked for first, each recorded."""

    def __init__(
        self,
        client: OdooClient,
        sessions: sessionmaker[Session],
        source: str,
        by: str,
        known: list[KnownFollowup],
        after_write: Callable[[Write], None] | None,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.source = source
        self.by = by
        self.after_write = after_write
        self.followups: dict[FollowupKey, StoredFollowup] = {
            (k.res_model, k.res_id, k.odoo_user_id): StoredFollowup(
                k.res_model,
                k.res_id,
                k.odoo_user_id,
                k.marker,
                k.activity_id,
                k.ticket_id,
                k.digest,
                k.cases,
                k.status,
            )
            for k in known
        }
        self.tickets = TicketWriter(client, self._record_ticket)
        self._model_ids: dict[str, int] = {}
        self._todo: int | None = None
        self._todo_looked_up = False

    def make(self, write: Write) -> str:
        """Make one write in Odoo, record it, and say what was done."""
        if isinstance(write, PostMessage):
            return self._message(write)
        if isinstance(write, CreateActivity | UpdateActivity):
            return self._activity(write)
        if isinstance(write, MarkDone):
            return self._done(write)
        return self.tickets.make(write)

    # --- the writes ---------------------------------------------------------------

    def _message(self, write: PostMessage) -> str:
        target = write.target
        found = self.client.search_ids(
            "mail.message",
            [
                ("model", "=", target.res_model),
                ("res_id", "=", target.res_id),
                ("body", "ilike", write.marker),
            ],
        )
        if found:
            self._record(
                write,
                "adopt_message",
                target.res_model,
                target.res_id,
                {"message_id": found[0], "case": write.case, "event": write.event},
            )
            return f"{write.describe()} -> message {found[0]}, already in Odoo"
        message_id = self.client.execute_kw(
            target.res_model,
            "message_post",
            [[target.res_id]],
            {"body": write.body, "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
        )
        detail = {"message_id": message_id, "case": write.case, "event": write.event}
        self._record(write, "post_message", target.res_model, target.res_id, detail)
        return f"{write.describe()} -> message {message_id}"

    def _activity(self, write: CreateActivity | UpdateActivity) -> str:
        target, user = write.target, write.user
        values: dict[str, object] = {"note": write.note, "date_deadline": write.deadline}
        if isinstance(write, UpdateActivity) and self._exists(ACTIVITY, write.activity_id):
            self.client.execute_kw(ACTIVITY, "write", [[write.activity_id], values])
            activity_id, action, said = write.activity_id, "update_activity", ""
        else:
            activity_id, adopted = self._find_or_create_activity(write, values)
            action = "adopt_activity" if adopted else "create_activity"
            said = f" -> activity {activity_id}, already in Odoo" if adopted else ""
            if isinstance(write, UpdateActivity):
                said = f" -> activity {activity_id} (activity {write.activity_id} was gone)"
            elif not adopted:
                said = f" -> activity {activity_id}"
        key = (target.res_model, target.res_id, user.id)
        before = self.followups.get(key)
        followup = StoredFollowup(
            target.res_model,
            target.res_id,
            user.id,
            write.marker,
            activity_id,
            before.ticket_id if before else None,
            write.digest,
            write.cases,
            OPEN,
        )
        detail = {
            "activity_id": activity_id,
            "user": user.login,
            "deadline": write.deadline.isoformat(),
            "cases": list(write.cases),
        }
        self._record(write, action, target.res_model, target.res_id, detail, followup)
        return write.describe() + said

    def _find_or_create_activity(
        self, write: CreateActivity | UpdateActivity, values: Mapping[str, object]
    ) -> tuple[int, bool]:
        """The activity bearing the write's marker, adopted (and brought up to date), or
        a new one."""
        target = write.target
        found = self.client.search_read(
            ACTIVITY,
            [
                ("res_model", "=", target.res_model),
                ("res_id", "=", target.res_id),
                ("user_id", "=", write.user.id),
                ("summary", "=", write.marker),
            ],
            ["id"],
            limit=1,
        )
        if found:
            activity_id = int(found[0]["id"])
            self.client.execute_kw(ACTIVITY, "write", [[activity_id], dict(values)])
            return activity_id, True
        created = self.client.execute_kw(
            ACTIVITY,
            "create",
            [
                [
                    {
                        "res_model_id": self._model_id(target.res_model),
                        "res_id": target.res_id,
                        "activity_type_id": self._todo_type() or False,
                        "summary": write.marker,
                        "user_id": write.user.id,
                        **values,
                    }
                ]
            ],
        )
        return created_id(created), False

    def _done(self, write: MarkDone) -> str:
        target = write.target
        said = ""
        if self._exists(ACTIVITY, write.activity_id):
            self.client.execute_kw(
                ACTIVITY, "action_feedback", [[write.activity_id]], {"feedback": write.feedback}
            )
        else:
            said = " -> already done or removed in Odoo"
        key = (target.res_model, target.res_id, write.odoo_user_id)
        before = self.followups.get(key)
        followup = replace(before, status=DONE, cases=()) if before is not None else None
        detail = {"activity_id": write.activity_id, "user": write.login}
        self._record(write, "mark_done", target.res_model, target.res_id, detail, followup)
        return write.describe() + said

    # --- helpers --------------------------------------------------------------------

    def _record(
        self,
        write: Write,
        action: str,
        res_model: str,
        res_id: int,
        detail: Mapping[str, Any],
        followup: StoredFollowup | None = None,
    ) -> None:
        """The local record of one write, committed; ``after_write`` runs just before."""
        if self.after_write is not None:
            self.after_write(write)
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            record_write(
                session,
                self.source,
                at=now,
                by=self.by,
                action=action,
                res_model=res_model,
                res_id=res_id,
                detail=detail,
            )
            if followup is not None:
                save_followup(session, self.source, followup, now=now)
        if followup is not None:
            self.followups[(followup.res_model, followup.res_id, followup.odoo_user_id)] = followup

    def _record_ticket(
        self, write: Write, action: str, detail: Mapping[str, Any], followup: StoredFollowup
    ) -> None:
        """The local record of a ticket write: logged on the record the ticket is about."""
        self._record(write, action, followup.res_model, followup.res_id, detail, followup)

    def _exists(self, model: str, record_id: int) -> bool:
        return bool(self.client.search_ids(model, [("id", "=", record_id)]))

    def _model_id(self, model: str) -> int:
        if model not in self._model_ids:
            rows = self.client.search_read("ir.model", [("model", "=", model)], ["id"], limit=1)
            if not rows:
                raise OdooError(f"Odoo has no model {model} (ir.model): cannot add an activity.")
            self._model_ids[model] = int(rows[0]["id"])
        return self._model_ids[model]

    def _todo_type(self) -> int | None:
        """The To-Do activity type: by its XML id, else by name, else none (Odoo's default)."""
        if not self._todo_looked_up:
            rows = self.client.search_read(
                "ir.model.data",
                [("module", "=", "mail"), ("name", "=", "mail_activity_data_todo")],
                ["res_id"],
                limit=1,
            )
            if not rows:
                rows = [
                    {"res_id": row["id"]}
                    for row in self.client.search_read(
                        "mail.activity.type", [("name", "=", "To-Do")], ["id"], limit=1
                    )
                ]
            self._todo = int(rows[0]["res_id"]) if rows else None
            self._todo_looked_up = True
        return self._todo


def run_writeback_for_worker(
    connection: OdooConnection, settings: OdooSettings, database_url: str
) -> str:
    """The worker's write-back step (``worker --writeback``): apply, logged as ``worker``.

    Returns the cycle's summary part; errors propagate (an :class:`OdooError` is a
    ``DomainError``, which the worker reports as a failed cycle).
    """
    summary = writeback_odoo(connection, settings, database_url, apply=True, by="worker")
    count = len(summary.lines)
    said = f"wrote back {count} {'write' if count == 1 else 'writes'} to Odoo"
    if summary.warnings:
        noun = "warning" if len(summary.warnings) == 1 else "warnings"
        said += f" ({len(summary.warnings)} {noun}: run writeback odoo to see them)"
    return said

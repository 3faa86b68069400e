"""What a write-back to Odoo should write: a plan made from plain data, no I/O.

Control Tower's cases are followed up where people already work: on the Odoo record a
case concerns (the sale order of an order at risk, the purchase order of a supplier
delay or an unconfirmed order, the customer of a credit hold) one ``mail.activity`` per
Odoo user stands for every open case of that record routed to that user. Its note lists
the cases, its deadline is the earliest due date. As cases change the activity is
rewritten, a case that opens or resolves leaves a note in the record's chatter, and once
no case of the follow-up is open the activity is marked done. A customer-impacting case
(order at risk, credit hold) also opens one helpdesk ticket per record when OCA's
``helpdesk_mgmt`` is installed, which follows its cases the same way: rewritten when they
change, moved to the first closed stage when they have all resolved (or, with no closed
stage, left where it is with a chatter note saying so).

This module only decides: :func:`plan_writeback` takes the open cases, the records and
users Odoo holds (from the synced mirror, see :class:`OdooDirectory`) and the follow-ups
written before, and returns the writes to make, in order. The command carries them out
and records each one. Every write carries a stable marker (``[Control Tower]
<model>:<id> ...``) so that a write whose local record was lost (a crash between Odoo's
answer and the local commit) is found in Odoo and adopted rather than made twice.

Governed actions (a case action a person approved being carried out in Odoo) are a
later step: nothing here executes one.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from controltower.connectors.odoo.mapping import commercial_partner, partner_codes
from controltower.connectors.odoo.values import many2one_id as _id
from controltower.connectors.odoo.values import text as _text

#: what every marker, summary and ticket title written to Odoo starts with
MARK: Final = "[Control Tower]"

SALE_ORDER: Final = "sale.order"
PURCHASE_ORDER: Final = "purchase.order"
PARTNER: Final = "res.partner"

#: the case types followed up in Odoo, with the record model their subject names
FOLLOWED_TYPES: Final[Mapping[str, str]] = {
    "order_at_risk": SALE_ORDER,
    "supplier_delay": PURCHASE_ORDER,
    "supplier_confirmation_overdue": PURCHASE_ORDER,
    "credit_hold": PARTNER,
}

#: the types that affect a customer, which also get a helpdesk ticket
CUSTOMER_IMPACTING: Final = frozenset({"order_at_risk", "credit_hold"})

#: subject prefixes naming each model's records (``sales_order:S00042``)
_SUBJECT_PREFIXES: Final[Mapping[str, tuple[str, ...]]] = {
    SALE_ORDER: ("sales_order:", "order:"),
    PURCHASE_ORDER: ("purchase_order:",),
    PARTNER: ("customer:",),
}

#: helpdesk_mgmt's priority ('0' low .. '3' very high) for a case severity
TICKET_PRIORITY: Final[Mapping[str, str]] = {
    "low": "0",
    "medium": "1",
    "high": "2",
    "critical": "3",
}

FEEDBACK: Final = "Control Tower: every case of this follow-up is resolved."
MOVED_FEEDBACK: Final = "Control Tower: the open cases of this follow-up went to another user."


# --- Inputs -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseForOdoo:
    """One case, as the write-back needs it.

    ``key`` is ``<company>/<case id>``; ``occurred_at`` the latest opening (or
    reopening) and ``resolved_at`` the latest resolution, which make the chatter
    markers unique per occurrence.
    """

    key: str
    type: str
    subject: str
    state: str
    severity: str
    explanation: str
    owner: str
    assignee: str | None
    due_at: datetime
    occurred_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """An Odoo record cases are followed up on; ``partner_id`` is its customer's."""

    res_model: str
    res_id: int
    label: str
    partner_id: int | None = None

    @property
    def ref(self) -> str:
        """``sale.order:12``: how markers name the record."""
        return f"{self.res_model}:{self.res_id}"


@dataclass(frozen=True, slots=True)
class KnownFollowup:
    """A follow-up written before (a row of ``odoo_followups``).

    A record's helpdesk ticket has a row of its own, whose ``odoo_user_id`` is
    :data:`TICKET_ROW`: its ``marker`` is the ticket's, ``digest`` that of the title and
    description last written, ``cases`` the cases the ticket stands for, and ``status``
    becomes ``done`` once the ticket is closed. (Tickets written before that row existed
    are known only by the ``ticket_id`` of one of the record's activity rows.)
    """

    res_model: str
    res_id: int
    odoo_user_id: int
    marker: str
    activity_id: int | None
    ticket_id: int | None
    digest: str
    cases: tuple[str, ...]
    status: str


#: ``KnownFollowup.status`` values
OPEN: Final = "open"
DONE: Final = "done"

#: the ``odoo_user_id`` of a ticket's follow-up row: Odoo's user ids start at 1, so no
#: activity row has it, and the row fits the (record, user) key the table already has
TICKET_ROW: Final = 0


@dataclass(frozen=True, slots=True)
class TicketStage:
    """A ``helpdesk.ticket.stage`` of ``helpdesk_mgmt``; ``closed`` ends a ticket."""

    id: int
    name: str
    sequence: int
    closed: bool


def closing_stage(stages: Sequence[TicketStage]) -> TicketStage | None:
    """The stage a ticket whose cases all resolved moves to: the first closed one in
    ``helpdesk_mgmt``'s own order (sequence, then id), or None when no stage is closed."""
    closed = [stage for stage in stages if stage.closed]
    return min(closed, key=lambda stage: (stage.sequence, stage.id)) if closed else None


@dataclass(frozen=True, slots=True)
class OdooUser:
    id: int
    login: str


@dataclass
class OdooDirectory:
    """The records and users of one Odoo database, by the names cases use.

    Built from the synced mirror (:meth:`from_mirror`): sale and purchase orders by
    name, customers by the code the sync gives them, users by login (lower case).
    """

    records: dict[str, dict[str, Target]] = field(default_factory=dict)
    users: dict[str, OdooUser] = field(default_factory=dict)
    _by_id: dict[tuple[str, int], Target] = field(default_factory=dict, repr=False)

    @classmethod
    def from_mirror(cls, mirror: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> OdooDirectory:
        """The directory of a synced mirror: records by model, then by id, as Odoo read them."""
        directory = cls()
        partners = mirror.get(PARTNER, {})
        for model in (SALE_ORDER, PURCHASE_ORDER):
            by_name: dict[str, Target] = {}
            for rid, row in mirror.get(model, {}).items():
                name = _text(row.get("name")) or f"{model}-{rid}"
                pid = _id(row.get("partner_id"))
                partner = commercial_partner(partners, pid) or pid
                by_name[name] = Target(model, int(rid), name, partner)
            directory.records[model] = by_name
        directory.records[PARTNER] = {
            code: Target(PARTNER, pid, _text(partners[pid].get("name")) or code, pid)
            for pid, code in partner_codes(partners).items()
        }
        for uid, row in mirror.get("res.users", {}).items():
            login = _text(row.get("login"))
            if login:
                directory.users[login.lower()] = OdooUser(int(uid), login)
        return directory

    def target(self, case: CaseForOdoo) -> Target | None:
        """The record ``case`` concerns, or None (not followed, or not in Odoo)."""
        model = FOLLOWED_TYPES.get(case.type)
        if model is None:
            return None
        for prefix in _SUBJECT_PREFIXES[model]:
            if case.subject.startswith(prefix):
                return self.records.get(model, {}).get(case.subject.removeprefix(prefix))
        return None

    def by_id(self, record: tuple[str, int]) -> Target:
        """The record ``(model, id)``; one known only from earlier follow-ups (a deleted
        order, say) is named by its model and id."""
        if not self._by_id:
            self._by_id = {
                (t.res_model, t.res_id): t
                for by_name in self.records.values()
                for t in by_name.values()
            }
        return self._by_id.get(record) or Target(record[0], record[1], f"{record[0]}-{record[1]}")

    def user(self, login: str | None) -> OdooUser | None:
        return self.users.get(login.strip().lower()) if login else None


@dataclass(frozen=True, slots=True)
class UserRules:
    """Who gets a follow-up: ``OdooSettings.users`` and ``fallback_user``, and the
    Control Tower people's e-mail addresses by login."""

    users: Mapping[str, str] = field(default_factory=dict)
    fallback_user: str | None = None
    emails: Mapping[str, str] = field(default_factory=dict)


# --- Writes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostMessage:
    """A note in the record's chatter: a case opened or resolved."""

    target: Target
    case: str
    event: str
    marker: str
    body: str

    def describe(self) -> str:
        return f"post message on {_record(self.target)}: case {self.case} {self.event}"


@dataclass(frozen=True, slots=True)
class CreateActivity:
    """A new activity for one record and user (or the one found by its marker)."""

    target: Target
    user: OdooUser
    marker: str
    note: str
    deadline: date
    cases: tuple[str, ...]
    digest: str

    def describe(self) -> str:
        return (
            f"create activity on {_record(self.target)} for login {self.user.login} "
            f"due {self.deadline.isoformat()} ({_cases(self.cases)})"
        )


@dataclass(frozen=True, slots=True)
class UpdateActivity:
    """The follow-up's activity rewritten: its cases (so its note) or deadline changed."""

    target: Target
    user: OdooUser
    activity_id: int
    marker: str
    note: str
    deadline: date
    cases: tuple[str, ...]
    digest: str

    def describe(self) -> str:
        return (
            f"update activity {self.activity_id} on {_record(self.target)} for login "
            f"{self.user.login} due {self.deadline.isoformat()} ({_cases(self.cases)})"
        )


@dataclass(frozen=True, slots=True)
class MarkDone:
    """No case of the follow-up is open any more: its activity is done."""

    target: Target
    odoo_user_id: int
    login: str
    activity_id: int
    feedback: str = FEEDBACK

    def describe(self) -> str:
        return (
            f"mark done activity {self.activity_id} on {_record(self.target)} "
            f"for login {self.login}"
        )


@dataclass(frozen=True, slots=True)
class CreateTicket:
    """A helpdesk ticket for a record with customer-impacting cases (one per record)."""

    target: Target
    user: OdooUser
    marker: str
    name: str
    description: str
    priority: str
    cases: tuple[str, ...]
    digest: str

    def describe(self) -> str:
        return (
            f"create ticket on {_record(self.target)} for login {self.user.login}, "
            f"priority {self.priority} ({_cases(self.cases)})"
        )


@dataclass(frozen=True, slots=True)
class UpdateTicket:
    """The record's ticket rewritten (title and description): its cases changed.

    It carries what a new ticket needs, for when the ticket was removed in Odoo; its
    user and priority are only used then (a person may have changed them on purpose).
    """

    target: Target
    ticket_id: int
    user: OdooUser
    marker: str
    name: str
    description: str
    priority: str
    cases: tuple[str, ...]
    digest: str

    def describe(self) -> str:
        return f"update ticket {self.ticket_id} on {_record(self.target)} ({_cases(self.cases)})"


@dataclass(frozen=True, slots=True)
class CloseTicket:
    """Every case of the record's ticket resolved: the ticket goes to ``stage``.

    With no closed stage (``stage`` None) the ticket stays where it is and gets a chatter
    note instead: ``note_marker`` (unique per resolution) finds that note again.
    """

    target: Target
    ticket_id: int
    marker: str
    stage: TicketStage | None
    note_marker: str
    note: str
    cases: tuple[str, ...]

    def describe(self) -> str:
        if self.stage is None:
            return (
                f"post message on ticket {self.ticket_id} of {_record(self.target)}: "
                "its cases resolved (no closed stage)"
            )
        return f"close ticket {self.ticket_id} on {_record(self.target)}: stage {self.stage.name}"


Write = (
    PostMessage
    | CreateActivity
    | UpdateActivity
    | MarkDone
    | CreateTicket
    | UpdateTicket
    | CloseTicket
)


@dataclass
class WritebackPlan:
    """The writes to make, in order, and the cases that could not be followed up."""

    writes: list[Write] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- Planning ---------------------------------------------------------------------------


def plan_writeback(
    cases: Sequence[CaseForOdoo],
    finished: Mapping[str, CaseForOdoo],
    directory: OdooDirectory,
    rules: UserRules,
    known: Sequence[KnownFollowup],
    *,
    helpdesk: bool,
    ticket_stages: Sequence[TicketStage] = (),
) -> WritebackPlan:
    """The writes that bring Odoo's follow-ups in line with ``cases`` (the active ones).

    ``finished`` holds, by key, the cases the follow-ups in ``known`` stand for that are
    no longer active (for the wording of their resolution); ``helpdesk`` says whether
    ``helpdesk.ticket`` exists, and ``ticket_stages`` are its stages (the closing one is
    picked by :func:`closing_stage`). Per record, in order: chatter messages for cases
    opened and resolved since the last write-back, activities created or updated, the
    ticket created, updated or closed, then the activities whose cases are all resolved
    marked done.
    """
    plan = WritebackPlan()
    groups, targets, users = _group(cases, directory, rules, plan.warnings)
    activities = [k for k in known if k.odoo_user_id != TICKET_ROW]
    tickets = _known_tickets(known) if helpdesk else {}
    known_by_key = {(k.res_model, k.res_id, k.odoo_user_id): k for k in activities}
    known_by_record: dict[tuple[str, int], list[KnownFollowup]] = defaultdict(list)
    followed_before: dict[tuple[str, int], set[str]] = defaultdict(set)
    for followup in activities:
        known_by_record[(followup.res_model, followup.res_id)].append(followup)
        if followup.status == OPEN:
            followed_before[(followup.res_model, followup.res_id)].update(followup.cases)
    groups_by_record: dict[tuple[str, int], dict[GroupKey, list[CaseForOdoo]]] = defaultdict(dict)
    for group, members in groups.items():
        groups_by_record[group[:2]][group] = members
    active = {case.key for case in cases}
    logins = {user.id: user.login for user in directory.users.values()}
    stage = closing_stage(ticket_stages)
    open_tickets = {record for record, ticket in tickets.items() if ticket.status == OPEN}
    for record in sorted(set(targets) | set(followed_before) | open_tickets):
        target = targets.get(record) or directory.by_id(record)
        grouped = groups_by_record.get(record, {})
        record_known = known_by_record.get(record, [])
        now_followed = {c.key for members in grouped.values() for c in members}
        before = followed_before.get(record, set())
        by_key = {c.key: c for members in grouped.values() for c in members}
        for key in sorted(now_followed - before):
            plan.writes.append(_opened(target, by_key[key]))
        for key in sorted(before - active):
            plan.writes.append(_resolved(target, key, finished.get(key)))
        plan.writes.extend(_activities(target, grouped, users, known_by_key))
        if helpdesk:
            ticket = _ticket(target, grouped, users, tickets.get(record), stage, finished)
            if ticket is not None:
                plan.writes.append(ticket)
        plan.writes.extend(_done(target, grouped, record_known, logins, active))
    return plan


def _known_tickets(known: Sequence[KnownFollowup]) -> dict[tuple[str, int], KnownFollowup]:
    """The ticket written for each record, by (model, id): its own row, else (a ticket
    written before tickets had rows) the ``ticket_id`` an activity row of the record
    holds, taken as open with nothing known of what it says, so that it is rewritten or
    closed once and gets its row."""
    tickets = {(k.res_model, k.res_id): k for k in known if k.odoo_user_id == TICKET_ROW}
    for k in sorted(known, key=lambda k: (k.res_model, k.res_id, k.odoo_user_id)):
        record = (k.res_model, k.res_id)
        if k.ticket_id is not None and record not in tickets:
            marker = ticket_marker(Target(k.res_model, k.res_id, ""))
            tickets[record] = KnownFollowup(
                k.res_model, k.res_id, TICKET_ROW, marker, None, k.ticket_id, "", (), OPEN
            )
    return tickets


GroupKey = tuple[str, int, int]


def _group(
    cases: Sequence[CaseForOdoo],
    directory: OdooDirectory,
    rules: UserRules,
    warnings: list[str],
) -> tuple[dict[GroupKey, list[CaseForOdoo]], dict[tuple[str, int], Target], dict[int, OdooUser]]:
    """The followed cases by (model, record id, Odoo user id), the records by (model,
    id) and the users by id; a case without a record or a user is warned about."""
    groups: dict[GroupKey, list[CaseForOdoo]] = defaultdict(list)
    targets: dict[tuple[str, int], Target] = {}
    users: dict[int, OdooUser] = {}
    for case in sorted(cases, key=lambda c: c.key):
        if case.type not in FOLLOWED_TYPES:
            continue
        target = directory.target(case)
        if target is None:
            warnings.append(
                f"case {case.key} ({case.subject}): no such record in the synced Odoo "
                "database; not followed up"
            )
            continue
        user = odoo_user_for(case, directory, rules, warnings)
        if user is None:
            warnings.append(
                f"case {case.key} ({case.subject}): no Odoo user for owner {case.owner!r}"
                + (f" or assignee {case.assignee!r}" if case.assignee else "")
                + "; set [odoo] users or fallback_user in the settings; not followed up"
            )
            continue
        users[user.id] = user
        targets[(target.res_model, target.res_id)] = target
        groups[(target.res_model, target.res_id, user.id)].append(case)
    return dict(groups), targets, users


def odoo_user_for(
    case: CaseForOdoo, directory: OdooDirectory, rules: UserRules, warnings: list[str]
) -> OdooUser | None:
    """The Odoo user a case is followed up by.

    In turn: the settings' mapping of the assignee; the Odoo user whose login is the
    assignee's login or e-mail address; the settings' mapping of the owner (as written,
    ``purchasing@WH``, then its team alone, ``purchasing``); the fallback user. A mapping that names a login Odoo does not have is warned about and
    passed over.
    """
    candidates: list[tuple[str, str | None]] = []
    if case.assignee:
        candidates.append((f"users[{case.assignee!r}]", rules.users.get(case.assignee)))
        candidates.append(("", case.assignee))
        candidates.append(("", rules.emails.get(case.assignee)))
    candidates.append((f"users[{case.owner!r}]", rules.users.get(case.owner)))
    team = case.owner.partition("@")[0]
    if team != case.owner:
        candidates.append((f"users[{team!r}]", rules.users.get(team)))
    candidates.append(("fallback_user", rules.fallback_user))
    for setting, login in candidates:
        if not login:
            continue
        user = directory.user(login)
        if user is not None:
            return user
        if setting:
            warning = f"setting {setting} names Odoo login {login!r}, which Odoo does not have"
            if warning not in warnings:
                warnings.append(warning)
    return None


def _activities(
    target: Target,
    grouped: Mapping[GroupKey, list[CaseForOdoo]],
    users: Mapping[int, OdooUser],
    known: Mapping[GroupKey, KnownFollowup],
) -> list[Write]:
    """Per user, a new activity, or the known one rewritten when its note or date changed."""
    writes: list[Write] = []
    for key, members in sorted(grouped.items()):
        user = users[key[2]]
        note = activity_note(target, members)
        deadline = min(case.due_at for case in members).date()
        cases = tuple(case.key for case in members)
        digest = _digest(note, deadline.isoformat())
        before = known.get(key)
        if before is None or before.status != OPEN or before.activity_id is None:
            marker = activity_marker(target, user)
            writes.append(CreateActivity(target, user, marker, note, deadline, cases, digest))
        elif before.digest != digest:
            writes.append(
                UpdateActivity(
                    target,
                    user,
                    before.activity_id,
                    before.marker,
                    note,
                    deadline,
                    cases,
                    digest,
                )
            )
    return writes


def _ticket(
    target: Target,
    grouped: Mapping[GroupKey, list[CaseForOdoo]],
    users: Mapping[int, OdooUser],
    known: KnownFollowup | None,
    stage: TicketStage | None,
    finished: Mapping[str, CaseForOdoo],
) -> CreateTicket | UpdateTicket | CloseTicket | None:
    """The record's ticket brought in line with its customer-impacting cases: created
    when it has some and no open ticket, rewritten when what it says changed, closed
    when it has none left."""
    impacting = sorted(
        (
            (case.due_at, case.key, key[2], case)
            for key, members in grouped.items()
            for case in members
            if case.type in CUSTOMER_IMPACTING
        ),
        key=lambda item: (item[0], item[1]),
    )
    ticket_id = known.ticket_id if known is not None and known.status == OPEN else None
    if not impacting:
        if known is None or ticket_id is None:
            return None
        return _close(target, ticket_id, known, stage, finished)
    user = users[impacting[0][2]]
    members = [item[3] for item in impacting]
    worst = max(members, key=lambda case: int(TICKET_PRIORITY.get(case.severity, "1")))
    marker = ticket_marker(target)
    name = f"{marker} {target.label}: " + ", ".join(sorted({_words(c.type) for c in members}))
    description = activity_note(target, members)
    priority = TICKET_PRIORITY.get(worst.severity, "1")
    cases = tuple(case.key for case in members)
    digest = _digest(name, description)
    if ticket_id is None:
        return CreateTicket(target, user, marker, name, description, priority, cases, digest)
    if known is not None and known.digest == digest:
        return None
    return UpdateTicket(target, ticket_id, user, marker, name, description, priority, cases, digest)


def _close(
    target: Target,
    ticket_id: int,
    known: KnownFollowup,
    stage: TicketStage | None,
    finished: Mapping[str, CaseForOdoo],
) -> CloseTicket:
    """The ticket closed; its note (for when no stage is closed) dated by the last of
    its cases to resolve, so that a later resolution of the same ticket is a new note."""
    moments = [
        case.resolved_at
        for key in known.cases
        if (case := finished.get(key)) is not None and case.resolved_at is not None
    ]
    when = f" {max(moments):%Y-%m-%d %H:%M}" if moments else ""
    note_marker = f"{MARK} {target.ref}: every case of this ticket resolved{when}"
    note = (
        f"{note_marker}. No helpdesk stage is marked closed, so the ticket stays in its "
        "stage for a person to close."
    )
    return CloseTicket(target, ticket_id, known.marker, stage, note_marker, note, known.cases)


def _done(
    target: Target,
    grouped: Mapping[GroupKey, list[CaseForOdoo]],
    known: Sequence[KnownFollowup],
    logins: Mapping[int, str],
    active: set[str],
) -> list[Write]:
    """The record's open follow-ups (``known``) that no longer stand for a case, done."""
    return [
        MarkDone(
            target,
            followup.odoo_user_id,
            logins.get(followup.odoo_user_id, f"user {followup.odoo_user_id}"),
            followup.activity_id,
            MOVED_FEEDBACK if active.intersection(followup.cases) else FEEDBACK,
        )
        for followup in sorted(known, key=lambda k: k.odoo_user_id)
        if followup.status == OPEN
        and followup.activity_id is not None
        and (followup.res_model, followup.res_id, followup.odoo_user_id) not in grouped
    ]


# --- Texts and markers ------------------------------------------------------------------


def activity_marker(target: Target, user: OdooUser) -> str:
    """The activity's summary, by which it is found again: record and user."""
    return f"{MARK} {target.ref} for {user.login}"


def ticket_marker(target: Target) -> str:
    """The start of the ticket's title, by which it is found again."""
    return f"{MARK} {target.ref}"


def activity_note(target: Target, cases: Sequence[CaseForOdoo]) -> str:
    """One paragraph per case naming it, HTML-escaped (the note is HTML in Odoo)."""
    del target  # the note sits on the record; it need not name it
    return "".join(
        f"<p>{html.escape(f'Case {case.key} ({_words(case.type)}, {case.severity}): ')}"
        f"{html.escape(case.explanation)}</p>"
        for case in cases
    )


def _opened(target: Target, case: CaseForOdoo) -> PostMessage:
    marker = f"{MARK} case {case.key} opened {case.occurred_at:%Y-%m-%d %H:%M}"
    body = f"{marker} ({_words(case.type)}, {case.severity}): {case.explanation}"
    return PostMessage(target, case.key, "opened", marker, body)


def _resolved(target: Target, key: str, case: CaseForOdoo | None) -> PostMessage:
    when = f" {case.resolved_at:%Y-%m-%d %H:%M}" if case and case.resolved_at else ""
    marker = f"{MARK} case {key} resolved{when}"
    state = f" (now {case.state.replace('_', ' ')})" if case is not None else ""
    return PostMessage(target, key, "resolved", marker, f"{marker}{state}.")


def _words(case_type: str) -> str:
    return case_type.replace("_", " ")


def _digest(*texts: str) -> str:
    """A short digest of what was written (an activity's note and deadline, a ticket's
    title and description), to rewrite only what changed."""
    text = json.dumps(list(texts), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _record(target: Target) -> str:
    return f"{target.res_model} {target.label} (id {target.res_id})"


def _cases(keys: Sequence[str]) -> str:
    return f"{len(keys)} case" if len(keys) == 1 else f"{len(keys)} cases"

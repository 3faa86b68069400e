"""The write-back's planning of helpdesk tickets, without Odoo: create, rewrite, close.

``plan_writeback`` is pure; these tests hand it cases and the follow-ups recorded before
and read the ticket writes it plans. The property test plays rounds of changing cases,
records each planned ticket write as the command does, and checks that the ticket
always ends up standing for exactly the record's open customer-impacting cases, with
nothing left to write.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from controltower.connectors.odoo.writeback import (
    DONE,
    OPEN,
    TICKET_ROW,
    CaseForOdoo,
    CloseTicket,
    CreateTicket,
    KnownFollowup,
    OdooDirectory,
    TicketStage,
    UpdateTicket,
    UserRules,
    Write,
    closing_stage,
    plan_writeback,
)

MIRROR: dict[str, dict[int, dict[str, Any]]] = {
    "sale.order": {12: {"name": "S00042", "partner_id": [7, "Acme, Bob"]}},
    "res.partner": {
        5: {"name": "Acme", "ref": "C1", "commercial_partner_id": [5, "Acme"]},
        7: {"name": "Acme, Bob", "ref": False, "commercial_partner_id": [5, "Acme"]},
    },
    "res.users": {2: {"login": "sara"}, 3: {"login": "bruno"}},
}
DIRECTORY = OdooDirectory.from_mirror(MIRROR)
RULES = UserRules({"cs": "sara", "finance": "bruno"})
DUE = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
STAGES = (
    TicketStage(1, "New", 1, False),
    TicketStage(4, "Done", 6, True),
    TicketStage(5, "Cancelled", 5, True),
    TicketStage(6, "Solved", 5, True),
)
AT_RISK = CaseForOdoo(
    "CO/CASE-1",
    "order_at_risk",
    "sales_order:S00042",
    "open",
    "high",
    "Late.",
    "cs@WH",
    None,
    DUE,
    DUE - timedelta(days=3),
)
HOLD = replace(AT_RISK, key="CO/CASE-2", type="credit_hold", subject="customer:C1")
ORDER = ("sale.order", 12)
CUSTOMER = ("res.partner", 5)

TicketWrite = CreateTicket | UpdateTicket | CloseTicket


def _tickets(writes: list[Write]) -> list[TicketWrite]:
    return [w for w in writes if isinstance(w, CreateTicket | UpdateTicket | CloseTicket)]


def _plan(
    cases: list[CaseForOdoo],
    known: list[KnownFollowup],
    finished: dict[str, CaseForOdoo] | None = None,
    stages: tuple[TicketStage, ...] = STAGES,
) -> list[TicketWrite]:
    plan = plan_writeback(
        cases, finished or {}, DIRECTORY, RULES, known, helpdesk=True, ticket_stages=stages
    )
    return _tickets(plan.writes)


def _recorded(write: TicketWrite, ticket_id: int) -> KnownFollowup:
    """The ticket's follow-up row as the command records it after ``write``."""
    target = write.target
    if isinstance(write, CloseTicket):
        return KnownFollowup(
            target.res_model, target.res_id, TICKET_ROW, write.marker, None, ticket_id, "", (), DONE
        )
    return KnownFollowup(
        target.res_model,
        target.res_id,
        TICKET_ROW,
        write.marker,
        None,
        ticket_id,
        write.digest,
        write.cases,
        OPEN,
    )


def test_the_closing_stage_is_the_first_closed_one_by_sequence_then_id() -> None:
    assert closing_stage(STAGES) == TicketStage(5, "Cancelled", 5, True)
    assert closing_stage(STAGES[:2]) == TicketStage(4, "Done", 6, True)
    assert closing_stage(STAGES[:1]) is None
    assert closing_stage(()) is None


def test_a_ticket_is_created_then_rewritten_only_when_what_it_says_changes() -> None:
    (create,) = _plan([AT_RISK], [])
    assert isinstance(create, CreateTicket)
    assert create.name == "[Control Tower] sale.order:12 S00042: order at risk"
    assert create.marker == "[Control Tower] sale.order:12"
    assert (create.user.login, create.priority, create.cases) == ("sara", "2", ("CO/CASE-1",))
    known = [_recorded(create, 90)]

    assert _plan([AT_RISK], known) == []

    (update,) = _plan([replace(AT_RISK, explanation="Later still.")], known)
    assert isinstance(update, UpdateTicket)
    assert update.ticket_id == 90
    assert update.name == create.name
    assert "Later still." in update.description
    assert update.describe() == "update ticket 90 on sale.order S00042 (id 12) (1 case)"

    # a second case on the record: one more paragraph, the worst first by due date
    second = replace(AT_RISK, key="CO/CASE-0", severity="critical", due_at=DUE - timedelta(1))
    (both,) = _plan([AT_RISK, second], known)
    assert isinstance(both, UpdateTicket)
    assert both.cases == ("CO/CASE-0", "CO/CASE-1")
    assert both.description.count("<p>") == 2


def test_a_ticket_whose_cases_all_resolved_is_closed_or_noted() -> None:
    (create,) = _plan([AT_RISK], [])
    known = [_recorded(create, 90)]
    resolved_at = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    finished = {AT_RISK.key: replace(AT_RISK, state="resolved", resolved_at=resolved_at)}

    (close,) = _plan([], known, finished)
    assert isinstance(close, CloseTicket)
    assert (close.ticket_id, close.stage, close.cases) == (90, STAGES[2], ("CO/CASE-1",))
    assert close.describe() == "close ticket 90 on sale.order S00042 (id 12): stage Cancelled"

    (note,) = _plan([], known, finished, stages=STAGES[:1])
    assert isinstance(note, CloseTicket)
    assert note.stage is None
    assert note.note_marker == (
        "[Control Tower] sale.order:12: every case of this ticket resolved 2026-12-01 10:30"
    )
    assert note.note.startswith(note.note_marker)
    assert "(no closed stage)" in note.describe()

    closed = [_recorded(close, 90)]
    assert _plan([], closed, finished) == []
    (again,) = _plan([AT_RISK], closed)
    assert isinstance(again, CreateTicket)


def test_no_ticket_without_helpdesk_and_none_for_a_purchase_order() -> None:
    (create,) = _plan([AT_RISK], [])
    plan = plan_writeback([], {}, DIRECTORY, RULES, [_recorded(create, 90)], helpdesk=False)
    assert _tickets(plan.writes) == []
    assert plan.writes == []
    (ticket,) = _plan([HOLD], [])
    assert isinstance(ticket, CreateTicket)
    assert (ticket.target.res_model, ticket.target.res_id, ticket.user.login) == (
        "res.partner",
        5,
        "sara",
    )


def test_a_ticket_recorded_only_on_an_activity_row_gets_its_own_row() -> None:
    """Tickets written before tickets had rows: rewritten (or closed) once."""
    activity = KnownFollowup(
        "sale.order", 12, 2, "[Control Tower] sale.order:12 for sara", 40, 77, "x", (), OPEN
    )
    (update,) = _plan([AT_RISK], [activity])
    assert isinstance(update, UpdateTicket)
    assert (update.ticket_id, update.marker) == (77, "[Control Tower] sale.order:12")
    (close,) = _plan([], [activity])
    assert isinstance(close, CloseTicket)
    assert close.ticket_id == 77
    assert _plan([AT_RISK], [activity, _recorded(update, 77)]) == []


#: a round: which of the record's two customer-impacting cases are active, and how
#: each reads (an explanation and a severity)
_rounds = st.lists(
    st.tuples(
        st.booleans(),
        st.booleans(),
        st.sampled_from(["Late.", "Later.", "Blocked."]),
        st.sampled_from(["low", "medium", "high", "critical"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(rounds=_rounds, with_closed_stage=st.booleans())
def test_the_ticket_always_follows_the_open_cases(
    rounds: list[tuple[bool, bool, str, str]], with_closed_stage: bool
) -> None:
    stages = STAGES if with_closed_stage else STAGES[:1]
    known: dict[tuple[str, int], KnownFollowup] = {}
    next_id = 100
    for first, second, explanation, severity in rounds:
        cases = [
            case
            for active, case in (
                (first, replace(AT_RISK, explanation=explanation, severity=severity)),
                (second, replace(HOLD, explanation=explanation, severity=severity)),
            )
            if active
        ]
        writes = _plan(cases, list(known.values()), stages=stages)
        assert len({(w.target.res_model, w.target.res_id) for w in writes}) == len(writes)
        for write in writes:
            record = (write.target.res_model, write.target.res_id)
            if isinstance(write, CreateTicket):
                assert record not in known or known[record].status == DONE
                next_id += 1
                known[record] = _recorded(write, next_id)
            else:
                assert known[record].status == OPEN
                assert write.ticket_id == known[record].ticket_id
                known[record] = _recorded(write, write.ticket_id)

        assert _plan(cases, list(known.values()), stages=stages) == []
        for record, active, key in ((ORDER, first, AT_RISK.key), (CUSTOMER, second, HOLD.key)):
            row = known.get(record)
            if active:
                assert row is not None
                assert (row.status, row.cases) == (OPEN, (key,))
            else:
                assert row is None or row.status == DONE

"""The audit trail in the database: entries chained in the writer's own transaction,
appends that take turns, a chain that names the first entry changed, removed or
inserted, filters and scope, and what people changes, case actions and scans write.

Tampering is done the way an intruder with the database's credentials would: plain SQL.
On PostgreSQL a trigger refuses that to everyone, the application included; the tests
that tamper turn it off as the superuser for the one statement, as such an intruder
would have to.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from controltower.connectors.dataset import read_dataset
from controltower.domain.audit import GENESIS_HASH, SYSTEM, Actor, AuditRecord, entry_hash
from controltower.domain.case_actions import acknowledge
from controltower.domain.people import Principal, Role, Scope
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.audit import (
    AuditFilters,
    append_audit,
    list_audit,
    verify_chain,
    walk_entries,
)
from controltower.storage.case_actions import act_on_case
from controltower.storage.cases import load_cases
from controltower.storage.people import (
    add_person,
    change_person,
    issue_token,
    revoke_tokens,
)
from controltower.storage.picture_store import SqlPictureStore
from controltower.storage.queries import PageRequest
from controltower.storage.repository import replace_picture
from controltower.workflow.stored_scan import policy_digest, run_stored_scan
from helpers.cli_runs import MINIMAL

pytestmark = pytest.mark.database

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ANN = Actor(7, "ann", "manager")


def record(n: int, **changes: Any) -> AuditRecord:
    values: dict[str, Any] = {
        "at": AT + timedelta(hours=n),
        "action": "case.acknowledge",
        "subject_type": "case",
        "subject_id": f"CASE-{n}",
        "scope_company": "NORDEL",
        "old": {"state": "open"},
        "new": {"state": "acknowledged"},
        "reason": f"note {n}",
        "request_id": f"req-{n}",
    }
    values.update(changes)
    actor = values.pop("actor", ANN)
    return AuditRecord.by(actor, **values)


def append_each(sessions: sessionmaker[Session], records: list[AuditRecord]) -> list[int]:
    """Each record appended and committed in a transaction of its own."""
    numbers = []
    for made in records:
        with sessions.begin() as session:
            numbers.append(append_audit(session, made))
    return numbers


def rows(engine: Engine) -> list[sa.Row[Any]]:
    entries = tables.audit_entries
    with engine.connect() as connection:
        return list(connection.execute(sa.select(entries).order_by(entries.c.seq)))


def verdict(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        return verify_chain(session, page_size=2).summary()


@contextmanager
def tampering(engine: Engine) -> Iterator[sa.Connection]:
    """A transaction that may change audit rows: on PostgreSQL the append-only trigger
    is off inside it (the tests connect as the superuser) and back on when it ends."""
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"
            )
        yield connection
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"
            )


# --- Appending -------------------------------------------------------------------------


def test_entries_are_numbered_and_chained_in_order(
    storage_engine: Engine, sessions: sessionmaker[Session]
) -> None:
    assert append_each(sessions, [record(n) for n in range(1, 5)]) == [1, 2, 3, 4]

    stored = rows(storage_engine)
    assert [row.prev_hash for row in stored] == [GENESIS_HASH, *(r.entry_hash for r in stored[:-1])]
    assert stored[0].entry_hash == entry_hash(GENESIS_HASH, record(1))
    assert stored[0].old_value == '{"state":"open"}'
    assert stored[0].at == AT + timedelta(hours=1)
    with sessions() as session:
        check = verify_chain(session, page_size=3)
    assert check.summary() == "audit trail intact: 4 entries"
    assert (check.last_seq, check.last_hash) == (4, stored[-1].entry_hash)


def test_an_entry_lives_and_dies_with_the_writers_transaction(
    sessions: sessionmaker[Session],
) -> None:
    append_each(sessions, [record(1)])
    with sessions() as session:
        assert append_audit(session, record(2)) == 2
        session.rollback()
    with sessions() as session:
        assert [e.seq for e in walk_entries(session)] == [1]

    assert append_each(sessions, [record(3)]) == [2], "no number is lost to a rollback"
    assert verdict(sessions) == "audit trail intact: 2 entries"


def test_a_moment_without_a_time_zone_is_refused_before_anything_is_written(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, pytest.raises(ValueError, match="time zone"):
        append_audit(session, record(1, at=AT.replace(tzinfo=None)))
    assert verdict(sessions) == "audit trail intact: 0 entries"


def test_writers_appending_at_once_take_turns_and_never_fork_the_chain(
    sessions: sessionmaker[Session],
) -> None:
    writers, each = 4, 6
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(each):
                with sessions.begin() as session:
                    append_audit(session, record(writer * 100 + n, request_id=f"w{writer}"))
        except BaseException as failure:  # reported below, in the test's thread
            failures.append(failure)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    assert verdict(sessions) == f"audit trail intact: {writers * each} entries"


# --- Tampering -------------------------------------------------------------------------


def _change(connection: sa.Connection) -> None:
    connection.execute(
        sa.update(tables.audit_entries)
        .where(tables.audit_entries.c.seq == 3)
        .values(reason="nothing happened")
    )


def _rewrite(connection: sa.Connection) -> None:
    """Entry 3 changed and its own hash recomputed: the next entry's link no longer holds."""
    entries = tables.audit_entries
    prev = connection.execute(sa.select(entries.c.prev_hash).where(entries.c.seq == 3)).scalar_one()
    forged = record(3, new={"state": "resolved"})
    connection.execute(
        sa.update(entries)
        .where(entries.c.seq == 3)
        .values(new_value='{"state":"resolved"}', entry_hash=entry_hash(prev, forged))
    )


def _delete(connection: sa.Connection) -> None:
    connection.execute(sa.delete(tables.audit_entries).where(tables.audit_entries.c.seq == 3))


def _shift(connection: sa.Connection, *, at_or_after: int, by: int) -> None:
    """Renumber entries from ``at_or_after`` on by ``by`` (through a free range, so no
    number is taken twice on the way)."""
    entries = tables.audit_entries
    where = entries.c.seq >= at_or_after
    connection.execute(sa.update(entries).where(where).values(seq=entries.c.seq + 1000))
    connection.execute(
        sa.update(entries).where(entries.c.seq >= 1000).values(seq=entries.c.seq - 1000 + by)
    )


def _delete_and_close_up(connection: sa.Connection) -> None:
    _delete(connection)
    _shift(connection, at_or_after=4, by=-1)


def _insert(connection: sa.Connection) -> None:
    """A forged entry slipped in as number 3, chained correctly onto entry 2."""
    entries = tables.audit_entries
    prev = connection.execute(
        sa.select(entries.c.entry_hash).where(entries.c.seq == 2)
    ).scalar_one()
    _shift(connection, at_or_after=3, by=1)
    forged = record(50, reason="approved long ago", actor=Actor(9, "mallory", "administrator"))
    connection.execute(
        sa.insert(entries).values(
            seq=3,
            at=forged.at,
            actor_id=forged.actor_id,
            actor_login=forged.actor_login,
            actor_role=forged.actor_role,
            action=forged.action,
            subject_type=forged.subject_type,
            subject_id=forged.subject_id,
            scope_company=forged.scope_company,
            old_value='{"state":"open"}',
            new_value='{"state":"acknowledged"}',
            reason=forged.reason,
            request_id=forged.request_id,
            prev_hash=prev,
            entry_hash=entry_hash(prev, forged),
        )
    )


TAMPERING = {
    "changed": (_change, "audit entry 3 was altered (its hash does not match its content)"),
    "rewritten with its hash": (
        _rewrite,
        "an entry was inserted or removed before entry 4 (its previous hash does not match entry 3)",
    ),
    "deleted": (_delete, "audit entry 3 is missing (entry 4 follows entry 2)"),
    "deleted, numbers closed up": (
        _delete_and_close_up,
        "an entry was inserted or removed before entry 3 (its previous hash does not match entry 2)",
    ),
    "inserted": (
        _insert,
        "an entry was inserted or removed before entry 4 (its previous hash does not match entry 3)",
    ),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_verify_names_the_first_entry_changed_removed_or_inserted(
    storage_engine: Engine, sessions: sessionmaker[Session], how: str
) -> None:
    append_each(sessions, [record(n) for n in range(1, 6)])
    assert verdict(sessions) == "audit trail intact: 5 entries"
    tamper, message = TAMPERING[how]

    with tampering(storage_engine) as connection:
        tamper(connection)

    assert verdict(sessions) == message


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 1",
        "TRUNCATE audit_entries",
    ],
)
def test_on_postgresql_nobody_can_update_or_delete_an_entry(
    storage_engine: Engine, sessions: sessionmaker[Session], statement: str
) -> None:
    if storage_engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (SQLite has no such guard)")
    append_each(sessions, [record(1), record(2)])
    with storage_engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.exec_driver_sql(statement)
    assert "audit entries are append-only" in str(refused.value)
    assert verdict(sessions) == "audit trail intact: 2 entries"


# --- Reading ---------------------------------------------------------------------------


def listed(sessions: sessionmaker[Session], **filters: Any) -> list[str]:
    """The subjects of the entries ``filters`` keep, newest first."""
    with sessions() as session:
        found = list_audit(session, AuditFilters(**filters), PageRequest(size=50))
    assert found.total == len(found.items)
    return [entry.record.subject_id for entry in found.items]


def test_the_list_filters_newest_first_and_keeps_to_the_readers_scope(
    sessions: sessionmaker[Session],
) -> None:
    append_each(
        sessions,
        [
            record(1),
            record(2, action="case.assign", scope_company="ACME", actor=Actor(8, "bob", "manager")),
            record(3, action="action.approve", subject_type="action", subject_id="12"),
            record(
                30,
                action="user.set",
                subject_type="user",
                subject_id="ann",
                scope_company=None,
                actor=SYSTEM,
            ),
            record(4, action="case.acknowledged_by_mistake"),
        ],
    )
    assert listed(sessions) == ["CASE-4", "ann", "12", "CASE-2", "CASE-1"]
    assert listed(sessions, action="case") == ["CASE-4", "CASE-2", "CASE-1"]
    assert listed(sessions, action="case.") == ["CASE-4", "CASE-2", "CASE-1"]
    assert listed(sessions, action="case.acknowledge") == ["CASE-1"]
    assert listed(sessions, action="case.ack") == [], "a family is named by whole words"
    assert listed(sessions, actor="BOB ") == ["CASE-2"]
    assert listed(sessions, actor="system") == ["ann"]
    assert listed(sessions, subject_type="action", subject_id="12") == ["12"]
    day = (AT + timedelta(hours=30)).date()
    assert listed(sessions, from_day=day) == ["ann"]
    assert listed(sessions, to_day=AT.date()) == ["CASE-4", "12", "CASE-2", "CASE-1"]
    assert listed(sessions, from_day=date(2030, 1, 1)) == []
    # a company limit reads that company's entries; no company needs no limit at all
    assert listed(sessions, visible=Scope.of(companies=["ACME"])) == ["CASE-2"]
    assert listed(sessions, visible=Scope()) == ["CASE-4", "ann", "12", "CASE-2", "CASE-1"]
    assert listed(sessions, visible=Scope.of(warehouses=["LDS"])) == []


def test_a_page_of_the_list_says_the_total(sessions: sessionmaker[Session]) -> None:
    append_each(sessions, [record(n) for n in range(1, 8)])
    with sessions() as session:
        page = list_audit(session, AuditFilters(), PageRequest(number=2, size=3))
    assert (page.total, page.last_number) == (7, 3)
    assert [entry.seq for entry in page.items] == [4, 3, 2]


# --- What the product writes -----------------------------------------------------------


def user_entries(sessions: sessionmaker[Session]) -> list[tuple[str, Any, Any, str]]:
    with sessions() as session:
        return [
            (e.record.action, e.record.old, e.record.new, e.record.actor_login)
            for e in walk_entries(session, AuditFilters(subject_type="user"))
        ]


def test_changes_to_people_are_recorded_without_passwords_or_tokens(
    storage_engine: Engine, sessions: sessionmaker[Session]
) -> None:
    admin = Actor(1, "root", "administrator")
    with sessions.begin() as session:
        add_person(
            session,
            login="Ann",
            name="Ann Smith",
            role=Role.MANAGER,
            now=AT,
            password="a password long enough",
            warehouses=["LDS"],
        )
        change_person(session, "ann", now=AT, role=Role.MANAGER)  # nothing changes
        change_person(session, "ann", now=AT, role=Role.APPROVER, companies=["NORDEL"], actor=admin)
        change_person(session, "ann", now=AT, password="another password here")
        token = issue_token(session, "ann", now=AT)
        revoke_tokens(session, "ann", now=AT)
        revoke_tokens(session, "ann", now=AT)  # none left: nothing changes

    entries = user_entries(sessions)
    assert [action for action, *_ in entries] == [
        "user.add",
        "user.set",
        "user.set",
        "user.token",
        "user.token_revoke",
    ]
    assert entries[0][2] == {
        "name": "Ann Smith",
        "role": "manager",
        "email": None,
        "companies": None,
        "warehouses": ["LDS"],
        "teams": [],
        "active": True,
        "password": "set",
    }
    assert entries[1][1:] == (
        {"role": "manager", "companies": None},
        {"role": "approver", "companies": ["NORDEL"]},
        "root",
    )
    assert entries[2][1:] == ({"password": "set"}, {"password": "replaced"}, "command line")
    assert entries[3][2] == {"token": "issued"}
    assert entries[4][2] == {"revoked": 1}
    stored = " ".join(" ".join(str(cell) for cell in row) for row in rows(storage_engine))
    for secret in ("a password long enough", "another password here", token, "argon2"):
        assert secret not in stored


def _store_minimal(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        summary = replace_picture(
            session, read_dataset(MINIMAL).dataset, source="minimal", imported_at=AT
        )
    return summary.picture_id


def _scan(sessions: sessionmaker[Session], picture_id: int, *, policy_file: Path | None) -> None:
    with sessions.begin() as session:
        run_stored_scan(
            SqlPictureStore(session, picture_id),
            as_of=date(2026, 11, 25),
            policy=load_policy(policy_file),
            now=AT + timedelta(days=1),
        )


def test_a_scan_under_a_new_policy_records_the_change_of_rules(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    stricter = tmp_path / "stricter.toml"
    stricter.write_text("[detectors.pricing_variance]\ntolerance_pct = 0.5\n", encoding="utf-8")
    picture_id = _store_minimal(sessions)

    _scan(sessions, picture_id, policy_file=None)
    _scan(sessions, picture_id, policy_file=None)
    assert listed(sessions, action="policy.change") == [], "the same rules: no change"
    _scan(sessions, picture_id, policy_file=stricter)
    _scan(sessions, picture_id, policy_file=stricter)

    with sessions() as session:
        (entry,) = walk_entries(session, AuditFilters(action="policy.change"))
        runs = session.connection().execute(
            sa.select(tables.scan_runs.c.id, tables.scan_runs.c.policy_digest).order_by(
                tables.scan_runs.c.id
            )
        )
        digests = [digest for _id, digest in runs]
    change = entry.record
    assert (change.actor_login, change.actor_role, change.actor_id) == ("system", "system", None)
    assert change.old == policy_digest(load_policy()) == digests[1]
    assert change.new == policy_digest(load_policy(stricter)) == digests[2] == change.subject_id
    assert change.subject_type == "policy"
    assert change.reason is not None
    assert change.reason.startswith("scan run 3 of ")
    assert verdict(sessions).startswith("audit trail intact")


def test_a_case_action_is_recorded_with_who_what_before_after_and_why(
    sessions: sessionmaker[Session],
) -> None:
    picture_id = _store_minimal(sessions)
    _scan(sessions, picture_id, policy_file=None)
    with sessions() as session:
        case = next(c for c in load_cases(session, picture_id) if c.is_active)
        companies = tuple(
            session.connection().execute(sa.select(tables.companies.c.code)).scalars()
        )
    mia = Principal(user_id=5, login="mia", name="Mia", role=Role.MANAGER, scope=Scope())

    with sessions.begin() as session:
        acted = act_on_case(
            session,
            picture_id=picture_id,
            companies=companies,
            case_id=case.id,
            visible=Scope(),
            action=lambda c: acknowledge(c, by="mia", at=AT, note="on it"),
            actor=mia,
            request_id="req-42",
        )
    assert acted is not None

    with sessions() as session:
        (entry,) = walk_entries(session, AuditFilters(subject_type="case"))
    assert entry.record == AuditRecord(
        at=AT,
        actor_id=5,
        actor_login="mia",
        actor_role="manager",
        action="case.acknowledge",
        subject_type="case",
        subject_id=case.id,
        scope_company=companies[0],
        old={"state": "open"},
        new={"state": "acknowledged"},
        reason="on it",
        request_id="req-42",
    )


def test_a_refused_case_action_writes_no_entry(sessions: sessionmaker[Session]) -> None:
    picture_id = _store_minimal(sessions)
    _scan(sessions, picture_id, policy_file=None)
    with sessions() as session:
        case = next(c for c in load_cases(session, picture_id) if c.is_active)
        companies = tuple(
            session.connection().execute(sa.select(tables.companies.c.code)).scalars()
        )

    def refused(_: Any) -> Any:
        raise ValueError("refused")

    with sessions() as session, pytest.raises(ValueError, match="refused"):
        act_on_case(
            session,
            picture_id=picture_id,
            companies=companies,
            case_id=case.id,
            visible=Scope(),
            action=refused,
        )
    assert listed(sessions, subject_type="case") == []

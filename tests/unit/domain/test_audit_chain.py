"""The audit trail's chain as data: one spelling of a value, a hash over every field and
the previous hash, and a check that names the first entry altered, removed or inserted."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from controltower.domain.audit import (
    COMMAND_LINE,
    GENESIS_HASH,
    SYSTEM,
    Actor,
    AuditRecord,
    ChainCheck,
    ChainedEntry,
    canonical_json,
    entry_hash,
    hashed_document,
    record_from_document,
)
from controltower.domain.people import Principal, Role, Scope

AT = datetime(2026, 12, 6, 9, 30, 15, 123456, tzinfo=UTC)


def record(n: int = 1, **changes: Any) -> AuditRecord:
    base = AuditRecord(
        at=AT + timedelta(minutes=n),
        actor_id=7,
        actor_login="ann",
        actor_role="manager",
        action="case.acknowledge",
        subject_type="case",
        subject_id=f"CASE-{n}",
        scope_company="NORDEL",
        old={"state": "open"},
        new={"state": "acknowledged"},
        reason="seen it",
        request_id=f"req-{n}",
    )
    return replace(base, **changes)


def chain(count: int) -> list[ChainedEntry]:
    """``count`` entries chained from the start, numbered from 1."""
    entries: list[ChainedEntry] = []
    previous = GENESIS_HASH
    for n in range(1, count + 1):
        made = record(n)
        digest = entry_hash(previous, made)
        entries.append(ChainedEntry(n, made, previous, digest))
        previous = digest
    return entries


def checked(entries: list[ChainedEntry]) -> ChainCheck:
    check = ChainCheck()
    for entry in entries:
        if not check.add(entry):
            break
    return check


def test_canonical_json_is_one_spelling_whatever_the_order_or_the_types() -> None:
    value = {"b": Decimal("12.50"), "a": [date(2026, 11, 25), "é"], "c": None}
    assert canonical_json(value) == '{"a":["2026-11-25","\\u00e9"],"b":"12.50","c":null}'
    assert canonical_json(dict(reversed(list(value.items())))) == canonical_json(value)
    # a value read back from its canonical text spells the same again
    assert canonical_json(json.loads(canonical_json(value))) == canonical_json(value)
    assert canonical_json(frozenset({"z", "a"})) == '["a","z"]'


def test_canonical_json_refuses_what_cannot_be_written_exactly() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical_json(float("nan"))
    with pytest.raises(TypeError, match="no place in an audit entry"):
        canonical_json({"x": object()})


def test_the_hash_is_sha256_of_the_previous_hash_a_line_break_and_the_canonical_record() -> None:
    made = record()
    document = {
        "at": "2026-12-06T09:31:15.123456+00:00",
        "actor_id": 7,
        "actor_login": "ann",
        "actor_role": "manager",
        "action": "case.acknowledge",
        "subject_type": "case",
        "subject_id": "CASE-1",
        "scope_company": "NORDEL",
        "old": {"state": "open"},
        "new": {"state": "acknowledged"},
        "reason": "seen it",
        "request_id": "req-1",
    }
    text = GENESIS_HASH + "\n" + json.dumps(document, sort_keys=True, separators=(",", ":"))
    assert entry_hash(GENESIS_HASH, made) == hashlib.sha256(text.encode()).hexdigest()
    assert hashed_document(made) == document


def test_every_field_and_the_previous_hash_change_the_hash() -> None:
    made = record()
    original = entry_hash(GENESIS_HASH, made)
    different: dict[str, Any] = {
        "at": AT,
        "actor_id": None,
        "actor_login": "bob",
        "actor_role": "executive",
        "action": "case.assign",
        "subject_type": "action",
        "subject_id": "CASE-2",
        "scope_company": None,
        "old": {"state": "acknowledged"},
        "new": None,
        "reason": None,
        "request_id": None,
    }
    assert set(different) == {f.name for f in fields(AuditRecord)}
    for name, value in different.items():
        assert entry_hash(GENESIS_HASH, replace(made, **{name: value})) != original, name
    assert entry_hash("1" * 64, made) != original


def test_a_moment_is_hashed_in_utc_and_a_moment_without_a_zone_is_refused() -> None:
    made = record()
    elsewhere = made.at.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert entry_hash(GENESIS_HASH, replace(made, at=elsewhere)) == entry_hash(GENESIS_HASH, made)
    with pytest.raises(ValueError, match="must carry a time zone"):
        entry_hash(GENESIS_HASH, replace(made, at=AT.replace(tzinfo=None)))


def test_an_exported_entry_gives_back_its_record_and_so_its_hash() -> None:
    made = record(old={"amount": Decimal("10.10")}, new=["a", 1, True])
    exported = json.loads(canonical_json(hashed_document(made)))
    again = record_from_document(exported)
    assert entry_hash(GENESIS_HASH, again) == entry_hash(GENESIS_HASH, made)


def test_actors_name_a_person_as_they_were_the_command_line_or_the_system() -> None:
    person = Principal(user_id=3, login="ann", name="Ann", role=Role.APPROVER, scope=Scope())
    made = AuditRecord.by(
        Actor.of(person),
        at=AT,
        action="action.approve",
        subject_type="action",
        subject_id="12",
        scope_company="NORDEL",
    )
    assert (made.actor_id, made.actor_login, made.actor_role) == (3, "ann", "approver")
    assert (COMMAND_LINE.id, COMMAND_LINE.login, COMMAND_LINE.role) == (
        None,
        "command line",
        "operator",
    )
    assert (SYSTEM.login, SYSTEM.role) == ("system", "system")


def test_an_intact_chain_is_counted_and_its_last_hash_kept() -> None:
    entries = chain(5)
    check = checked(entries)
    assert check.intact
    assert (check.count, check.last_seq, check.last_hash) == (5, 5, entries[-1].entry_hash)
    assert check.summary() == "audit trail intact: 5 entries"
    assert checked([]).summary() == "audit trail intact: 0 entries"
    assert checked(chain(1)).summary() == "audit trail intact: 1 entry"


def test_an_altered_entry_is_named() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], record=replace(entries[2].record, reason="nothing"))
    check = checked(entries)
    assert check.problem == "audit entry 3 was altered (its hash does not match its content)"
    assert check.count == 2, "the entries before it are intact"


def test_an_entry_rewritten_with_a_new_hash_breaks_the_next_link() -> None:
    entries = chain(5)
    changed = replace(entries[2].record, new={"state": "resolved"})
    entries[2] = replace(
        entries[2], record=changed, entry_hash=entry_hash(entries[1].entry_hash, changed)
    )
    assert checked(entries).problem == (
        "an entry was inserted or removed before entry 4 (its previous hash does not match entry 3)"
    )


def test_a_removed_entry_leaves_a_gap_that_is_named() -> None:
    entries = chain(5)
    del entries[2]
    assert checked(entries).problem == "audit entry 3 is missing (entry 4 follows entry 2)"
    assert checked(chain(3)[1:]).problem == (
        "audit entry 1 is missing (entry 2 follows the start of the trail)"
    )


def test_a_removed_entry_with_the_numbers_closed_up_breaks_the_link() -> None:
    entries = chain(5)
    del entries[2]
    entries = [replace(entry, seq=n) for n, entry in enumerate(entries, start=1)]
    assert checked(entries).problem == (
        "an entry was inserted or removed before entry 3 (its previous hash does not match entry 2)"
    )


def test_an_inserted_entry_breaks_the_link_of_the_entry_after_it() -> None:
    entries = chain(5)
    forged = record(99, actor_login="mallory")
    inserted = ChainedEntry(
        3, forged, entries[1].entry_hash, entry_hash(entries[1].entry_hash, forged)
    )
    renumbered = [*entries[:2], inserted, *(replace(e, seq=e.seq + 1) for e in entries[2:])]
    check = checked(renumbered)
    assert check.problem == (
        "an entry was inserted or removed before entry 4 (its previous hash does not match entry 3)"
    )
    assert check.count == 3, "the forged entry itself chains correctly onto entry 2"


def test_a_first_entry_that_does_not_start_the_chain_is_named() -> None:
    entries = chain(2)
    entries[0] = replace(
        entries[0], prev_hash="f" * 64, entry_hash=entry_hash("f" * 64, entries[0].record)
    )
    assert checked(entries).problem == (
        "an entry was inserted or removed before entry 1 "
        "(its previous hash does not match the start of the chain)"
    )


def test_nothing_is_checked_after_the_first_problem() -> None:
    entries = chain(4)
    entries[1] = replace(entries[1], entry_hash="0" * 64)
    check = ChainCheck()
    assert [check.add(entry) for entry in entries] == [True, False, False, False]
    assert check.problem == "audit entry 2 was altered (its hash does not match its content)"

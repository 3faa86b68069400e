"""``controltower audit verify`` and ``audit export`` as an operator and an auditor use
them: the verdict and its exit status, and an export that can be checked again away from
the database with nothing but SHA-256 and JSON (the recipe of docs/audit.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from controltower.domain.audit import GENESIS_HASH
from controltower.storage import tables
from controltower.storage.database import make_engine
from helpers.cli_runs import assert_refused, run_cli

pytestmark = pytest.mark.database

#: what an auditor computes for an exported entry (docs/audit.md, "Checking an export")
HASHED = (
    "at",
    "actor_id",
    "actor_login",
    "actor_role",
    "action",
    "subject_type",
    "subject_id",
    "scope_company",
    "old",
    "new",
    "reason",
    "request_id",
)


def recomputed(entry: dict[str, Any]) -> str:
    document = {name: entry[name] for name in HASHED}
    text = entry["prev_hash"] + "\n" + json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@pytest.fixture
def people(migrated_database_url: str) -> str:
    """Two people added, one changed and given a token: four entries, all by the command line."""
    url = migrated_database_url
    for words in (
        ["user", "add", "ann", "--role", "manager", "--company", "NORDEL"],
        ["user", "add", "zoe", "--role", "auditor"],
        ["user", "set", "ann", "--role", "approver"],
        ["user", "token", "zoe"],
    ):
        done = run_cli(*words, "--database-url", url)
        assert done.exit_code == 0, done.output
    return url


def test_verify_says_the_trail_is_intact_and_gives_the_last_hash(people: str) -> None:
    result = run_cli("audit", "verify", "--database-url", people)

    assert result.exit_code == 0, result.output
    intact, last = result.stdout.splitlines()
    assert intact == "audit trail intact: 4 entries"
    engine = make_engine(people)
    with engine.connect() as connection:
        newest = connection.execute(
            sa.select(tables.audit_entries.c.entry_hash).where(tables.audit_entries.c.seq == 4)
        ).scalar_one()
    engine.dispose()
    assert last == f"last entry 4: {newest}"


def test_verify_of_an_empty_trail_is_intact(migrated_database_url: str) -> None:
    result = run_cli("audit", "verify", "--database-url", migrated_database_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "audit trail intact: 0 entries"


def test_verify_exits_1_naming_the_altered_entry(people: str) -> None:
    engine = make_engine(people)
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"
            )
        connection.exec_driver_sql(
            'UPDATE audit_entries SET new_value = \'{"role":"administrator"}\' WHERE seq = 3'
        )
        if postgres:
            connection.exec_driver_sql(
                "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"
            )
    engine.dispose()

    result = run_cli("audit", "verify", "--database-url", people)

    assert_refused(result, 1, "audit entry 3 was altered (its hash does not match its content)")
    assert result.stdout == ""


def test_a_jsonl_export_can_be_checked_again_without_the_database(people: str) -> None:
    result = run_cli("audit", "export", "--database-url", people)

    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert [e["action"] for e in entries] == ["user.add", "user.add", "user.set", "user.token"]
    assert entries[2]["old"] == {"role": "manager"}
    assert entries[2]["new"] == {"role": "approver"}
    assert {e["actor_login"] for e in entries} == {"command line"}
    previous = GENESIS_HASH
    for entry in entries:
        assert entry["prev_hash"] == previous
        assert recomputed(entry) == entry["entry_hash"]
        previous = entry["entry_hash"]


def test_a_csv_export_to_a_file_holds_the_same_entries(people: str, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    as_csv = run_cli("audit", "export", "--format", "csv", "--out", out, "--database-url", people)
    as_jsonl = run_cli("audit", "export", "--database-url", people)

    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.stdout == ""
    assert as_csv.stderr.strip() == f"Wrote 4 audit entries to {out}."
    assert not (tmp_path / "audit.csv.partial").exists()
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    lines = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert [row["entry_hash"] for row in table] == [e["entry_hash"] for e in lines]
    assert [json.loads(row["new"]) for row in table] == [e["new"] for e in lines]
    assert table[0]["old"] == "", "no value before is an empty cell"


def test_an_export_keeps_to_the_days_asked_for(people: str) -> None:
    engine = make_engine(people)
    with engine.connect() as connection:
        days = [at.date() for at in connection.scalars(sa.select(tables.audit_entries.c.at))]
    engine.dispose()
    first, last = min(days).isoformat(), max(days).isoformat()

    within = run_cli("audit", "export", "--from", first, "--to", last, "--database-url", people)
    before = run_cli("audit", "export", "--to", "2000-01-01", "--database-url", people)

    assert len(within.stdout.splitlines()) == 4
    assert before.exit_code == 0
    assert before.stdout == ""


def test_a_database_without_the_schema_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run_cli("audit", "verify", "--database-url", url)
    assert_refused(result, 1, "no Control Tower schema", "controltower db upgrade")

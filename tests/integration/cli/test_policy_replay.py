"""``controltower policy replay``: a policy judged on the stored history before it goes live."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from controltower.domain.people import Role
from helpers.cli_runs import database_dump, run_cli, stderr_lines
from helpers.people import add_test_person
from helpers.scanned_demo import load_scanned_demo
from helpers.work import stored_cases

pytestmark = pytest.mark.database

PERIOD = ("--from", "2026-11-01", "--to", "2026-11-30")


def replayed(url: str, policy: Path) -> dict[str, object]:
    result = run_cli("policy", "replay", policy, *PERIOD, "--json", "--database-url", url)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def by(document: dict[str, object], part: str, key: str) -> dict[str, dict[str, dict[str, int]]]:
    rows = document[part]
    assert isinstance(rows, list)
    return {row[key]: row for row in rows}


def test_a_disabled_type_and_a_new_owner_show_beside_the_policy_in_force(
    migrated_database_url: str, tmp_path: Path
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    cases = stored_cases(url, demo.picture_id)
    per_type = Counter(c.type.value for c in cases)
    busiest = per_type.most_common(1)[0][0]
    moved = next(t for t, _ in per_type.most_common() if t not in (busiest, "recurring_exception"))
    moved_case = next(c for c in cases if c.type.value == moved)
    place = moved_case.warehouse or moved_case.company
    # a buyer on the team the candidate policy gives the moved type to
    add_test_person(url, "bea", role=Role.FRONTLINE, teams=[f"replenishment@{place}"])
    policy = tmp_path / "candidate.toml"
    policy.write_text(
        f'[detectors.{busiest}]\nenabled = false\n\n[routing.teams]\n{moved} = "replenishment"\n',
        encoding="utf-8",
    )
    before = database_dump(url)

    document = replayed(url, policy)

    types = by(document, "by_type", "type")
    assert {t: row["in_force"]["cases"] for t, row in types.items()} == dict(per_type)
    assert types[busiest]["replayed"]["cases"] == 0
    assert types[moved]["replayed"]["cases"] == per_type[moved]
    teams = by(document, "by_team", "team")
    moved_here = sum(
        1 for c in cases if c.type.value == moved and (c.warehouse or c.company) == place
    )
    assert teams[f"replenishment@{place}"]["replayed"]["cases"] == moved_here
    assert f"replenishment@{place}" not in {
        t for t, row in teams.items() if row["in_force"]["cases"]
    }
    people = by(document, "by_person", "person")
    assert people["bea"]["in_force"]["cases"] == 0
    assert people["bea"]["replayed"]["cases"] == moved_here
    assert 0 < people["bea"]["replayed"]["notifications"] <= moved_here * 2
    assert database_dump(url) == before, "a replay writes nothing"


def test_the_same_policy_replays_to_the_same_counts(
    migrated_database_url: str, tmp_path: Path
) -> None:
    url = migrated_database_url
    load_scanned_demo(url)
    same = tmp_path / "same.toml"
    same.write_text("# the defaults\n", encoding="utf-8")
    document = replayed(url, same)
    totals = document["totals"]
    assert isinstance(totals, dict)
    assert totals["in_force"] == totals["replayed"]
    assert totals["in_force"]["cases"] > 0
    text = run_cli("policy", "replay", same, *PERIOD, "--database-url", url)
    assert text.exit_code == 0
    assert "By exception type" in text.stdout
    assert "By team" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-11-30", "--to", "2026-11-01"), "is after --to"),
        (("--from", "soon", "--to", "2026-11-01"), "--from: 'soon' is not a date"),
        (("--from", "2025-01-01", "--to", "2026-11-01"), "at most 366 days"),
    ],
)
def test_a_bad_period_is_refused_in_one_line(
    migrated_database_url: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("", encoding="utf-8")
    result = run_cli("policy", "replay", policy, *args, "--database-url", migrated_database_url)
    assert result.exit_code == 2
    assert any(message in line for line in stderr_lines(result)), result.output


def test_a_bad_policy_file_is_refused_with_its_lines(
    migrated_database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text('[sla.response_hours]\nhigh = "soon"\n', encoding="utf-8")
    result = run_cli("policy", "replay", policy, *PERIOD, "--database-url", migrated_database_url)
    assert result.exit_code == 2
    assert any("bad.toml:2: sla.response_hours.high" in line for line in stderr_lines(result))


def test_escalations_follow_the_ladder_and_the_response_targets(
    migrated_database_url: str, tmp_path: Path
) -> None:
    url = migrated_database_url
    load_scanned_demo(url)
    owner_only = tmp_path / "owner_only.toml"
    owner_only.write_text('[escalation]\nladder = ["owner"]\n', encoding="utf-8")
    flat = replayed(url, owner_only)["totals"]
    assert isinstance(flat, dict)
    # nobody acted on the demo's cases: their targets passed long ago, so they climbed
    assert flat["in_force"]["escalations"] > 0
    assert flat["replayed"]["escalations"] == 0, "a ladder of one step never escalates"
    patient = tmp_path / "patient.toml"
    patient.write_text(
        "[sla.response_hours]\ncritical = 2000\nhigh = 2000\nmedium = 2000\nlow = 2000\n"
        "[sla.by_type.expedite_request]\ncritical = 2000\nhigh = 2000\n"
        "[sla.by_type.credit_hold]\ncritical = 2000\n"
        "[sla.by_type.recurring_exception]\nmedium = 2000\nlow = 2000\n",
        encoding="utf-8",
    )
    slow = replayed(url, patient)["totals"]
    assert isinstance(slow, dict)
    assert slow["replayed"]["escalations"] == 0, "targets a year away were never missed"
    assert slow["replayed"]["cases"] == slow["in_force"]["cases"]

"""``controltower user add / set / list / token`` through the real Typer app."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from controltower.cli.user_cmd import register
from controltower.domain.people import Role
from helpers.scanned_demo import anonymous_client, api_client, load_scanned_demo

pytestmark = pytest.mark.database

PASSWORD = "a sturdy enough password"
OTHER_PASSWORD = "another sturdy password"


@pytest.fixture
def app() -> typer.Typer:
    """A bare app holding only the user commands, as the real root app registers them."""
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, url: str, *args: str, stdin: str | None = None) -> Result:
    """``controltower user ARGS --database-url url``, fed ``stdin``."""
    return CliRunner().invoke(app, ["user", *args, "--database-url", url], input=stdin)


def listed(app: typer.Typer, url: str) -> dict[str, dict[str, Any]]:
    result = run(app, url, "list", "--json")
    assert result.exit_code == 0, result.output
    return {person["login"]: person for person in json.loads(result.stdout)}


def signs_in(url: str, login: str, password: str) -> bool:
    """Whether the login form lets ``login`` in with ``password``."""
    with anonymous_client(url) as client:
        answer = client.post(
            "/login", data={"login": login, "password": password}, follow_redirects=False
        )
    status: int = answer.status_code
    return status == 303


def test_adding_a_person_with_a_password_on_stdin_lets_them_sign_in(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    result = run(
        app,
        url,
        "add",
        "Ann",
        "--role",
        "manager",
        "--name",
        "Ann Example",
        "--email",
        "ann@example.com",
        "--password-stdin",
        stdin=PASSWORD + "\nnot read\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added ann (manager, the whole business)" in result.stdout
    assert PASSWORD not in result.output

    ann = listed(app, url)["ann"]
    assert ann["name"] == "Ann Example"
    assert ann["role"] == "manager"
    assert ann["email"] == "ann@example.com"
    assert ann["password_set"] is True
    assert ann["active"] is True
    assert signs_in(url, "ann", PASSWORD)
    assert not signs_in(url, "ann", "not read")


def test_without_a_password_on_stdin_or_a_terminal_the_person_gets_none(
    app: typer.Typer, migrated_database_url: str
) -> None:
    result = run(app, migrated_database_url, "add", "robot", "--role", "auditor", stdin="")
    assert result.exit_code == 0, result.output
    assert "has no password" in result.stdout
    assert listed(app, migrated_database_url)["robot"]["password_set"] is False


def test_a_taken_login_is_refused_in_one_line_whatever_its_case(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    assert run(app, url, "add", "ann", "--role", "manager").exit_code == 0
    again = run(
        app, url, "add", "ANN", "--role", "auditor", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines() == [
        "Error: a user with login 'ann' exists already; change it with `user set`"
    ]
    assert "Traceback" not in again.output
    assert listed(app, url)["ann"]["role"] == "manager"


def test_an_unknown_role_is_refused_listing_every_role(
    app: typer.Typer, migrated_database_url: str
) -> None:
    result = run(app, migrated_database_url, "add", "ann", "--role", "boss")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "'boss' is not a role" in line
    assert all(role.value in line for role in Role)
    assert listed(app, migrated_database_url) == {}


def test_a_short_password_is_refused_and_nobody_is_added(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    result = run(app, url, "add", "ann", "--role", "manager", "--password-stdin", stdin="short\n")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.stderr
    assert "short" not in result.stdout
    empty = run(app, url, "add", "bob", "--role", "manager", "--password-stdin", stdin="\n")
    assert empty.exit_code == 1
    assert "no password" in empty.stderr
    assert listed(app, url) == {}


def test_codes_nobody_knows_are_warnings_naming_what_is_known(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    (company,) = demo.companies
    result = run(
        app,
        url,
        "add",
        "ann",
        "--role",
        "frontline",
        "--warehouse",
        "NOWHERE",
        "--company",
        company,
        "--team",
        "buyers@NOWHERE",
        "--team",
        f"purchasing@{company}",
        "--team",
        "purchasing@ELSEWHERE",
    )
    assert result.exit_code == 0, result.output
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 3, warnings
    assert "no stored picture has warehouse 'NOWHERE'" in warnings[0]
    assert "team 'buyers@NOWHERE' is not one the routing policy uses" in warnings[1]
    for team in ("customer_service", "finance", "planning", "purchasing", "warehouse"):
        assert team in warnings[1]
    assert "'purchasing@ELSEWHERE' is placed at 'ELSEWHERE'" in warnings[2]
    assert company in warnings[2]
    stored = listed(app, url)["ann"]
    assert stored["teams"] == sorted(
        ["buyers@NOWHERE", f"purchasing@{company}", "purchasing@ELSEWHERE"]
    )
    assert stored["scope"] == {
        "companies": [company],
        "warehouses": ["NOWHERE"],
        "description": f"companies {company}; warehouses NOWHERE",
    }


def test_set_changes_only_what_is_given_and_says_what_changed(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    added = run(
        app, url, "add", "ann", "--role", "manager", "--team", "purchasing", "--warehouse", "W1"
    )
    assert added.exit_code == 0, added.output

    result = run(
        app, url, "set", "ann", "--role", "frontline", "--team", "warehouse", "--team", "quality"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Changed ann: role manager -> frontline; teams purchasing -> quality, warehouse."
    )
    ann = listed(app, url)["ann"]
    assert ann["teams"] == ["quality", "warehouse"]
    assert ann["scope"]["warehouses"] == ["W1"]

    cleared = run(app, url, "set", "ann", "--no-teams", "--all-warehouses", "--company", "C1")
    assert cleared.exit_code == 0, cleared.output
    assert "scope warehouses W1 -> companies C1" in cleared.stdout
    assert "teams quality, warehouse -> none" in cleared.stdout
    ann = listed(app, url)["ann"]
    assert ann["teams"] == []
    assert ann["scope"]["warehouses"] is None

    same = run(app, url, "set", "ann", "--role", "frontline")
    assert same.exit_code == 0
    assert "Nothing changed for ann" in same.stdout


def test_set_refuses_contradictions_empty_requests_and_unknown_logins(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    assert run(app, url, "add", "ann", "--role", "manager").exit_code == 0
    both = run(app, url, "set", "ann", "--team", "finance", "--no-teams")
    assert both.exit_code == 2
    assert "--team and --no-teams contradict each other" in both.stderr
    nothing = run(app, url, "set", "ann")
    assert nothing.exit_code == 2
    assert "nothing to change" in nothing.stderr
    missing = run(app, url, "set", "nobody", "--role", "auditor")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "Error: no user with login 'nobody'"


def test_a_new_password_replaces_the_old_one_and_is_never_printed(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    add = run(app, url, "add", "ann", "--role", "manager", "--password-stdin", stdin=PASSWORD)
    assert add.exit_code == 0, add.output
    result = run(app, url, "set", "ann", "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "password replaced" in result.stdout
    for output in (add.output, result.output, run(app, url, "list").output):
        assert PASSWORD not in output
        assert OTHER_PASSWORD not in output
    assert signs_in(url, "ann", OTHER_PASSWORD)
    assert not signs_in(url, "ann", PASSWORD)


def test_a_token_is_printed_alone_works_on_the_api_and_revoke_all_ends_it(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    assert run(app, url, "add", "reader", "--role", "auditor").exit_code == 0

    issued = run(app, url, "token", "reader")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert issued.stdout == token + "\n"
    assert re.fullmatch(r"ct_[A-Za-z0-9_-]{40,}", token)
    assert "shown once" in issued.stderr
    second = run(app, url, "token", "reader").stdout.strip()
    assert second != token

    with api_client(url, token=token) as client:
        pictures = client.get("/api/pictures")
    assert pictures.status_code == 200
    assert [p["picture_id"] for p in pictures.json()] == [demo.picture_id]

    revoked = run(app, url, "token", "reader", "--revoke-all")
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout.strip() == "Revoked 2 API tokens of reader."
    assert token not in revoked.output
    with api_client(url, token=token) as client:
        assert client.get("/api/pictures").status_code == 401
    with api_client(url, token=second) as client:
        assert client.get("/api/pictures").status_code == 401


def test_an_inactive_person_cannot_use_their_token(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    assert run(app, url, "add", "reader", "--role", "auditor").exit_code == 0
    token = run(app, url, "token", "reader").stdout.strip()
    result = run(app, url, "set", "reader", "--inactive")
    assert result.exit_code == 0, result.output
    assert "active yes -> no" in result.stdout
    with api_client(url, token=token) as client:
        assert client.get("/api/pictures").status_code == 401
    assert run(app, url, "set", "reader", "--active").exit_code == 0
    with api_client(url, token=token) as client:
        assert client.get("/api/pictures").status_code == 200


def test_taking_away_the_last_administrator_is_warned_about(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    assert run(app, url, "add", "root", "--role", "administrator").exit_code == 0
    result = run(app, url, "set", "root", "--role", "manager")
    assert result.exit_code == 0, result.output
    assert "no active administrator is left" in result.stderr


def test_the_list_shows_every_column_and_never_reads_markup_in_user_data(
    app: typer.Typer, migrated_database_url: str
) -> None:
    url = migrated_database_url
    empty = run(app, url, "list")
    assert empty.exit_code == 0
    assert "Nobody is stored yet" in empty.stdout
    name = "[bold red]Ann[/] :warning:"
    added = run(
        app,
        url,
        "add",
        "ann",
        "--role",
        "frontline",
        "--name",
        name,
        "--warehouse",
        "W1",
        "--team",
        "warehouse@W1",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert added.exit_code == 0, added.output
    result = run(app, url, "list")
    assert result.exit_code == 0, result.output
    header, _rule, row = result.stdout.splitlines()[:3]
    assert header.split() == [
        "login",
        "name",
        "role",
        "scope",
        "teams",
        "email",
        "active",
        "password",
    ]
    assert name in row
    assert "warehouses W1" in row
    assert "warehouse@W1" in row
    assert row.split()[-2:] == ["yes", "set"]
    assert PASSWORD not in result.output


def test_an_unreachable_database_is_one_line_not_a_traceback(app: typer.Typer) -> None:
    result = run(app, "postgresql://nobody@127.0.0.1:1/nothing", "list")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot use the database at")

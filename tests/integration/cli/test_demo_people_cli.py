"""``controltower demo`` adds people to sign in as, once, with a password it prints once."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner, Result

from controltower.cli.demo_cmd import register
from controltower.demo.generator import generate_business
from controltower.demo.staff import demo_people
from controltower.domain.people import Role
from controltower.policy import load_policy
from controltower.storage import tables
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import Person, list_people
from helpers.scanned_demo import anonymous_client

pytestmark = pytest.mark.database

AS_OF = "2026-11-25"
PASSWORD_LINE = re.compile(r"^Password for each of them: (\S+)", re.MULTILINE)


def run_demo(url: str) -> Result:
    app = typer.Typer()
    register(app)
    arguments = ["--size", "small", "--as-of", AS_OF, "--no-serve", "--database-url", url]
    return CliRunner().invoke(app, arguments)


def stored(url: str) -> tuple[list[Person], set[str]]:
    """The stored people, and the owners of the active cases."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            cases = tables.exception_cases
            owners = session.execute(sa.select(cases.c.owner).distinct()).scalars()
            return list_people(session), set(owners)
    finally:
        engine.dispose()


def sign_in(url: str, login: str, password: str) -> tuple[int, str]:
    """Through the login form: (the answer's status, the page it leads to)."""
    with anonymous_client(url) as client:
        answer = client.post(
            "/login",
            data={"login": login, "password": password, "next": "/my-work"},
            follow_redirects=False,
        )
        if answer.status_code != 303:
            return answer.status_code, ""
        page = client.get(answer.headers["location"])
    assert page.status_code == 200
    return answer.status_code, page.text


def test_the_demo_adds_its_people_once_and_one_of_them_signs_in_with_the_printed_password(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    first = run_demo(url)
    assert first.exit_code == 0, first.output
    match = PASSWORD_LINE.search(first.stdout)
    assert match is not None, first.stdout
    password = match.group(1)
    assert len(password) >= 16
    expected = demo_people(
        generate_business("small", seed=7, as_of=date.fromisoformat(AS_OF)),
        load_policy().routing.teams,
    )
    for demo_person in expected:
        row = rf"^ {re.escape(demo_person.login)}\s+{demo_person.role}\s"
        assert re.search(row, first.stdout, re.M)

    people, owners = stored(url)
    by_login = {person.login: person for person in people}
    assert set(by_login) == {person.login for person in expected}
    assert {person.role for person in people} == set(Role)
    (floor,) = [p for p in people if p.scope.warehouses is not None]
    assert len(floor.scope.warehouses or ()) == 1
    assert floor.role is Role.FRONTLINE
    assert floor.teams
    assert all(
        team.endswith("@" + next(iter(floor.scope.warehouses or ()))) for team in floor.teams
    )
    for person in people:
        if person.teams:
            assert owners & set(person.teams), f"no case is owned by a team of {person.login}"

    second = run_demo(url)
    assert second.exit_code == 0, second.output
    assert "Kept the demo's people already stored" in second.stdout
    assert "Password for" not in second.stdout
    again, _ = stored(url)
    assert again == people

    status, page = sign_in(url, floor.login, password)
    assert status == 303
    assert floor.login in page or floor.name in page
    assert sign_in(url, floor.login, password + "x")[0] == 401


def test_a_demo_person_removed_is_added_back_with_a_new_password_and_the_rest_are_kept(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    first = run_demo(url)
    assert first.exit_code == 0, first.output
    match = PASSWORD_LINE.search(first.stdout)
    assert match is not None
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.delete(tables.users).where(tables.users.c.login == "auditor"))
    finally:
        engine.dispose()

    second = run_demo(url)
    assert second.exit_code == 0, second.output
    renewed = re.search(r"^Password for auditor: (\S+)", second.stdout, re.M)
    assert renewed is not None, second.stdout
    assert renewed.group(1) != match.group(1)
    assert "Kept the demo's people already stored (admin," in second.stdout
    assert sign_in(url, "auditor", renewed.group(1))[0] == 303
    assert sign_in(url, "admin", match.group(1))[0] == 303

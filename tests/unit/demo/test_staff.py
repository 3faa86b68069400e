"""The demo's people follow the business's warehouses and the policy's team names."""

from __future__ import annotations

import re
from datetime import date

from controltower.demo.generator import generate_business
from controltower.demo.staff import demo_people, login_for
from controltower.domain.model import Dataset
from controltower.domain.people import LOGIN_PATTERN, Role
from controltower.policy.model import TeamsSection


def small(seed: int = 7) -> Dataset:
    return generate_business("small", seed=seed, as_of=date(2026, 11, 25))


def test_there_is_one_person_per_role_with_distinct_valid_logins() -> None:
    people = demo_people(small(), TeamsSection())
    logins = [person.login for person in people]
    assert len(set(logins)) == len(logins)
    assert all(re.fullmatch(LOGIN_PATTERN, login) for login in logins)
    assert {person.role for person in people} == set(Role)
    (administrator,) = [p for p in people if p.role is Role.ADMINISTRATOR]
    assert administrator.login == "admin"
    assert administrator.scope.unlimited


def test_the_floor_person_sees_one_warehouse_and_is_on_its_floor_team() -> None:
    business = small()
    first = business.warehouses[0]
    (floor,) = [p for p in demo_people(business, TeamsSection()) if not p.scope.unlimited]
    assert floor.role is Role.FRONTLINE
    assert floor.scope.warehouses == frozenset({first.code})
    assert floor.scope.covers(first.company, first.code)
    assert not floor.scope.covers(first.company, business.warehouses[1].code)
    assert floor.teams == (f"warehouse@{first.code}",)


def test_team_people_are_on_their_team_alone_and_at_every_company_and_warehouse() -> None:
    business = small()
    people = {p.login: p for p in demo_people(business, TeamsSection())}
    places = [*business.companies(), *(w.code for w in business.warehouses)]
    assert people["purchasing.manager"].teams == (
        "purchasing",
        *(f"purchasing@{place}" for place in places),
    )
    assert "finance@" + business.companies()[0] in people["finance.approver"].teams
    assert "customer_service" in people["customer.service"].teams


def test_teams_renamed_by_the_policy_are_the_teams_people_join() -> None:
    teams = TeamsSection(
        supplier_delay="buyers",
        supplier_confirmation_overdue="buyers",
        pick_unassigned="pickers",
    )
    business = small()
    people = {p.login: p for p in demo_people(business, teams)}
    assert people["purchasing.manager"].teams[0] == "buyers"
    assert all(team.startswith("buyers") for team in people["purchasing.manager"].teams)
    floor = next(p for p in people.values() if p.login.startswith("floor."))
    code = business.warehouses[0].code
    assert floor.teams == (f"warehouse@{code}", f"pickers@{code}")


def test_a_business_without_warehouses_has_no_floor_person() -> None:
    people = demo_people(Dataset(), TeamsSection())
    assert not any(p.login.startswith("floor.") for p in people)


def test_a_warehouse_code_of_any_characters_makes_a_valid_login() -> None:
    for code in ("WH-EAST", "Ware house #2", "--", "X" * 100, "ÜBER"):
        login = login_for("floor", code)
        assert re.fullmatch(LOGIN_PATTERN, login), (code, login)
    assert login_for("floor", "WH-EAST") == "floor.wh-east"

"""Roles and scopes: who may do what, over which part of the business."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from controltower.domain.people import (
    ROLE_PERMISSIONS,
    Permission,
    Principal,
    Role,
    Scope,
    normalise_login,
)

CODES = st.sampled_from(["C1", "C2", "WH-EAST", "WH-WEST", "WH-NORTH"])


def person(role: Role, scope: Scope = Scope()) -> Principal:
    return Principal(user_id=1, login="ann", name="Ann", role=role, scope=scope)


def test_every_role_has_permissions_and_only_administrators_manage_people() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    managers = {
        role for role, granted in ROLE_PERMISSIONS.items() if Permission.MANAGE_PEOPLE in granted
    }
    assert managers == {Role.ADMINISTRATOR}


def test_auditors_and_executives_read_but_do_not_work_cases() -> None:
    for role in (Role.AUDITOR, Role.EXECUTIVE, Role.APPROVER):
        assert person(role).may(Permission.VIEW)
        assert not person(role).may(Permission.WORK_CASES)
        assert not person(role).may(Permission.ASSIGN_CASES)
    assert not person(Role.AUDITOR).may(Permission.COMMENT)


def test_frontline_works_cases_but_assigns_only_to_themselves() -> None:
    frontline = person(Role.FRONTLINE)
    assert frontline.may(Permission.WORK_CASES)
    assert not frontline.may(Permission.ASSIGN_CASES)
    assert person(Role.MANAGER).may(Permission.ASSIGN_CASES)


def test_an_unlimited_scope_covers_everything_even_records_without_a_warehouse() -> None:
    assert Scope().covers("C1", "WH-EAST")
    assert Scope().covers("C1", None)
    assert Scope().covers(None, None)
    assert Scope().describe() == "the whole business"


def test_a_warehouse_scope_excludes_company_level_records_and_other_warehouses() -> None:
    east = Scope.of(warehouses=["WH-EAST"])
    assert east.covers("C1", "WH-EAST")
    assert not east.covers("C1", "WH-WEST")
    assert not east.covers("C1", None)
    assert east.covers_company("C2")  # no company limit


def test_a_company_scope_excludes_other_companies_whatever_the_warehouse() -> None:
    c1 = Scope.of(companies=["C1"])
    assert c1.covers("C1", None)
    assert not c1.covers("C2", "WH-EAST")
    assert not c1.covers(None, "WH-EAST")
    assert c1.describe() == "companies C1"


@given(
    companies=st.frozensets(CODES, max_size=3),
    warehouses=st.frozensets(CODES, max_size=3),
    company=st.none() | CODES,
    warehouse=st.none() | CODES,
)
def test_covering_is_the_conjunction_of_both_limits(
    companies: frozenset[str],
    warehouses: frozenset[str],
    company: str | None,
    warehouse: str | None,
) -> None:
    scope = Scope.of(companies, warehouses)
    company_ok = not companies or company in companies
    warehouse_ok = not warehouses or warehouse in warehouses
    assert scope.covers(company, warehouse) == (company_ok and warehouse_ok)


def test_logins_compare_without_case_or_blanks() -> None:
    assert normalise_login("  Ann.Smith ") == "ann.smith"

"""People: who may do what, and over which part of the business.

A person has one role (what they may do) and a scope (which companies and warehouses
they may see and change). Both are plain data here so every layer asks the same
questions the same way: :meth:`Principal.may` for an action, :meth:`Scope.covers` for a
record. Storage turns a scope into SQL with the same rule (``storage/visibility.py``).

The scope rule, in words: a person limited to companies sees what belongs to those
companies; a person limited to warehouses sees what happens at those warehouses (and
nothing filed at company level only, such as a customer's credit hold, which has no
warehouse). No limit means the whole business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Role(StrEnum):
    """What a person does in the business; decides what they may do (``ROLE_PERMISSIONS``)."""

    EXECUTIVE = "executive"
    MANAGER = "manager"
    FRONTLINE = "frontline"
    APPROVER = "approver"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


class Permission(StrEnum):
    """One thing a person may do; every page, endpoint and command needs one."""

    #: read pages, lists and the API within scope
    VIEW = "view"
    #: export lists as CSV or Excel
    EXPORT = "export"
    #: comment on a case
    COMMENT = "comment"
    #: acknowledge, take, start, snooze, resolve and reopen cases
    WORK_CASES = "work_cases"
    #: assign a case to somebody else, and act on a selection of cases at once
    ASSIGN_CASES = "assign_cases"
    #: add and change people, issue tokens
    MANAGE_PEOPLE = "manage_people"
    #: ask for a governed action (change a promised date, transfer stock...)
    REQUEST_ACTIONS = "request_actions"
    #: approve or reject another person's request, as the policy allows
    APPROVE_ACTIONS = "approve_actions"
    #: read the audit trail
    VIEW_AUDIT = "view_audit"


_READ: Final = frozenset({Permission.VIEW, Permission.EXPORT})

#: the permissions of each role; administrators may do everything
ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.EXECUTIVE: _READ | {Permission.COMMENT, Permission.APPROVE_ACTIONS},
    Role.MANAGER: _READ
    | {
        Permission.COMMENT,
        Permission.WORK_CASES,
        Permission.ASSIGN_CASES,
        Permission.REQUEST_ACTIONS,
        Permission.APPROVE_ACTIONS,
    },
    Role.FRONTLINE: _READ | {Permission.COMMENT, Permission.WORK_CASES, Permission.REQUEST_ACTIONS},
    Role.APPROVER: _READ | {Permission.COMMENT, Permission.APPROVE_ACTIONS},
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.AUDITOR: _READ | {Permission.VIEW_AUDIT},
}


@dataclass(frozen=True, slots=True)
class Scope:
    """The companies and warehouses a person may see; None means "no limit"."""

    companies: frozenset[str] | None = None
    warehouses: frozenset[str] | None = None

    @classmethod
    def of(cls, companies: Iterable[str] = (), warehouses: Iterable[str] = ()) -> Scope:
        """A scope from lists, an empty list meaning no limit on that axis."""
        company_set, warehouse_set = frozenset(companies), frozenset(warehouses)
        return cls(company_set or None, warehouse_set or None)

    @property
    def unlimited(self) -> bool:
        return self.companies is None and self.warehouses is None

    def covers_company(self, company: str | None) -> bool:
        """True when ``company`` is within the company limit (no company: only unlimited)."""
        if self.companies is None:
            return True
        return company is not None and company in self.companies

    def covers(self, company: str | None, warehouse: str | None) -> bool:
        """True when a record of ``company`` at ``warehouse`` is within this scope.

        A record with no warehouse (filed at company level) is outside a warehouse limit.
        """
        if not self.covers_company(company):
            return False
        if self.warehouses is None:
            return True
        return warehouse is not None and warehouse in self.warehouses

    def describe(self) -> str:
        """The scope in words, for lists and messages."""
        parts = []
        if self.companies is not None:
            parts.append("companies " + ", ".join(sorted(self.companies)))
        if self.warehouses is not None:
            parts.append("warehouses " + ", ".join(sorted(self.warehouses)))
        return "; ".join(parts) if parts else "the whole business"


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in person, as every request and action sees them."""

    user_id: int
    login: str
    name: str
    role: Role
    scope: Scope
    teams: frozenset[str] = frozenset()

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def sees(self, company: str | None, warehouse: str | None) -> bool:
        return self.scope.covers(company, warehouse)


def normalise_login(login: str) -> str:
    """Logins compare without case and surrounding blanks (``Ann`` signs in as ``ann``)."""
    return login.strip().lower()


#: what a login may contain: letters, digits and ``._@-``, 1 to 64 characters
LOGIN_PATTERN: Final = r"^[a-z0-9][a-z0-9._@-]{0,63}$"

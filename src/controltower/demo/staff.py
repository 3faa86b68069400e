"""The people the demo business is tried with: one per kind of work, on the right teams.

The demo's scan opens cases owned by teams placed where each exception lives
(``purchasing@LDS``, ``finance@NORDEL``, a bare ``purchasing`` for a root-cause
review; see ``docs/policy.md``). So that those queues have somebody in them, the demo's
people are derived from the generated business (its companies and warehouses) and the
team names of the routing policy in force rather than written down once: a policy that
renames a team, or a size with other warehouses, still gives people whose work lists
are full.

Only who they are is decided here; the command that loads the demo stores them, with
one fresh password that it prints once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from controltower.domain.cases import ExceptionType
from controltower.domain.model import Dataset, Warehouse
from controltower.domain.people import LOGIN_PATTERN, Role, Scope
from controltower.policy.model import TeamsSection

#: the exception types a warehouse floor works: the floor person joins their teams
FLOOR_TYPES: Final = (
    ExceptionType.INBOUND_NOT_PUT_AWAY,
    ExceptionType.DAMAGED_RECEIPT,
    ExceptionType.PICK_UNASSIGNED,
    ExceptionType.PICKING_BOTTLENECK,
)
PURCHASING_TYPES: Final = (
    ExceptionType.SUPPLIER_CONFIRMATION_OVERDUE,
    ExceptionType.SUPPLIER_DELAY,
)
CUSTOMER_SERVICE_TYPES: Final = (
    ExceptionType.ORDER_AT_RISK,
    ExceptionType.EXPEDITE_REQUEST,
    ExceptionType.RETURN_PENDING_APPROVAL,
)
FINANCE_TYPES: Final = (
    ExceptionType.CREDIT_HOLD,
    ExceptionType.INVOICE_BLOCKED,
    ExceptionType.PRICING_VARIANCE,
)


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """Someone to sign in as: login, role, scope (empty lists: no limit) and teams."""

    login: str
    name: str
    role: Role
    teams: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    warehouses: tuple[str, ...] = ()

    @property
    def scope(self) -> Scope:
        return Scope.of(self.companies, self.warehouses)


def demo_people(dataset: Dataset, teams: TeamsSection) -> tuple[DemoPerson, ...]:
    """The demo's people for ``dataset`` under the routing policy's ``teams``.

    The administrator, the executive and the auditor see everything and own nothing;
    the purchasing manager, the customer-service person and the finance approver are
    on their teams wherever those can be placed; the floor person sees only the first
    warehouse and is on the floor's teams placed there.
    """
    places = (*dataset.companies(), *(w.code for w in dataset.warehouses))
    people = [
        DemoPerson("admin", "Demo administrator", Role.ADMINISTRATOR),
        DemoPerson("executive", "Demo executive", Role.EXECUTIVE),
        DemoPerson(
            "purchasing.manager",
            "Purchasing manager",
            Role.MANAGER,
            teams=placed_everywhere(teams_owning(teams, PURCHASING_TYPES), places),
        ),
        DemoPerson(
            "customer.service",
            "Customer service",
            Role.FRONTLINE,
            teams=placed_everywhere(teams_owning(teams, CUSTOMER_SERVICE_TYPES), places),
        ),
        DemoPerson(
            "finance.approver",
            "Finance approver",
            Role.APPROVER,
            teams=placed_everywhere(teams_owning(teams, FINANCE_TYPES), places),
        ),
        DemoPerson("auditor", "Demo auditor", Role.AUDITOR),
    ]
    if dataset.warehouses:
        people.insert(3, floor_person(dataset.warehouses[0], teams))
    return tuple(people)


def floor_person(warehouse: Warehouse, teams: TeamsSection) -> DemoPerson:
    """A frontline person of one warehouse, on the floor teams placed at it."""
    owning = teams_owning(teams, FLOOR_TYPES)
    return DemoPerson(
        login=login_for("floor", warehouse.code),
        name=f"Warehouse floor, {warehouse.name or warehouse.code}",
        role=Role.FRONTLINE,
        teams=tuple(f"{team}@{warehouse.code}" for team in owning),
        companies=(warehouse.company,),
        warehouses=(warehouse.code,),
    )


def teams_owning(teams: TeamsSection, types: Iterable[ExceptionType]) -> tuple[str, ...]:
    """The distinct teams the policy gives ``types`` to, in the order first met."""
    found: dict[str, None] = {}
    for type_ in types:
        team = teams.team_for(type_)
        if team is not None:
            found[team] = None
    return tuple(found)


def placed_everywhere(teams: Sequence[str], places: Sequence[str]) -> tuple[str, ...]:
    """Each team bare (where root-cause reviews go) and at every company and warehouse."""
    return tuple(placed for team in teams for placed in (team, *(f"{team}@{p}" for p in places)))


def login_for(role_word: str, code: str) -> str:
    """``floor.lds`` for warehouse ``LDS``: a valid login whatever characters a code has."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", code.lower()).strip("._-") or "site"
    login = f"{role_word}.{slug}"[:64]
    assert re.fullmatch(LOGIN_PATTERN, login), login
    return login

"""The people of the business, as the ERP logins that appear on its documents.

Sales orders carry a salesperson from the branch's inside-sales desk, POs a category
buyer, picks a picker of the warehouse, customers an account owner. Team sizes grow
with the business so a million-line business does not hang on four pickers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from controltower.demo.catalogue import STAFF_FIRST_NAMES, STAFF_LAST_NAMES
from controltower.demo.sizes import BusinessSize


@dataclass(frozen=True, slots=True)
class Staff:
    """Logins by role; ``sales_desks`` and ``pickers`` are indexed by warehouse."""

    sales_desks: tuple[tuple[str, ...], ...]
    pickers: tuple[tuple[str, ...], ...]
    buyers: tuple[str, ...]
    account_managers: tuple[str, ...]


def _login(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace("'", "")


def hire_staff(rng: np.random.Generator, size: BusinessSize) -> Staff:
    """Distinct logins for every role, drawn from the catalogue's names."""
    scale = max(1.0, math.log10(size.open_order_lines / 500))
    desk_size = round(2 * scale)
    picker_team = round(4 * scale)
    buyer_team = round(4 * scale)
    manager_team = round(3 * scale)
    needed = size.warehouses * (desk_size + picker_team) + buyer_team + manager_team
    everyone = [_login(f, last) for f in STAFF_FIRST_NAMES for last in STAFF_LAST_NAMES]
    if needed > len(everyone):  # pragma: no cover - the catalogue has 600 names
        raise ValueError(f"the catalogue has {len(everyone)} staff names, {needed} are needed")
    chosen = [everyone[i] for i in rng.choice(len(everyone), size=needed, replace=False)]
    taken = iter(chosen)

    def team(n: int) -> tuple[str, ...]:
        return tuple(next(taken) for _ in range(n))

    return Staff(
        sales_desks=tuple(team(desk_size) for _ in range(size.warehouses)),
        pickers=tuple(team(picker_team) for _ in range(size.warehouses)),
        buyers=team(buyer_team),
        account_managers=team(manager_team),
    )

"""The warehouse network: sites, transfer lanes and picking capacity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from controltower.demo.catalogue import CAPACITY_BOUND_SITE, TRANSIT_DAYS, WAREHOUSE_SITES

#: capacity of a comfortable warehouse, as a multiple of its open order lines
_COMFORTABLE_CAPACITY = 1.15
#: capacity of the tight warehouse, as a share of its open order lines: the backlog takes
#: about two days to pick, so some lines slip a day (mostly still before their promise)
_TIGHT_CAPACITY = 0.55


@dataclass(frozen=True, slots=True)
class Network:
    """The first ``n`` sites of the catalogue; index 0 is the central DC."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    demand_share: np.ndarray
    range_coverage: np.ndarray

    @property
    def size(self) -> int:
        return len(self.codes)

    def index_of(self, code: str) -> int:
        return self.codes.index(code)

    def lanes(self) -> list[tuple[str, str, int]]:
        """(from, to, transit days) both ways for every catalogued pair in the network."""
        present = set(self.codes)
        lanes: list[tuple[str, str, int]] = []
        for (a, b), days in TRANSIT_DAYS.items():
            if a in present and b in present:
                lanes.append((a, b, days))
                lanes.append((b, a, days))
        return sorted(lanes)

    def transit_days(self, from_code: str, to_code: str) -> int | None:
        for a, b, days in self.lanes():
            if (a, b) == (from_code, to_code):
                return days
        return None

    def capacity_bound_index(self) -> int:
        """The warehouse short of pickers: the catalogued one if open, else the smallest."""
        if CAPACITY_BOUND_SITE in self.codes:
            return self.index_of(CAPACITY_BOUND_SITE)
        return self.size - 1

    def pick_capacities(self, open_lines: np.ndarray) -> list[int]:
        """Lines a day each warehouse can pick, sized on its open order lines.

        Every warehouse but one picks comfortably more than its open book in a day; the
        capacity-bound one picks about half, so its backlog spills over the next days.
        """
        tight = self.capacity_bound_index()
        capacities: list[int] = []
        for index, lines in enumerate(open_lines.tolist()):
            if index == tight:
                capacities.append(max(10, 10 * round(lines * _TIGHT_CAPACITY / 10)))
            else:
                capacities.append(max(50, 50 * math.ceil(lines * _COMFORTABLE_CAPACITY / 50)))
        return capacities


def open_network(warehouses: int) -> Network:
    """The network of the first ``warehouses`` catalogued sites."""
    sites = WAREHOUSE_SITES[:warehouses]
    shares = np.array([s.demand_share for s in sites])
    return Network(
        codes=tuple(s.code for s in sites),
        names=tuple(s.name for s in sites),
        demand_share=shares / shares.sum(),
        range_coverage=np.array([s.range_coverage for s in sites]),
    )

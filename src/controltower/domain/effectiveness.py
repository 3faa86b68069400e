"""Alert effectiveness: whether the cases a rule raised were worth raising.

Every case ends up in one of four outcomes, judged from its timeline:

- **acted on**: a person did something to it (acknowledged, started, assigned,
  commented, snoozed, resolved or reopened it; anything but the scans' own entries);
- **cleared by itself**: nobody touched it and the scans resolved it because its
  condition went away;
- **ignored**: nobody touched it, it is still there (or was closed without a word) and
  its response target has passed;
- **pending**: nobody touched it yet and its response target has not passed: too early
  to judge, so it counts in neither column.

A rule whose cases mostly clear by themselves or are ignored is noise: it raises work
nobody does. Its *noise share* is (cleared by itself + ignored) / judged, where judged
leaves the pending ones out. The counts are made in SQL (``storage/queries/
effectiveness.py``); this module names the rule once for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from controltower.domain.cases import SYSTEM_ACTOR, EventKind, ExceptionType

__all__ = [
    "PERSON_EVENT_KINDS",
    "SYSTEM_ACTOR",
    "EffectivenessRow",
    "Outcome",
]


class Outcome(StrEnum):
    ACTED_ON = "acted_on"
    CLEARED_BY_ITSELF = "cleared_by_itself"
    IGNORED = "ignored"
    PENDING = "pending"


#: timeline entries that mean a person acted (when ``by`` is not the system)
PERSON_EVENT_KINDS: Final = frozenset(
    {
        EventKind.ACKNOWLEDGED,
        EventKind.WORK_STARTED,
        EventKind.ASSIGNED,
        EventKind.COMMENTED,
        EventKind.SNOOZED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
        EventKind.APPROVAL_REQUESTED,
        EventKind.APPROVAL_DECIDED,
    }
)


@dataclass(frozen=True, slots=True)
class EffectivenessRow:
    """The outcomes of the cases one rule raised (a type, or a type routed to one owner)."""

    type: ExceptionType
    #: the owning team the routing rule sent the cases to; None on a per-type row
    owner: str | None
    total: int
    acted_on: int
    cleared_by_itself: int
    ignored: int

    @property
    def pending(self) -> int:
        return self.total - self.acted_on - self.cleared_by_itself - self.ignored

    @property
    def judged(self) -> int:
        return self.total - self.pending

    @property
    def noise_share(self) -> Decimal | None:
        """(cleared by itself + ignored) / judged, as a percentage to one decimal; None
        when nothing can be judged yet."""
        if self.judged == 0:
            return None
        share = Decimal(100 * (self.cleared_by_itself + self.ignored)) / Decimal(self.judged)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

"""Warnings about the codes a person is given: unknown warehouses, companies and teams.

They are warnings, not errors: people are often added before the data that names their
warehouses arrives, and a team may be set up before the policy routes anything to it.
But a typo in a scope or a team silently leaves somebody with nothing to see or nothing
to do, so each one is named, with what would have been recognised.

A team is recognised in the form the routing policy places owners in (``docs/policy.md``):
a team of ``[routing.teams]`` or of a routing rule, alone (``purchasing``) or placed at a
warehouse or company (``purchasing@WH-EAST``); or an owner a rule names as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controltower.policy import Policy


@dataclass(frozen=True, slots=True)
class KnownCodes:
    """What the stored pictures and the policy know of."""

    warehouses: frozenset[str]
    companies: frozenset[str]
    #: the team names the routing policy places owners from
    teams: frozenset[str]
    #: owners the routing rules name as written (a person or a queue)
    owners: frozenset[str]


def routing_names(policy: Policy) -> tuple[frozenset[str], frozenset[str]]:
    """(team names, owners named as written) of the policy's routing."""
    routing = policy.routing
    teams = {str(team) for team in routing.teams.model_dump().values() if team}
    teams |= {rule.team for rule in routing.rules if rule.team is not None}
    owners = {rule.owner for rule in routing.rules if rule.owner is not None}
    return frozenset(teams), frozenset(owners)


def code_warnings(
    known: KnownCodes,
    *,
    warehouses: Iterable[str] = (),
    companies: Iterable[str] = (),
    teams: Iterable[str] = (),
) -> list[str]:
    """One sentence per code given that ``known`` does not recognise."""
    warnings = [
        _unknown_place("warehouse", code, known.warehouses)
        for code in _distinct(warehouses)
        if code not in known.warehouses
    ]
    warnings += [
        _unknown_place("company", code, known.companies)
        for code in _distinct(companies)
        if code not in known.companies
    ]
    for team in _distinct(teams):
        warning = team_warning(team, known)
        if warning is not None:
            warnings.append(warning)
    return warnings


def team_warning(team: str, known: KnownCodes) -> str | None:
    """Why ``team`` will probably never own a case, or None when it fits the policy."""
    if team in known.owners:
        return None
    name, placed, place = team.partition("@")
    if name not in known.teams:
        return (
            f"team {team!r} is not one the routing policy uses: cases go to a team of "
            f"{_listed(known.teams)}, alone or placed as team@WAREHOUSE or team@COMPANY"
        )
    if placed and place not in known.warehouses | known.companies:
        return (
            f"team {team!r} is placed at {place!r}, which no stored picture has as a warehouse "
            f"or company (known: {_listed(known.warehouses | known.companies)})"
        )
    return None


def _unknown_place(kind: str, code: str, known: frozenset[str]) -> str:
    return (
        f"no stored picture has {kind} {code!r} (known: {_listed(known)}); "
        "it is kept, for data that has not arrived yet"
    )


def _listed(codes: Iterable[str]) -> str:
    ordered = sorted(codes)
    return ", ".join(ordered) if ordered else "none yet"


def _distinct(codes: Iterable[str]) -> Sequence[str]:
    return list(dict.fromkeys(code.strip() for code in codes))

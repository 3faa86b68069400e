"""Who the business trades with: suppliers (with a hidden reliability profile) and
customers (with a tier, a home branch, an appetite and a payment habit).

The hidden traits are what make the data tell the truth about people: a supplier's
profile drives how late its POs run, how long it takes to confirm and how often its
deliveries arrive damaged, so a vendor scorecard computed from the generated history
finds the suppliers the generator made unreliable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np

from controltower.demo.catalogue import (
    CUSTOMER_PLACES,
    CUSTOMER_SURNAMES,
    CUSTOMER_WORDS,
    FAMILIES,
    KEY_CUSTOMER_PATTERNS,
    STANDARD_CUSTOMER_PATTERNS,
    STRATEGIC_CUSTOMER_PATTERNS,
    SUPPLIER_NAME_STEMS,
    SUPPLIER_NAME_SUFFIXES,
    SUPPLIER_SPECIALTY_WORDS,
)
from controltower.demo.network import Network
from controltower.demo.people import Staff

#: supplier specialties in catalogue order
SPECIALTIES: Final[tuple[str, ...]] = tuple(dict.fromkeys(f.specialty for f in FAMILIES))

#: (min, max) lead days a supplier of each specialty quotes
_LEAD_DAYS: Final[dict[str, tuple[int, int]]] = {
    "cable": (3, 7),
    "protection": (5, 12),
    "switchgear": (7, 21),
    "containment": (3, 8),
    "connectors": (4, 10),
    "accessories": (5, 14),
    "lighting": (10, 35),
    "ev": (7, 21),
    "fixings": (3, 7),
}


@dataclass(frozen=True, slots=True)
class Archetype:
    """A kind of supplier behaviour: chance a delivery is late and by how much, days to
    confirm a PO and the chance it never does, chance a delivery arrives damaged."""

    name: str
    share: float
    late_rate: float
    mean_delay_days: float
    confirm_days: float
    unconfirmed_rate: float
    damage_rate: float


ARCHETYPES: Final[tuple[Archetype, ...]] = (
    Archetype("reliable", 0.45, 0.06, 2.0, 1.0, 0.03, 0.01),
    Archetype("late", 0.20, 0.50, 7.0, 2.0, 0.08, 0.015),
    Archetype("slow_confirmer", 0.20, 0.20, 3.0, 7.0, 0.35, 0.015),
    Archetype("damage_prone", 0.15, 0.12, 3.0, 1.5, 0.05, 0.12),
)
ARCHETYPE_INDEX: Final = {a.name: i for i, a in enumerate(ARCHETYPES)}

TIER_STRATEGIC, TIER_KEY, TIER_STANDARD = 0, 1, 2

_STRATEGIC_SHARE: Final = 0.015
_KEY_SHARE: Final = 0.14
#: how much more a customer of each tier (strategic, key, standard) buys
_APPETITE_BY_TIER: Final = np.array([8.0, 3.0, 1.0])
_ACCEPTS_PARTIAL_BY_TIER: Final = np.array([0.7, 0.5, 0.3])
_CREDIT_HOLD_SHARE: Final = 0.015
_LATE_PAYER_SHARE: Final = 0.015


@dataclass(slots=True)
class SupplierBook:
    """Suppliers as parallel arrays; the profile arrays are the hidden truth."""

    codes: list[str]
    names: list[str]
    specialty: np.ndarray
    lead_days: np.ndarray  # -1: not given
    share: np.ndarray
    archetype: np.ndarray
    late_rate: np.ndarray
    mean_delay_days: np.ndarray
    confirm_days: np.ndarray
    unconfirmed_rate: np.ndarray
    damage_rate: np.ndarray

    @property
    def size(self) -> int:
        return len(self.codes)

    def effective_lead_days(self) -> np.ndarray:
        """Lead days, with the specialty's middle value where the supplier gave none."""
        fallback = np.array([sum(_LEAD_DAYS[SPECIALTIES[s]]) // 2 for s in self.specialty.tolist()])
        return np.where(self.lead_days >= 0, self.lead_days, fallback)

    def make_archetype(self, index: int, archetype: str) -> None:
        """Give supplier ``index`` the untouched profile of ``archetype`` (for the story)."""
        profile = ARCHETYPES[ARCHETYPE_INDEX[archetype]]
        self.archetype[index] = ARCHETYPE_INDEX[archetype]
        self.late_rate[index] = profile.late_rate
        self.mean_delay_days[index] = profile.mean_delay_days
        self.confirm_days[index] = profile.confirm_days
        self.unconfirmed_rate[index] = profile.unconfirmed_rate
        self.damage_rate[index] = profile.damage_rate


def _unique(name: str, taken: set[str], qualifiers: list[str]) -> str:
    """``name``, or it qualified by the first qualifier (then a number) that is free."""
    if name not in taken:
        taken.add(name)
        return name
    for qualifier in itertools.chain(qualifiers, (str(n) for n in itertools.count(2))):
        candidate = f"{name} ({qualifier})"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover - count() never ends


def sign_suppliers(rng: np.random.Generator, count: int) -> SupplierBook:
    """``count`` suppliers covering every specialty, with profiles of every archetype."""
    family_mass = np.zeros(len(SPECIALTIES))
    for family in FAMILIES:
        family_mass[SPECIALTIES.index(family.specialty)] += family.popularity
    specialty = np.concatenate(
        [
            np.arange(len(SPECIALTIES)),
            rng.choice(
                len(SPECIALTIES),
                size=max(0, count - len(SPECIALTIES)),
                p=family_mass / family_mass.sum(),
            ),
        ]
    )[:count]
    shares = np.array([a.share for a in ARCHETYPES])
    archetype = rng.choice(len(ARCHETYPES), size=count, p=shares)
    archetype[rng.permutation(count)[: len(ARCHETYPES)]] = np.arange(len(ARCHETYPES))[
        : min(count, len(ARCHETYPES))
    ]

    def jittered(values: list[float], spread: float) -> np.ndarray:
        base = np.array(values)[archetype]
        return np.asarray(base * rng.lognormal(0.0, spread, size=count))

    late_rate = np.clip(jittered([a.late_rate for a in ARCHETYPES], 0.3), 0.0, 0.9)
    mean_delay = jittered([a.mean_delay_days for a in ARCHETYPES], 0.25)
    confirm_days = jittered([a.confirm_days for a in ARCHETYPES], 0.3)
    unconfirmed = np.clip(jittered([a.unconfirmed_rate for a in ARCHETYPES], 0.3), 0.0, 0.8)
    damage = np.clip(jittered([a.damage_rate for a in ARCHETYPES], 0.3), 0.0, 0.5)

    lows = np.array([_LEAD_DAYS[SPECIALTIES[s]][0] for s in specialty])
    highs = np.array([_LEAD_DAYS[SPECIALTIES[s]][1] for s in specialty])
    lead_days = rng.integers(lows, highs + 1)
    lead_days[rng.random(count) < 0.05] = -1

    taken: set[str] = set()
    names = []
    for s in specialty.tolist():
        stem = SUPPLIER_NAME_STEMS[int(rng.integers(len(SUPPLIER_NAME_STEMS)))]
        words = SUPPLIER_SPECIALTY_WORDS[SPECIALTIES[s]]
        word = words[int(rng.integers(len(words)))]
        suffix = SUPPLIER_NAME_SUFFIXES[int(rng.integers(len(SUPPLIER_NAME_SUFFIXES)))]
        names.append(_unique(f"{stem} {word} {suffix}", taken, []))
    width = max(4, len(str(count)))
    return SupplierBook(
        codes=[f"SUP-{n:0{width}d}" for n in range(1, count + 1)],
        names=names,
        specialty=specialty,
        lead_days=lead_days,
        share=rng.lognormal(0.0, 0.7, size=count),
        archetype=archetype,
        late_rate=late_rate,
        mean_delay_days=mean_delay,
        confirm_days=confirm_days,
        unconfirmed_rate=unconfirmed,
        damage_rate=damage,
    )


@dataclass(slots=True)
class CustomerBook:
    """Customers as parallel arrays, with the traits that shape their orders and money."""

    codes: list[str]
    names: list[str]
    tier: np.ndarray
    home: np.ndarray
    activity: np.ndarray
    accepts_partial: np.ndarray
    account_owner: list[str | None]
    credit_hold: np.ndarray
    late_payer: np.ndarray

    @property
    def size(self) -> int:
        return len(self.codes)


def _customer_name(rng: np.random.Generator, patterns: tuple[str, ...]) -> str:
    def pick(words: tuple[str, ...]) -> str:
        return words[int(rng.integers(len(words)))]

    pattern = pick(patterns)
    surname = pick(CUSTOMER_SURNAMES)
    surname2 = pick(tuple(s for s in CUSTOMER_SURNAMES if s != surname))
    return pattern.format(
        surname=surname, surname2=surname2, place=pick(CUSTOMER_PLACES), word=pick(CUSTOMER_WORDS)
    )


def open_accounts(
    rng: np.random.Generator, count: int, network: Network, staff: Staff
) -> CustomerBook:
    """``count`` customers: a few strategic, more key, mostly standard trade accounts.

    About 1.5% are on credit hold and 1.5% pay late enough (over 30 days) to be blocked;
    strategic accounts are spared both (the story puts one on hold deliberately).
    """
    strategic = max(3, round(_STRATEGIC_SHARE * count))
    key = max(3, round(_KEY_SHARE * count))
    tier = np.full(count, TIER_STANDARD)
    order = rng.permutation(count)
    tier[order[:strategic]] = TIER_STRATEGIC
    tier[order[strategic : strategic + key]] = TIER_KEY

    activity = rng.lognormal(0.0, 0.9, size=count) * _APPETITE_BY_TIER[tier]
    home = rng.choice(network.size, size=count, p=network.demand_share)
    accepts_partial = rng.random(count) < _ACCEPTS_PARTIAL_BY_TIER[tier]

    owners = staff.account_managers
    has_owner = (tier != TIER_STANDARD) | (rng.random(count) < 0.7)
    owner_pick = rng.integers(len(owners), size=count)
    account_owner: list[str | None] = [
        owners[o] if h else None
        for o, h in zip(owner_pick.tolist(), has_owner.tolist(), strict=True)
    ]

    # trouble finds the smaller trade accounts: a big account on hold is the story's job
    trade = np.flatnonzero(tier != TIER_STRATEGIC)
    modest = trade[activity[trade] <= np.quantile(activity[trade], 0.8)]
    troubled = rng.permutation(modest)
    holds = max(1, round(_CREDIT_HOLD_SHARE * count))
    late = max(1, round(_LATE_PAYER_SHARE * count))
    credit_hold = np.zeros(count, dtype=bool)
    late_payer = np.zeros(count, dtype=bool)
    credit_hold[troubled[:holds]] = True
    late_payer[troubled[holds : holds + late]] = True

    patterns = {
        TIER_STRATEGIC: STRATEGIC_CUSTOMER_PATTERNS,
        TIER_KEY: KEY_CUSTOMER_PATTERNS,
        TIER_STANDARD: STANDARD_CUSTOMER_PATTERNS,
    }
    taken: set[str] = set()
    names = []
    for t, h in zip(tier.tolist(), home.tolist(), strict=True):
        branch_town = network.names[h].split()[0]
        names.append(_unique(_customer_name(rng, patterns[t]), taken, [branch_town]))
    width = max(5, len(str(count)))
    return CustomerBook(
        codes=[f"C{n:0{width}d}" for n in range(1, count + 1)],
        names=names,
        tier=tier,
        home=home,
        activity=activity,
        accepts_partial=accepts_partial,
        account_owner=account_owner,
        credit_hold=credit_hold,
        late_payer=late_payer,
    )

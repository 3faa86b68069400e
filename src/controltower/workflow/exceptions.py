"""Routed exceptions: a finding with the owner and deadline the policy gives it.

This is where detectors and the policy meet: the detectors find, the policy says who
owns each finding and by when. The result is a list of :class:`ExceptionRecord`,
what the stateless ``scan --json`` prints and what case reconciliation consumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from controltower.detectors.base import Finding
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.model import Tier
from controltower.policy.model import Policy
from controltower.policy.routing import Router


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """One routed exception: a finding with its owner and response deadline."""

    type: ExceptionType
    subject: str
    severity: Severity
    owner: str
    due_at: datetime
    value_at_risk: Decimal
    value_basis: str
    explanation: str
    cause: str
    related: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    warehouse: str | None = None
    company: str | None = None
    customer_tier: Tier | None = None
    #: the ``[routing.teams]`` entry the finding named instead of its type's
    routing: str | None = None
    #: the type whose team owns it (its own, or a recurring review's)
    routed_as: ExceptionType | None = None


@dataclass(frozen=True, slots=True)
class RoutingFacts:
    """What routing read of a finding beyond what its case keeps (its customer's tier,
    the ``[routing.teams]`` entry it named, the type whose team owns it), kept so a
    policy can be replayed on the history."""

    customer_tier: Tier | None
    routing: str | None
    routed_as: ExceptionType


def routing_facts(
    records: Sequence[ExceptionRecord],
) -> dict[tuple[ExceptionType, str], RoutingFacts]:
    """Each record's :class:`RoutingFacts`, by its (type, subject).

    A handful of distinct facts serve half a million records on a crisis day: equal
    facts are one object, so the records can be let go before the cases are saved.
    """
    shared: dict[RoutingFacts, RoutingFacts] = {}
    facts: dict[tuple[ExceptionType, str], RoutingFacts] = {}
    for record in records:
        fact = RoutingFacts(record.customer_tier, record.routing, record.routed_as or record.type)
        facts[(record.type, record.subject)] = shared.setdefault(fact, fact)
    return facts


def routed_records(
    findings: Sequence[Finding],
    policy: Policy,
    *,
    detected_at: datetime,
    zone: tzinfo | None = None,
) -> list[ExceptionRecord]:
    """``findings`` routed (owner and deadline), sorted by type then subject.

    ``detected_at`` is a wall time, in ``zone`` when given (the deadlines are then
    moments in it); without ``zone`` it is read as the policy's ``clock.timezone`` reads
    it (see :func:`~controltower.policy.routing.add_business_hours`).

    Equal texts, tuples and deadlines are one object across the records
    (:class:`SharedValues`): the detectors make each finding's own, and a crisis day's
    half a million records, and the cases made of them, would otherwise hold some 150 MB
    of copies (the order subjects that many findings relate to, the entities, the causes).
    """
    start = detected_at if zone is None else detected_at.replace(tzinfo=zone)
    router = Router(policy, detected_at=start)
    shared = SharedValues()
    records = [exception_record(f, router, zone=zone, shared=shared) for f in findings]
    return sorted(records, key=lambda r: (r.type, r.subject))


class SharedValues:
    """One object per distinct value among the records it is given."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._moments: dict[tuple[datetime, int, tzinfo | None], datetime] = {}

    def text(self, value: str) -> str:
        """The text held equal to ``value`` (``value`` itself, the first time)."""
        return self._texts.setdefault(value, value)

    def texts(self, values: tuple[str, ...]) -> tuple[str, ...]:
        """The tuple held equal to ``values``, its texts held too."""
        if not values:
            return values
        found = self._tuples.get(values)
        if found is None:
            text = self._texts.setdefault
            found = self._tuples[values] = tuple(text(value, value) for value in values)
        return found

    def moment(self, value: datetime) -> datetime:
        """The moment held equal to ``value``, in the same zone and fold (datetimes in
        two zones compare equal at the same instant, and in one zone ignore the fold)."""
        return self._moments.setdefault((value, value.fold, value.tzinfo), value)


def exception_record(
    finding: Finding,
    router: Router,
    *,
    zone: tzinfo | None = None,
    shared: SharedValues | None = None,
) -> ExceptionRecord:
    """``finding`` with the owner and deadline ``router`` gives it (in ``zone``, if any);
    with ``shared``, its equal values are the objects other records hold."""
    owner, due_at = router.route(finding)
    if zone is not None:
        due_at = due_at.replace(tzinfo=zone)
    subject, cause, related, entities = (
        finding.subject,
        finding.cause,
        finding.related,
        finding.entities,
    )
    if shared is not None:
        subject, cause, due_at = shared.text(subject), shared.text(cause), shared.moment(due_at)
        related, entities = shared.texts(related), shared.texts(entities)
    return ExceptionRecord(
        type=finding.type,
        subject=subject,
        severity=finding.severity,
        owner=owner,
        due_at=due_at,
        value_at_risk=finding.value_at_risk,
        value_basis=finding.value_basis,
        explanation=finding.explanation,
        cause=cause,
        related=related,
        entities=entities,
        warehouse=finding.warehouse,
        company=finding.company,
        customer_tier=finding.customer_tier,
        routing=finding.routing,
        routed_as=finding.routed_as,
    )

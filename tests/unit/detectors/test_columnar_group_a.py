"""The columnar order, pool, purchase-order, credit and recurrence detectors find exactly
what the reference detectors find, on generated businesses, with the default policy and
with thresholds moved either way."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from controltower.detectors.base import Finding
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.cases import CaseOccurrence, ExceptionType, Severity
from controltower_oracle.detectors.context import DetectionContext
from helpers.columnar_detection import BUSINESS_NAMES, SeenBothWays, seen_both_ways

#: the detectors this file checks (``recurring_exception`` has tests of its own below)
DETECTORS = (
    "order_at_risk",
    "stock_shortage",
    "supplier_confirmation_overdue",
    "supplier_delay",
    "quality_hold",
    "expedite_request",
    "credit_hold",
)

Detect = Callable[[Any, Any], list[Finding]]


def _detectors(name: str) -> tuple[Detect, Detect]:
    """The reference and the columnar ``detect`` of ``name``."""
    reference = importlib.import_module(f"controltower_oracle.detectors.{name}")
    columnar = importlib.import_module(f"controltower.detectors.columnar.{name}")
    return reference.detect, columnar.detect


def _sorted(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.type, f.subject))


def _contexts(
    seen: SeenBothWays, ladder: dict[str, Decimal] | None = None
) -> tuple[DetectionContext, ColumnarDetectionContext]:
    """Both contexts of ``seen``, with the value ladder moved when ``ladder`` says so."""
    reference, columnar = seen.reference_context(), seen.columnar_context()
    if ladder is not None:
        moved = seen.policy.detectors.severity_by_value.model_copy(update=ladder)
        reference.ladder = moved
        columnar.ladder = moved
    return reference, columnar


def _both_ways(
    name: str,
    business: str,
    update: dict[str, Any] | None = None,
    ladder: dict[str, Decimal] | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """What the reference and the columnar detector ``name`` find on ``business``."""
    seen = seen_both_ways(business)
    settings = getattr(seen.policy.detectors, name).model_copy(update=update or {})
    reference, columnar = _detectors(name)
    reference_context, columnar_context = _contexts(seen, ladder)
    return (
        _sorted(reference(reference_context, settings)),
        _sorted(columnar(columnar_context, settings)),
    )


def _differences(want: list[Finding], got: list[Finding]) -> list[str]:
    """Field-by-field differences, so a failure names the subject and the field."""
    theirs, mine = {f.subject: f for f in want}, {f.subject: f for f in got}
    found = [f"missing {s}" for s in sorted(theirs.keys() - mine.keys())]
    found += [f"extra {s}" for s in sorted(mine.keys() - theirs.keys())]
    for subject in sorted(theirs.keys() & mine.keys()):
        for field in Finding.__dataclass_fields__:
            a, b = getattr(theirs[subject], field), getattr(mine[subject], field)
            if a != b:
                found.append(f"{subject} {field}: expected {a!r}, got {b!r}")
    return found[:10]


@pytest.mark.parametrize("business", BUSINESS_NAMES)
@pytest.mark.parametrize("name", DETECTORS)
def test_the_columnar_detector_finds_exactly_what_the_reference_finds(
    name: str, business: str
) -> None:
    want, got = _both_ways(name, business)
    assert _differences(want, got) == []
    assert got == want


@pytest.mark.parametrize("name", DETECTORS)
def test_every_detector_finds_something_on_some_business_so_the_comparison_means_something(
    name: str,
) -> None:
    counts = {business: len(_both_ways(name, business)[0]) for business in BUSINESS_NAMES}
    assert any(counts.values()), counts


@pytest.mark.parametrize(
    ("first", "second"),
    [("order_at_risk", "expedite_request"), ("expedite_request", "order_at_risk")],
)
def test_order_words_kept_from_one_detector_serve_the_next_exactly(first: str, second: str) -> None:
    seen = seen_both_ways("medium-seed3")
    policy = seen.policy.detectors
    context = seen.columnar_context()
    assert _detectors(first)[1](context, getattr(policy, first))
    reference, columnar = _detectors(second)
    want = _sorted(reference(seen.reference_context(), getattr(policy, second)))
    assert _sorted(columnar(context, getattr(policy, second))) == want


#: (detector, settings changed, value ladder changed): each changes what is found
MOVED_THRESHOLDS: tuple[tuple[str, dict[str, Any], dict[str, Decimal] | None], ...] = (
    ("order_at_risk", {"days_late_escalation": 1}, None),
    ("order_at_risk", {"days_late_escalation": 30}, None),
    ("supplier_confirmation_overdue", {"confirm_within_days": 0}, None),
    ("supplier_confirmation_overdue", {"confirm_within_days": 10}, None),
    ("supplier_delay", {"grace_days": 5}, None),
    ("supplier_delay", {"days_late_escalation": 1}, None),
    ("stock_shortage", {}, {"medium": Decimal(10), "high": Decimal(100), "critical": Decimal(500)}),
    ("quality_hold", {}, {"medium": Decimal(10), "high": Decimal(100), "critical": Decimal(500)}),
    (
        "credit_hold",
        {},
        {"medium": Decimal(5000), "high": Decimal(5000), "critical": Decimal(9000)},
    ),
    ("expedite_request", {}, {"medium": Decimal(10), "high": Decimal(20), "critical": Decimal(30)}),
    # bounds beyond what int64 amounts can be compared with directly
    (
        "order_at_risk",
        {},
        {"medium": Decimal(10**16), "high": Decimal(10**17), "critical": Decimal(10**18)},
    ),
)


@pytest.mark.parametrize(("name", "update", "ladder"), MOVED_THRESHOLDS)
def test_with_a_threshold_moved_the_findings_change_and_both_ways_still_agree(
    name: str, update: dict[str, Any], ladder: dict[str, Decimal] | None
) -> None:
    changed = False
    for business in BUSINESS_NAMES:
        default, _ = _both_ways(name, business)
        want, got = _both_ways(name, business, update, ladder)
        assert _differences(want, got) == []
        assert got == want
        changed = changed or want != default
    assert changed


# --- recurring_exception: the history it counts, built from real findings -------------


def _history(seen: SeenBothWays) -> list[CaseOccurrence]:
    """This run's findings as arising occurrences (as ``run_detectors`` adds them), and
    a past: the same subjects opened days ago (on both sides of the window's edge, one
    repeated with another value), a recurring review and an occurrence yet to come."""
    context = seen.reference_context()
    at = context.detected_at
    findings = [
        f
        for name in DETECTORS
        for f in _detectors(name)[0](context, getattr(seen.policy.detectors, name))
    ]

    def occurrence(f: Finding, days_ago: float, value: Decimal | None = None) -> CaseOccurrence:
        return CaseOccurrence(
            type=f.type,
            subject=f.subject,
            cause=f.cause,
            entities=f.entities,
            opened_at=at - timedelta(days=days_ago),
            value_at_risk=f.value_at_risk if value is None else value,
        )

    history = [occurrence(f, 0) for f in findings]
    for n, f in enumerate(findings[::3]):
        days = (1, 6, 29, 30, 30.001, 45)[n % 6]
        history.append(occurrence(f, days))
        if n % 5 == 0:
            history.append(occurrence(f, days, f.value_at_risk + 7))
        if n % 7 == 0:
            history.append(occurrence(f, -1))
    review = findings[0]
    history.append(
        CaseOccurrence(
            type=ExceptionType.RECURRING_EXCEPTION,
            subject=f"{review.entities[0]}:{review.type}",
            cause=review.cause,
            entities=review.entities,
            opened_at=at,
            value_at_risk=Decimal(1),
        )
    )
    return history


def _recurring_both_ways(
    business: str, update: dict[str, Any], *, arising_now: bool = False
) -> tuple[list[Finding], list[Finding]]:
    """Both detectors' reviews of :func:`_history`; with ``arising_now`` this run's
    findings are handed over as arising findings instead of occurrences opened now."""
    seen = seen_both_ways(business)
    settings = seen.policy.detectors.recurring_exception.model_copy(update=update)
    history = tuple(_history(seen))
    reference_context, columnar_context = _contexts(seen)
    arising: tuple[Finding, ...] = ()
    if arising_now:
        now = reference_context.detected_at
        arising = tuple(
            Finding(
                type=o.type,
                subject=o.subject,
                severity=Severity.LOW,
                value_at_risk=o.value_at_risk,
                value_basis="",
                explanation="",
                cause=o.cause,
                entities=o.entities,
            )
            for o in history
            if o.opened_at == now and o.type is not ExceptionType.RECURRING_EXCEPTION
        )
        history = tuple(o for o in history if o.opened_at != now)
    for context in (reference_context, columnar_context):
        context.history = history
        context.arising = arising
    reference, columnar = _detectors("recurring_exception")
    return (
        _sorted(reference(reference_context, settings)),
        _sorted(columnar(columnar_context, settings)),
    )


@pytest.mark.parametrize("business", BUSINESS_NAMES)
def test_recurring_reviews_counted_on_arrays_are_the_reference_reviews(business: str) -> None:
    want, got = _recurring_both_ways(business, {})
    assert want
    assert _differences(want, got) == []
    assert got == want


@pytest.mark.parametrize(
    "update", [{"occurrences": 2}, {"occurrences": 6}, {"window_days": 7}, {"window_days": 60}]
)
def test_recurring_reviews_follow_the_count_and_the_window_both_ways(
    update: dict[str, Any],
) -> None:
    default, _ = _recurring_both_ways("small-seed7", {})
    want, got = _recurring_both_ways("small-seed7", update)
    assert _differences(want, got) == []
    assert got == want
    assert want != default


@pytest.mark.parametrize("business", BUSINESS_NAMES)
def test_this_runs_arising_findings_count_as_occurrences_opened_now_both_ways(
    business: str,
) -> None:
    as_occurrences = _recurring_both_ways(business, {})
    want, got = _recurring_both_ways(business, {}, arising_now=True)
    assert want
    assert _differences(want, got) == []
    assert got == want
    # the same reviews, with this run's findings told as cases open now
    unworded = [dataclasses.replace(f, explanation="") for f in want]
    assert unworded == [dataclasses.replace(f, explanation="") for f in as_occurrences[0]]

    def found_now(finding: Finding) -> bool:
        """Worded with this run's findings as cases open now."""
        return "open at once" in finding.explanation or (
            " still open)" in finding.explanation and "(none still open)" not in finding.explanation
        )

    assert all(found_now(f) for f in want)
    assert not any(found_now(f) for f in as_occurrences[0])


def test_an_empty_history_raises_no_recurring_review() -> None:
    seen = seen_both_ways("small-seed7")
    _, columnar = _detectors("recurring_exception")
    assert columnar(seen.columnar_context(), seen.policy.detectors.recurring_exception) == []

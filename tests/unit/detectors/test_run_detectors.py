"""Running the catalogue: recurring reviews count what arises in the run itself, exactly
once, whether the product's detectors run or the oracle's."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime

import pytest

from controltower.demo import generate_business
from controltower.detectors import Finding
from controltower.detectors.columnar import ColumnarDetectionContext, run_columnar_detectors
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower.domain.columnar import to_columns
from controltower.domain.kernel import analyse_columns
from controltower.domain.tables import tables_from_dataset
from controltower.policy import load_policy
from controltower_oracle.detectors import run_detectors
from controltower_oracle.engine import analyse

AS_OF = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 8, 0)
RECURRING = ExceptionType.RECURRING_EXCEPTION

#: (history, live) -> every finding of one run on the small demo business
Run = Callable[[Sequence[CaseOccurrence], Collection[tuple[ExceptionType, str]]], list[Finding]]


def _product() -> Run:
    policy = load_policy()
    allocation = policy.allocation.to_domain()
    dataset = generate_business("small", seed=7, as_of=AS_OF)
    tables = tables_from_dataset(dataset)
    result = analyse_columns(to_columns(dataset, AS_OF, allocation))

    def run(
        history: Sequence[CaseOccurrence], live: Collection[tuple[ExceptionType, str]]
    ) -> list[Finding]:
        context = ColumnarDetectionContext(
            tables,
            result,
            detected_at=AT,
            ladder=policy.detectors.severity_by_value,
            history=history,
            allocation=allocation,
        )
        return run_columnar_detectors(context, policy.detectors, live=live)

    return run


def _oracle() -> Run:
    policy = load_policy()
    dataset = generate_business("small", seed=7, as_of=AS_OF)
    analysis = analyse(dataset, AS_OF, policy.allocation.to_domain())

    def run(
        history: Sequence[CaseOccurrence], live: Collection[tuple[ExceptionType, str]]
    ) -> list[Finding]:
        return run_detectors(
            dataset,
            analysis,
            policy.detectors,
            detected_at=AT,
            history=history,
            live=live,
            allocation=policy.allocation.to_domain(),
        )

    return run


@pytest.mark.parametrize("detectors", [_product, _oracle], ids=["product", "oracle"])
def test_findings_arising_now_count_once_whether_or_not_they_are_already_cases(
    detectors: Callable[[], Run],
) -> None:
    detect = detectors()

    first = detect((), ())
    reviews = {f.subject: f for f in first if f.type is RECURRING}
    assert reviews, "the small demo has a supplier with several unconfirmed POs at once"

    # the same picture again, its findings now stored as live cases opened at AT
    saved = [
        CaseOccurrence(f.type, f.subject, f.cause, f.entities, AT, f.value_at_risk)
        for f in first
        if f.type is not RECURRING
    ]
    live = {(f.type, f.subject) for f in first}
    again = detect(saved, live)

    assert {f.subject: f for f in again if f.type is RECURRING} == reviews
    assert again == first


def test_the_product_and_the_oracle_find_the_same_on_the_small_demo() -> None:
    assert _product()((), ()) == _oracle()((), ())

"""run_detectors: recurring reviews count what arises in the run itself, exactly once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from controltower.demo import generate_business
from controltower.detectors import Finding, run_detectors
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower.domain.engine import analyse
from controltower.policy import load_policy

AS_OF = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 8, 0)
RECURRING = ExceptionType.RECURRING_EXCEPTION


def test_findings_arising_now_count_once_whether_or_not_they_are_already_cases() -> None:
    policy = load_policy()
    dataset = generate_business("small", seed=7, as_of=AS_OF)
    analysis = analyse(dataset, AS_OF, policy.allocation.to_domain())

    def detect(
        history: Sequence[CaseOccurrence] = (),
        live: Collection[tuple[ExceptionType, str]] = (),
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

    first = detect()
    reviews = {f.subject: f for f in first if f.type is RECURRING}
    assert reviews, "the small demo has a supplier with several unconfirmed POs at once"

    # the same picture again, its findings now stored as live cases opened at AT
    saved = [
        CaseOccurrence(f.type, f.subject, f.cause, f.entities, AT, f.value_at_risk)
        for f in first
        if f.type is not RECURRING
    ]
    live = {(f.type, f.subject) for f in first}
    again = detect(history=saved, live=live)

    assert {f.subject: f for f in again if f.type is RECURRING} == reviews
    assert again == first

"""Reference exception evaluation: the reference detectors over a picture, routed.

The reference detectors (:mod:`controltower_oracle.detectors`) find, the product's
routing (:func:`controltower.workflow.exceptions.routed_records`) gives each finding its
owner and deadline.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from controltower.domain.analysis import Analysis
from controltower.domain.cases import CaseOccurrence, ExceptionType
from controltower.domain.model import Dataset
from controltower.policy.model import Policy
from controltower.workflow.exceptions import ExceptionRecord, routed_records
from controltower_oracle.detectors import run_detectors


def evaluate_exceptions(
    dataset: Dataset,
    analysis: Analysis,
    policy: Policy,
    *,
    detected_at: datetime,
    history: Sequence[CaseOccurrence] = (),
    live: Collection[tuple[ExceptionType, str]] = (),
) -> list[ExceptionRecord]:
    """Every exception of ``dataset`` as analysed, routed, sorted by type then subject.

    ``detected_at`` starts each response clock (a date-only scan passes the start of
    the business day, see ``policy.routing.start_of_business_day``); ``history`` is the
    past case occurrences that recurring-exception detection counts and ``live`` the
    (type, subject) of the cases active now (both empty for a stateless scan, where
    every finding is an occurrence arising now).
    """
    findings = run_detectors(
        dataset,
        analysis,
        policy.detectors,
        detected_at=detected_at,
        history=history,
        live=live,
        allocation=policy.allocation.to_domain(),
    )
    return routed_records(findings, policy, detected_at=detected_at)

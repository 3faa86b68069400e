"""A detection context is freed by reference counting alone, whatever it has built.

Large scans pause Python's cyclic collector (``workflow/memory.py``), so a reference
cycle through the context would keep it, and everything it built for the detectors (a
crisis day's order stories: hundreds of megabytes), until the scan ends. Once its last
reference goes, the context must be gone with the collector paused.
"""

from __future__ import annotations

import weakref
from collections import Counter

from controltower.detectors.columnar import run_columnar_detectors
from controltower.workflow.memory import cycle_collection_paused
from helpers.columnar_detection import BUSINESS_NAMES, seen_both_ways


def test_a_context_that_ran_every_detector_goes_with_its_last_reference() -> None:
    seen = seen_both_ways(BUSINESS_NAMES[0])
    with cycle_collection_paused():
        context = seen.columnar_context()
        findings = run_columnar_detectors(context, seen.policy.detectors)
        stories = context.order_stories
        assert findings, "the business raises findings, so the detectors built their parts"
        gone = weakref.ref(context)
        kept = weakref.ref(stories)
        del context, stories
        assert gone() is None, "a reference cycle keeps the context"
        assert kept() is None, "the order stories outlive their context"


def test_the_order_stories_are_let_go_before_the_recurring_detector_runs() -> None:
    """The recurring detector reads only the findings: the stories the others shared
    (hundreds of megabytes on a crisis day) are gone by then, and the caller's hook
    runs once, between the two."""
    seen = seen_both_ways(BUSINESS_NAMES[0])
    context = seen.columnar_context()
    calls: list[bool] = []

    def before_recurring() -> None:
        calls.append("order_stories" in context.__dict__)

    findings = run_columnar_detectors(
        context, seen.policy.detectors, before_recurring=before_recurring
    )
    assert calls == [False]
    assert "order_stories" not in context.__dict__
    assert findings == run_columnar_detectors(seen.columnar_context(), seen.policy.detectors)


def test_an_order_is_named_by_one_text_for_the_whole_run() -> None:
    """Every finding that names an order, as its subject or among its related subjects,
    holds the same text object for it: a crisis day names the same orders millions of
    times."""
    seen = seen_both_ways(BUSINESS_NAMES[0])
    findings = run_columnar_detectors(seen.columnar_context(), seen.policy.detectors)
    objects: dict[str, set[int]] = {}
    named = Counter[str]()
    for finding in findings:
        for subject in (finding.subject, *finding.related):
            if subject.startswith("sales_order:"):
                objects.setdefault(subject, set()).add(id(subject))
                named[subject] += 1
    assert any(count > 1 for count in named.values()), "some order is named twice"
    assert [subject for subject, ids in objects.items() if len(ids) > 1] == []

"""A detection context is freed by reference counting alone, whatever it has built.

Large scans pause Python's cyclic collector (``workflow/memory.py``), so a reference
cycle through the context would keep it, and everything it built for the detectors (a
crisis day's order stories: hundreds of megabytes), until the scan ends. Once its last
reference goes, the context must be gone with the collector paused.
"""

from __future__ import annotations

import weakref

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

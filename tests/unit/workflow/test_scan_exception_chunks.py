"""The exceptions of the scan document, worded and written a piece at a time.

A crisis day has half a million exceptions; the scan words them in pieces and lets
each finding go once it is worded (``drained``), so their text is never held at once.
Whatever the pieces, the text is the document's ``exceptions`` array: each item is the
finding as the routing records it (``exception_record``).
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controltower.detectors.base import Finding
from controltower.domain.cases import ExceptionType, Severity
from controltower.policy import load_policy
from controltower.policy.routing import Router
from controltower.workflow import columnar_scan
from controltower.workflow.columnar_scan import drained, exception_chunks
from controltower.workflow.exceptions import exception_record
from controltower.workflow.scan_document import json_number

ROUTER = Router(load_policy(None), detected_at=datetime(2026, 11, 25, 8, tzinfo=ZoneInfo("UTC")))

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
_FINDINGS = st.lists(
    st.builds(
        Finding,
        # a recurring review is routed as the type it reviews (its owner_type)
        type=st.sampled_from(
            [t for t in ExceptionType if t is not ExceptionType.RECURRING_EXCEPTION]
        ),
        subject=_TEXT,
        severity=st.sampled_from(list(Severity)),
        value_at_risk=st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False),
        value_basis=st.just("the open value"),
        explanation=_TEXT,
        cause=st.just("cause"),
        warehouse=st.sampled_from([None, "WH1", "WH2"]),
    ),
    max_size=12,
)


def _item(finding: Finding) -> dict[str, Any]:
    """What the document says of ``finding``: its routed record's contract fields."""
    record = exception_record(finding, ROUTER)
    return {
        "type": record.type.value,
        "subject": record.subject,
        "severity": record.severity.value,
        "owner": record.owner,
        "due_at": record.due_at.isoformat(),
        "value_at_risk": json_number(record.value_at_risk),
        "explanation": record.explanation,
    }


@settings(max_examples=40, deadline=None)
@given(findings=_FINDINGS, per_piece=st.integers(1, 5))
def test_the_pieces_make_the_exceptions_array_and_close_the_document(
    findings: list[Finding], per_piece: int
) -> None:
    expected = [_item(f) for f in findings]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columnar_scan, "_EXCEPTIONS_PER_WRITE", per_piece)
        pieces = list(exception_chunks(drained(list(findings)), ROUTER))
    text = "".join(pieces)
    assert text.startswith(',\n"exceptions":[')
    assert text.endswith("]}\n")
    document = json.loads('{"orders":[]' + text)
    assert document["exceptions"] == expected
    # one exception per line, and no piece holds more than its share
    assert text.count("\n") == (len(findings) + 3 if findings else 2)
    assert len(pieces) == 2 + -(-len(findings) // per_piece)


def test_the_findings_are_let_go_as_they_are_handed_out_in_order() -> None:
    findings = [
        Finding(
            type=ExceptionType.ORDER_AT_RISK,
            subject=f"sales_order:SO{i}",
            severity=Severity.LOW,
            value_at_risk=Decimal(i),
            value_basis="v",
            explanation="e",
            cause="c",
        )
        for i in range(5)
    ]
    given_list = list(findings)
    handed = drained(given_list)
    assert next(handed) is findings[0]
    assert len(given_list) == 4
    assert list(handed) == findings[1:]
    assert given_list == []


def test_the_serial_scan_writes_the_exceptions_through_the_same_pieces() -> None:
    """A document written to a text buffer (no binary buffer under it) is whole."""
    finding = Finding(
        type=ExceptionType.CREDIT_HOLD,
        subject='customer:"C1"',
        severity=Severity.HIGH,
        value_at_risk=Decimal("12.50"),
        value_basis="v",
        explanation="Crédit ✓",
        cause="c",
    )
    out = io.StringIO()
    columnar_scan._write_exceptions(exception_chunks([finding], ROUTER), out)
    assert json.loads('{"orders":[]' + out.getvalue())["exceptions"] == [_item(finding)]

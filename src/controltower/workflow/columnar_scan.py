"""The stateless scan over columns: the same document as :mod:`.scan`, in seconds at 1M lines.

:func:`controltower.workflow.scan.build_scan_document` walks value objects: the
reference engine, the reference detectors, a dict per order and line. That reads well
and takes minutes on a business with a million open order lines. This module runs the
same scan on :class:`~controltower.domain.tables.DatasetTables`: the picture is built
with whole-array operations, the numpy kernel applies the allocation rules, the
columnar detectors find the exceptions, and the document is written straight from the
arrays as JSON text. Its output equals the reference scan's (tests compare them on
generated businesses); the reference path remains for what columns cannot hold (a
quantity with more than six decimals), see :func:`scan_to_json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, TextIO

from controltower.detectors.base import Finding
from controltower.detectors.columnar import ColumnarDetectionContext, run_columnar_detectors
from controltower.domain.columnar import ColumnarPrecisionError
from controltower.domain.columnar_tables import picture_from_tables
from controltower.domain.kernel import ColumnarAnalysis, analyse_columns
from controltower.domain.model import Dataset
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.policy import Policy
from controltower.policy.routing import Router
from controltower.workflow.exceptions import ExceptionRecord, exception_record
from controltower.workflow.scan import build_scan_document, json_number, scan_detected_at
from controltower.workflow.scan_writer import write_orders_json

Stage = Callable[[str], None]
"""``stage(description)``: told when each step of a long scan starts."""


@dataclass(frozen=True, slots=True)
class ColumnarScan:
    """One scan's conclusions, still as arrays (orders) and findings (exceptions).

    ``findings`` are sorted by type then subject, the order of the document; ``router``
    gives each its owner and deadline.
    """

    as_of: date
    tables: DatasetTables
    result: ColumnarAnalysis
    findings: list[Finding]
    router: Router

    def exceptions(self) -> list[ExceptionRecord]:
        """The findings routed, as the reference scan's records."""
        return [exception_record(finding, self.router) for finding in self.findings]


def _quiet(_: str) -> None:
    return None


def columnar_scan(
    tables: DatasetTables, as_of: date, policy: Policy, *, stage: Stage = _quiet
) -> ColumnarScan:
    """Analyse ``tables`` as of ``as_of`` and detect and route its exceptions.

    Raises :class:`~controltower.domain.columnar.ColumnarPrecisionError` when the
    quantities add up beyond what the kernel sums exactly.
    """
    allocation = policy.allocation.to_domain()
    stage("Building the picture")
    picture = picture_from_tables(tables, as_of, allocation)
    stage("Pegging and risk")
    result = analyse_columns(picture)
    stage("Detecting exceptions")
    detected_at = scan_detected_at(as_of, policy)
    context = ColumnarDetectionContext(
        tables,
        result,
        detected_at=detected_at,
        ladder=policy.detectors.severity_by_value,
        allocation=allocation,
    )
    findings = run_columnar_detectors(context, policy.detectors)
    return ColumnarScan(
        as_of=as_of,
        tables=tables,
        result=result,
        findings=findings,
        router=Router(policy, detected_at=detected_at),
    )


def write_json_array(items: Iterable[dict[str, Any]], out: TextIO) -> None:
    """A JSON array with one compact item per line (greppable, and quick to write)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out.write("[")
    first = True
    for item in items:
        out.write("\n" if first else ",\n")
        out.write(encode(item))
        first = False
    out.write("\n]" if not first else "]")


def _open_document(as_of: date, out: TextIO) -> None:
    out.write('{"as_of":')
    out.write(json.dumps(as_of.isoformat()))
    out.write(',\n"orders":')


_EXCEPTION = (
    '{"type":"%s","subject":%s,"severity":"%s","owner":%s,"due_at":"%s",'
    '"value_at_risk":%s,"explanation":%s}'
)


def _number(value: Decimal) -> str:
    """:func:`~.scan.json_number` as JSON text."""
    return repr(json_number(value))


def exception_lines(findings: Sequence[Finding], router: Router) -> Iterator[str]:
    """Each finding as the compact JSON of :func:`~.scan.exception_document`.

    Formatted from a template rather than through a dict per exception: a large
    picture has a hundred thousand of them. Types and severities are identifiers that
    need no escaping; every free text goes through the JSON string encoder.
    """
    text = encode_basestring
    due_texts: dict[datetime, str] = {}
    for finding in findings:
        owner, due_at = router.route(finding)
        due = due_texts.get(due_at)
        if due is None:
            due = due_texts[due_at] = due_at.isoformat()
        yield _EXCEPTION % (
            finding.type.value,
            text(finding.subject),
            finding.severity.value,
            text(owner),
            due,
            _number(finding.value_at_risk),
            text(finding.explanation),
        )


def _close_document(findings: Sequence[Finding], router: Router, out: TextIO) -> None:
    out.write(',\n"exceptions":[')
    first = True
    for line in exception_lines(findings, router):
        out.write("\n" if first else ",\n")
        out.write(line)
        first = False
    out.write("]}\n" if first else "\n]}\n")


def write_columnar_scan_json(scan: ColumnarScan, out: TextIO, *, stage: Stage = _quiet) -> None:
    """The scan document of ``scan`` as JSON text on ``out``."""
    stage("Writing the document")
    _open_document(scan.as_of, out)
    write_orders_json(scan.result, scan.tables, out)
    _close_document(scan.findings, scan.router, out)


def write_scan_document_json(document: dict[str, Any], out: TextIO) -> None:
    """A scan document built by the reference path, in the same layout as the columnar one."""
    out.write('{"as_of":')
    out.write(json.dumps(document["as_of"]))
    out.write(',\n"orders":')
    write_json_array(document["orders"], out)
    out.write(',\n"exceptions":')
    write_json_array(document["exceptions"], out)
    out.write("}\n")


def scan_to_json(
    source: DatasetTables | Dataset,
    as_of: date,
    policy: Policy,
    out: TextIO,
    *,
    stage: Stage = _quiet,
) -> None:
    """Scan ``source`` and write its document to ``out``, on the fastest exact path.

    Tables go through the columnar scan. A dataset (what the row reader returns when
    the fast reader declined a folder) is turned into tables when it can be; a picture
    with a quantity or amount the columns cannot hold exactly, or totals beyond what
    the kernel sums, is scanned by the reference path instead, with the same result.
    """
    tables: DatasetTables | None
    if isinstance(source, DatasetTables):
        tables = source
    else:
        try:
            tables = tables_from_dataset(source)
        except ColumnarPrecisionError:
            tables = None
    if tables is not None:
        try:
            scan = columnar_scan(tables, as_of, policy, stage=stage)
        except ColumnarPrecisionError:
            if isinstance(source, DatasetTables):
                raise
        else:
            write_columnar_scan_json(scan, out, stage=stage)
            return
    assert isinstance(source, Dataset)
    stage("Analysing (exact decimals)")
    write_scan_document_json(build_scan_document(source, as_of, policy), out)

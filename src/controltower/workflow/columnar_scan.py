"""The stateless scan: the ``scan --json`` document, in seconds at a million lines.

The scan runs on :class:`~controltower.domain.tables.DatasetTables`: the picture is
built with whole-array operations, the numpy kernel applies the allocation rules, the
detectors find the exceptions over its arrays, and the document
(:mod:`controltower.workflow.scan_document`) is written straight from the arrays as
JSON text, with no value object per order or line. Its output equals the test oracle's
reference scan (the per-object engine, detectors and a dict per order and line), which
tests compare it with on generated businesses. A picture the columns cannot hold
exactly (a quantity with more than six decimals, or totals beyond what the kernel sums
exactly) is refused with :class:`~controltower.domain.columnar.ColumnarPrecisionError`
(see :func:`scan_to_json`).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring
from typing import IO, Final, TextIO

from controltower.detectors.base import Finding
from controltower.detectors.columnar import ColumnarDetectionContext, run_columnar_detectors
from controltower.domain.cases import ExceptionType
from controltower.domain.columnar_tables import picture_from_tables
from controltower.domain.kernel import ColumnarAnalysis, analyse_columns
from controltower.domain.model import Dataset
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.policy import Policy
from controltower.policy.routing import Router
from controltower.workflow.exceptions import ExceptionRecord, exception_record
from controltower.workflow.memory import release_free_memory
from controltower.workflow.scan_document import json_number, scan_detected_at
from controltower.workflow.scan_writer import write_orders_bytes, write_orders_json

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
        """The findings routed, with their owners and deadlines."""
        return [exception_record(finding, self.router) for finding in self.findings]


def _quiet(_: str) -> None:
    return None


def analyse_tables(
    tables: DatasetTables, as_of: date, policy: Policy, *, stage: Stage = _quiet
) -> ColumnarAnalysis:
    """The allocation rules applied to ``tables`` as of ``as_of`` (the kernel's arrays).

    Raises :class:`~controltower.domain.columnar.ColumnarPrecisionError` when the
    quantities add up beyond what the kernel sums exactly.
    """
    stage("Building the picture")
    picture = picture_from_tables(tables, as_of, policy.allocation.to_domain())
    stage("Pegging and risk")
    return analyse_columns(picture)


def detect_exceptions(
    tables: DatasetTables, result: ColumnarAnalysis, policy: Policy, *, stage: Stage = _quiet
) -> tuple[list[Finding], Router]:
    """The findings on an analysed picture, sorted by type then subject, and their router."""
    stage("Detecting exceptions")
    detected_at = scan_detected_at(result.picture.as_of, policy)
    context = ColumnarDetectionContext(
        tables,
        result,
        detected_at=detected_at,
        ladder=policy.detectors.severity_by_value,
        allocation=policy.allocation.to_domain(),
    )
    findings = run_columnar_detectors(context, policy.detectors)
    return findings, Router(policy, detected_at=detected_at)


def columnar_scan(
    tables: DatasetTables, as_of: date, policy: Policy, *, stage: Stage = _quiet
) -> ColumnarScan:
    """Analyse ``tables`` as of ``as_of`` and detect and route its exceptions."""
    result = analyse_tables(tables, as_of, policy, stage=stage)
    findings, router = detect_exceptions(tables, result, policy, stage=stage)
    return ColumnarScan(as_of=as_of, tables=tables, result=result, findings=findings, router=router)


#: open lines from which the orders are written by a second process (see OrdersAside)
PARALLEL_FROM_LINES: Final = 50_000


def exceptions_dominate(result: ColumnarAnalysis) -> bool:
    """Whether most open orders are at risk (a crisis day): the exceptions, worded for
    each of them, then take most of the scan's memory and time.

    A forked child's resident pages include all its parent's, so on such a day the
    child writing the orders alongside the detectors would add a second copy of the
    picture and the orders' text to the memory the findings already fill, for a saving
    of a fraction of the time. The orders are then written first, in this process, and
    their memory is reused by the detectors.
    """
    return int(result.order_at_risk.sum()) * 2 > result.picture.n_orders


class OrdersAside:
    """The orders' JSON, written by a forked process while this one detects exceptions.

    Writing a million lines' orders and explanations and running the detectors are
    independent and each take seconds of one core; a forked child shares the arrays
    (copy-on-write, nothing is pickled) and writes the orders as bytes.

    * **In place**, when the document goes to a regular file (``place`` is its
      descriptor): the child writes at the file's current offset, which parent and
      child share, and the parent writes the rest once the child is done. Nothing is
      copied. Should anything fail, :meth:`abandon` cuts the file back to where the
      document began.
    * **Aside** otherwise (a pipe, a terminal): the child writes into an anonymous
      temporary file which :meth:`copy_to` appends to the document afterwards.

    If the child fails, the parent writes the orders itself, so the document is never
    incomplete. Needs ``os.fork`` (POSIX).

    With ``fork=False`` nothing is forked: :meth:`write_here` writes the orders in this
    process, in place or aside the same way, before the exceptions are detected (see
    :func:`scan_tables_to_json` for when that pays).
    """

    def __init__(
        self,
        result: ColumnarAnalysis,
        tables: DatasetTables,
        place: int | None = None,
        *,
        fork: bool = True,
    ) -> None:
        self._result = result
        self._tables = tables
        self._place = place
        self._file: IO[bytes] | None = None
        if place is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by copy_to
            target, self._start = self._file.fileno(), 0
        else:
            target, self._start = place, os.lseek(place, 0, os.SEEK_CUR)
        self._target = target
        self._exit_code: int | None = None
        self._pid: int | None = os.fork() if fork else None
        if self._pid == 0:  # the child: write, then leave without running any cleanup
            code = 1
            try:
                with open(os.dup(target), "wb") as binary:
                    write_orders_bytes(result, tables, binary)
                code = 0
            finally:
                os._exit(code)

    def write_here(self) -> None:
        """Write the orders in this process (made with ``fork=False``)."""
        assert self._pid is None
        assert self._exit_code is None
        with open(os.dup(self._target), "wb") as binary:
            write_orders_bytes(self._result, self._tables, binary)
        self._exit_code = 0

    def done(self) -> bool:
        """Whether the orders are written (without waiting for the child)."""
        if self._exit_code is None:
            if self._pid is None:
                return False
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid == 0:
                return False
            self._exit_code = os.waitstatus_to_exitcode(status)
        return True

    def _succeeded(self) -> bool:
        """Wait for the child (once) and tell whether it wrote every order."""
        if self._exit_code is None:
            if self._pid is None:
                return False  # never written here
            _, status = os.waitpid(self._pid, 0)
            self._exit_code = os.waitstatus_to_exitcode(status)
        return self._exit_code == 0

    def copy_to(self, out: TextIO) -> None:
        """Wait for the child; then see the orders are in ``out``, after what it holds.

        In place, the child has written them already (``out`` must be the text stream
        over the descriptor given, flushed before the fork); aside, they are copied.
        """
        succeeded = self._succeeded()
        if self._file is None:
            if not succeeded:
                self._cut(self._start)
                write_orders_json(self._result, self._tables, out)
            return
        try:
            if not succeeded:
                write_orders_json(self._result, self._tables, out)
                return
            self._file.seek(0)
            binary = getattr(out, "buffer", None)
            if binary is not None:
                out.flush()
                binary.flush()
                if not _sent(self._file, binary):
                    shutil.copyfileobj(self._file, binary, _COPY_CHUNK)
                    binary.flush()
            else:
                shutil.copyfileobj(io.TextIOWrapper(self._file, encoding="utf-8"), out, _COPY_CHUNK)
        finally:
            self._file.close()

    def abandon(self, out: TextIO, document_start: int | None = None) -> None:
        """Stop the child if it still runs and drop what was written; in place, cut the
        file under ``out`` back to ``document_start`` (where the document began), after
        flushing what ``out`` still buffers so that nothing lands after the cut. What
        already went down a pipe cannot be taken back."""
        if self._exit_code is None and self._pid is not None:  # not reaped: still the child's
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._succeeded()
        if self._file is not None:
            self._file.close()
            return
        with contextlib.suppress(OSError, ValueError):
            out.flush()
        self._cut(self._start if document_start is None else document_start)

    def _cut(self, offset: int) -> None:
        assert self._place is not None
        os.ftruncate(self._place, offset)
        os.lseek(self._place, offset, os.SEEK_SET)


_COPY_CHUNK: Final = 1 << 20


def _in_place_target(out: TextIO) -> int | None:
    """The descriptor of ``out`` when the orders can be written into it in place: a
    regular file that standard error does not share (a stage or warning shown while the
    child writes would land inside the document)."""
    try:
        fd = out.buffer.fileno()
        here = os.fstat(fd)
        if not stat.S_ISREG(here.st_mode):
            return None
        os.lseek(fd, 0, os.SEEK_CUR)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    try:
        errors = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return fd  # no descriptor behind standard error: it cannot share the file
    if (errors.st_dev, errors.st_ino) == (here.st_dev, here.st_ino):
        return None
    return fd


def _sent(source: IO[bytes], target: IO[bytes]) -> bool:
    """Copy ``source`` to ``target`` inside the kernel (``os.sendfile``) when both are
    real files or pipes; False (nothing copied) when that is not possible."""
    try:
        target_fd = target.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return False
    if not hasattr(os, "sendfile"):
        return False
    size = os.fstat(source.fileno()).st_size
    offset = 0
    try:
        while offset < size:
            sent = os.sendfile(target_fd, source.fileno(), offset, size - offset)
            if sent == 0:
                break
            offset += sent
    except OSError:
        if offset:
            raise  # part of the orders went out: a retry would repeat them
        return False
    if 0 < offset < size:
        raise OSError(f"only {offset} of {size} bytes of the orders could be written")
    return offset == size


def _open_document(as_of: date, out: TextIO) -> None:
    out.write('{"as_of":')
    out.write(json.dumps(as_of.isoformat()))
    out.write(',\n"orders":')


def _number(value: Decimal) -> str:
    """:func:`~.scan_document.json_number` as JSON text."""
    return repr(json_number(value))


def exception_lines(findings: Iterable[Finding], router: Router) -> Iterator[str]:
    """Each finding as the compact JSON of one item of the document's ``exceptions``.

    Formatted from pieces rather than through a dict per exception: a large picture has
    a hundred thousand of them. The text between the subject and the value (severity,
    owner, deadline) is the same for every finding routed alike, so it is made once per
    routing; types and severities are identifiers that need no escaping, and every free
    text goes through the JSON string encoder.
    """
    text = encode_basestring
    heads: dict[ExceptionType, str] = {}
    middles: dict[tuple[object, ...], str] = {}
    by_value = router.depends_on_value
    for finding in findings:
        head = heads.get(finding.type)
        if head is None:
            head = heads[finding.type] = f'{{"type":"{finding.type.value}","subject":'
        key = (
            finding.type,
            finding.owner_type,
            finding.routing,
            finding.severity,
            finding.warehouse,
            finding.company,
            finding.customer_tier,
        )
        middle = None if by_value else middles.get(key)
        if middle is None:
            owner, due_at = router.route(finding)
            middle = (
                f',"severity":"{finding.severity.value}","owner":{text(owner)},'
                f'"due_at":"{due_at.isoformat()}","value_at_risk":'
            )
            if not by_value:
                middles[key] = middle
        yield (
            f"{head}{text(finding.subject)}{middle}{_number(finding.value_at_risk)}"
            f',"explanation":{text(finding.explanation)}}}'
        )


#: exception lines per piece of text handed to the writer
_EXCEPTIONS_PER_WRITE: Final = 2_000


def exception_chunks(findings: Iterable[Finding], router: Router) -> Iterator[str]:
    """The end of the document: the ``exceptions`` array, one per line, and the close.

    Worded :data:`_EXCEPTIONS_PER_WRITE` exceptions at a time, so the text of a crisis
    day's half a million exceptions (hundreds of megabytes) is never held at once: a
    piece is written, and its memory reused for the next, before the next is worded.
    """
    lines = exception_lines(findings, router)
    yield ',\n"exceptions":['
    separator = "\n"
    while piece := list(itertools.islice(lines, _EXCEPTIONS_PER_WRITE)):
        yield separator + ",\n".join(piece)
        separator = ",\n"
    yield "]}\n" if separator == "\n" else "\n]}\n"


def drained(findings: list[Finding]) -> Iterator[Finding]:
    """``findings`` in order, each let go by the list as it is handed out.

    A finding's text is written soon after it is handed out, so the memory of the
    findings written is reused by those still to be worded; the list is empty once
    every finding has been handed out.
    """
    findings.reverse()
    while findings:
        yield findings.pop()


class _Sink:
    """Text pieces written to ``out``: encoded, to its binary buffer when it has one.

    A large scan writes hundreds of megabytes; a text stream's per-call work shows.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._binary: IO[bytes] | None = getattr(out, "buffer", None)

    def write(self, text: str) -> None:
        if self._binary is None:
            self._out.write(text)
        else:
            self._binary.write(text.encode())

    def flush(self) -> None:
        """Flush ``out`` (before writing to its buffer) or its buffer (after)."""
        self._out.flush()
        if self._binary is not None:
            self._binary.flush()


def _write_exceptions(chunks: Iterable[str], out: TextIO) -> None:
    """Write ``chunks`` (:func:`exception_chunks`) to ``out``."""
    sink = _Sink(out)
    sink.flush()
    for chunk in chunks:
        sink.write(chunk)
    sink.flush()


def write_columnar_scan_json(scan: ColumnarScan, out: TextIO, *, stage: Stage = _quiet) -> None:
    """The scan document of ``scan`` as JSON text on ``out``."""
    stage("Writing the document")
    _open_document(scan.as_of, out)
    write_orders_json(scan.result, scan.tables, out)
    _write_exceptions(exception_chunks(scan.findings, scan.router), out)


def scan_tables_to_json(
    tables: DatasetTables,
    as_of: date,
    policy: Policy,
    out: TextIO,
    *,
    stage: Stage = _quiet,
    parallel: bool | None = None,
) -> None:
    """The columnar scan of ``tables`` written to ``out`` as the scan document.

    With ``parallel`` (by default: a picture of :data:`PARALLEL_FROM_LINES` open lines
    or more, where ``os.fork`` exists, unless :func:`exceptions_dominate`) the orders
    are written by a second process while this one detects the exceptions
    (:class:`OrdersAside`); a large picture scanned in one process has its orders
    written first, the same way, and their memory reused. Nothing reaches ``out``
    before the picture is analysed; after that, a regular file may receive the orders
    while the exceptions are detected, and any failure (an error, an interrupt) cuts it
    back to where the document began. The findings are let go as their text is written
    (:func:`drained`).
    """
    result = analyse_tables(tables, as_of, policy, stage=stage)
    large = result.picture.n_lines >= PARALLEL_FROM_LINES
    if parallel is None:
        parallel = hasattr(os, "fork") and large and not exceptions_dominate(result)
    if not parallel and not large:
        findings, router = detect_exceptions(tables, result, policy, stage=stage)
        stage("Writing the document")
        _open_document(as_of, out)
        write_orders_json(result, tables, out)
        _write_exceptions(exception_chunks(drained(findings), router), out)
        return
    out.flush()  # nothing buffered may be inherited, and so written twice
    place = _in_place_target(out)
    document_start = None if place is None else os.lseek(place, 0, os.SEEK_CUR)
    if place is not None:
        _open_document(as_of, out)
        out.flush()
    release_free_memory()  # what the reader freed: not counted again in a child
    aside = OrdersAside(result, tables, place, fork=parallel)
    try:
        if not parallel:
            stage("Writing the orders")
            aside.write_here()
            release_free_memory()  # the orders' text, freed, for the detectors to reuse
        findings, router = detect_exceptions(tables, result, policy, stage=stage)
        stage("Writing the document")
        chunks = exception_chunks(drained(findings), router)
        _write_after_orders(aside, chunks, out, opening=None if place is not None else as_of)
    except BaseException:
        aside.abandon(out, document_start)
        raise


def _write_after_orders(
    aside: OrdersAside, chunks: Iterable[str], out: TextIO, *, opening: date | None
) -> None:
    """The exceptions' ``chunks`` written after the orders the child writes.

    Each chunk is worded while the child may still be writing the orders: until it is
    done they are kept in a temporary file (outside this process's memory), then
    written after the orders, and every chunk after that goes straight to ``out`` (all
    of them when the orders were written in this process). ``opening`` is the as-of date when the start of the document is still to be written
    (the orders were written aside).
    """
    held: IO[bytes] | None = None
    pending: Iterator[str] = iter(chunks)
    try:
        for chunk in pending:
            if aside.done():
                pending = itertools.chain([chunk], pending)
                break
            if held is None:
                held = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
            held.write(chunk.encode())
        if opening is not None:
            _open_document(opening, out)
        aside.copy_to(out)
        if held is not None:
            _copy_held(held, out)
        _write_exceptions(pending, out)
    finally:
        if held is not None:
            held.close()


def _copy_held(held: IO[bytes], out: TextIO) -> None:
    """Append what ``held`` holds to ``out``."""
    held.flush()
    held.seek(0)
    binary = getattr(out, "buffer", None)
    if binary is None:
        shutil.copyfileobj(io.TextIOWrapper(held, encoding="utf-8"), out, _COPY_CHUNK)
        return
    out.flush()
    binary.flush()
    if not _sent(held, binary):
        shutil.copyfileobj(held, binary, _COPY_CHUNK)
    binary.flush()


def scan_to_json(
    source: DatasetTables | Dataset,
    as_of: date,
    policy: Policy,
    out: TextIO,
    *,
    stage: Stage = _quiet,
    parallel: bool | None = None,
) -> None:
    """Scan ``source`` and write its document to ``out``.

    A dataset (what the row reader returns when the fast reader declined a folder) is
    turned into tables first. Raises
    :class:`~controltower.domain.columnar.ColumnarPrecisionError`, before anything
    reaches ``out``, for a picture the columns cannot hold exactly: a quantity or amount
    with more than six decimals or too large, or open quantities adding up beyond what
    the kernel sums exactly. Its message names the value (row and column) or the totals
    and states the rule; nothing is scanned another way.
    """
    tables = source if isinstance(source, DatasetTables) else tables_from_dataset(source)
    scan_tables_to_json(tables, as_of, policy, out, stage=stage, parallel=parallel)

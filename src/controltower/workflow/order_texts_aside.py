"""The open orders' texts, worded by a forked process while the stored scan goes on.

Wording a million lines' orders (their ``lines`` and ``explanation`` JSON, and each
row's content digest) takes seconds of one core, and so does detecting, reconciling and
saving the exceptions, which do not need those texts. A forked child shares the picture
and the kernel's arrays (copy-on-write, nothing is sent to it), words the orders and
hands the texts back through an anonymous temporary file; the scan records the orders'
rows once it has saved the cases.

The child touches no database connection, file or lock of its parent: it computes,
writes to its own descriptor of the temporary file and leaves with ``os._exit``, so
nothing of the parent's (the scan's transaction above all) is flushed, closed or
rolled back by it. Should it fail or be killed, :meth:`OrderTextsAside.columns` says
so (None) and the scan words the orders itself from the picture read again: the rows
recorded are the same either way. Nothing here keeps the picture or its analysis, so
the scan can let them go while the child words.

Only where ``os.fork`` exists, for a command's own process (``scan --db``, ``import``,
the demo, ``sync odoo``, the worker: never a server, whose other threads may hold locks
a child would inherit held), on a large picture and not on a crisis day
(:func:`~controltower.workflow.columnar_scan.exceptions_dominate`); see
:func:`words_aside`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
from types import TracebackType
from typing import IO, Final

from controltower.domain.kernel import ColumnarAnalysis
from controltower.domain.tables import DatasetTables
from controltower.workflow.columnar_scan import PARALLEL_FROM_LINES, exceptions_dominate
from controltower.workflow.order_risk import (
    OrderRiskColumns,
    OrderTexts,
    order_companies,
    order_standings,
    worded_order_chunks,
)

#: the child's exit status once it has written every text
_WRITTEN: Final = 0


def words_aside(result: ColumnarAnalysis, *, allowed: bool) -> bool:
    """Whether a stored scan of ``result`` has its orders worded by a forked process:
    ``allowed`` by the caller (a command's own process, not a server's), on a system
    that forks, for a picture of :data:`~.columnar_scan.PARALLEL_FROM_LINES` open lines
    or more that is not a crisis day. A crisis day's exceptions take most of the memory:
    the orders are then worded and recorded first, their memory reused by the
    detectors, as a forked child would hold a second copy of the picture meanwhile."""
    return (
        allowed
        and hasattr(os, "fork")
        and result.picture.n_lines >= PARALLEL_FROM_LINES
        and not exceptions_dominate(result)
    )


class OrderTextsAside:
    """The open orders' texts, being worded by a forked child (see the module).

    Use as a context manager: leaving it stops the child if it still runs (the scan
    failed meanwhile) and reaps it. :meth:`columns` waits for the child and returns the
    orders' columns, or None should the child have failed.
    """

    def __init__(self, result: ColumnarAnalysis, tables: DatasetTables) -> None:
        self._count = result.picture.n_orders
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._exit_code: int | None = None
        self._pid = os.fork()
        if self._pid == 0:  # the child: word, write, then leave without any cleanup
            code = 1
            try:
                standings = order_standings(result)
                with open(os.dup(self._file.fileno()), "wb") as out:
                    # chunk by chunk: the child never holds every order's texts at once
                    for chunk in worded_order_chunks(standings, result, tables):
                        pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
                code = _WRITTEN
            finally:
                os._exit(code)
        # meanwhile, what is cheap and not text: made here rather than sent back
        self._standings = order_standings(result)
        self._companies = order_companies(result, tables)

    def __enter__(self) -> OrderTextsAside:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def columns(self) -> OrderRiskColumns | None:
        """The orders' columns, once the child has worded them; None if it could not."""
        texts = self._read() if self._succeeded() else None
        if texts is None:
            return None
        return OrderRiskColumns.of(self._standings, self._companies, texts)

    def close(self) -> None:
        """Stop the child if it still runs, reap it and drop what it wrote."""
        if self._file.closed:
            return
        if self._exit_code is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._succeeded()
        self._file.close()

    def _succeeded(self) -> bool:
        """Wait for the child (once) and tell whether it wrote every text."""
        if self._exit_code is None:
            _, status = os.waitpid(self._pid, 0)
            self._exit_code = os.waitstatus_to_exitcode(status)
        return self._exit_code == _WRITTEN

    def _read(self) -> OrderTexts | None:
        """The texts the child wrote, chunk after chunk; None if they are not whole (one
        of each per order)."""
        self._file.seek(0)
        texts = OrderTexts(lines=[], explanation=[], content_digest=[])
        while len(texts) < self._count:
            try:
                # written by this process's own child into a file no other can open
                chunk = pickle.load(self._file)
            except (EOFError, pickle.UnpicklingError):
                return None
            if not isinstance(chunk, OrderTexts):
                return None
            texts.extend(chunk)
        whole = len(texts.explanation) == len(texts.content_digest) == len(texts) == self._count
        return texts if whole else None

"""The orders array as text: assembling every fragment and handing it out.

The fragments of the whole array are made once  and then cut into
chunks for a writer (:func:`orders_json_chunks`) or into each order's ``lines`` and
``explanation`` texts for a stored scan (:func:`order_texts`), so both say exactly the
same thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Final, TextIO

import numpy as np

from controltower.domain.kernel import (
    ColumnarAnalysis,
)
from controltower.domain.tables import DatasetTables
from controltower.workflow.scan_writer.distinct_rows import distinct_values
from controltower.workflow.scan_writer.explanations import (
    credit_texts,
    fill_detailed_tails,
    simple_order_tails,
)
from controltower.workflow.scan_writer.frame import Frame, Layout
from controltower.workflow.scan_writer.lines import line_fragments
from controltower.workflow.scan_writer.order_heads import order_head_texts
from controltower.workflow.scan_writer.pegs import Pegs
from controltower.workflow.scan_writer.texts import Texts

#: orders per chunk of text handed to the writer: a couple of megabytes, which the
#: allocator reuses chunk after chunk (fresh memory costs a page fault per page)
CHUNK_ORDERS: Final = 2_000


# --------------------------------------------------------------------------- public


def write_orders_json(result: ColumnarAnalysis, tables: DatasetTables, out: TextIO) -> None:
    """Write the ``orders`` array of the scan document, one order per line.

    ``json.loads`` of what is written equals ``[order_document(o) for o in
    analysis.orders]`` for ``analysis = to_analysis(result, dataset)``, where ``tables``
    are the columns of ``dataset`` (they name the suppliers and confirmations of
    purchase orders, which the kernel's picture does not hold).
    """
    for chunk in orders_json_chunks(result, tables):
        out.write(chunk)


def write_orders_bytes(result: ColumnarAnalysis, tables: DatasetTables, out: IO[bytes]) -> None:
    """:func:`write_orders_json` as UTF-8 bytes on a binary stream.

    Hundreds of megabytes go through a text stream noticeably slower than encoded in
    pieces and written to the file directly.
    """
    for chunk in orders_json_chunks(result, tables):
        out.write(chunk.encode())


def orders_json_chunks(
    result: ColumnarAnalysis, tables: DatasetTables, orders_per_chunk: int = CHUNK_ORDERS
) -> Iterator[str]:
    """The text :func:`write_orders_json` writes, ``orders_per_chunk`` orders at a time,
    so that a writer never holds the whole array as one string."""
    picture = result.picture
    if picture.n_orders == 0:
        yield "[]"
        return
    pieces, layout = _fragments(Frame.of(result, tables))
    yield "[\n"
    for first in range(0, picture.n_orders, orders_per_chunk):
        last = min(first + orders_per_chunk, picture.n_orders)
        begin, end = int(layout.order_base[first]), int(layout.order_base[last])
        yield "".join(pieces[begin:end].tolist())
    yield "\n]"


def _fragments(frame: Frame) -> tuple[Texts, Layout]:
    """Every fragment of the orders array, in document order, and where orders start."""
    result = frame.result
    picture = result.picture
    start = picture.order_line_start
    simple_lines = np.add.reduceat(frame.simple.astype(np.int64), start[:-1])
    detailed = simple_lines < np.diff(start)
    layout = Layout.of(start, picture.line_order, detailed)
    pieces = np.empty(layout.total, dtype=object)
    for offset, texts in enumerate(order_head_texts(frame)):
        pieces[layout.order_base[:-1] + offset] = texts
    pegs = Pegs.of(frame)
    for offset, texts in enumerate(line_fragments(frame, pegs)):
        pieces[layout.line_slot + offset] = texts
    payer = np.where(frame.credit_blocked, picture.order_customer, -1).astype(np.int64)
    credit = credit_texts(frame, distinct_values(payer[payer >= 0]))
    easy = np.flatnonzero(~detailed)
    pieces[layout.tail_slot[easy]] = simple_order_tails(frame, easy, payer[easy], credit)
    hard = np.flatnonzero(detailed)
    if hard.shape[0]:
        fill_detailed_tails(frame, pegs, layout, pieces, hard, payer[hard], credit)
    return pieces, layout


def order_texts(result: ColumnarAnalysis, tables: DatasetTables) -> tuple[list[str], list[str]]:
    """Each order's ``lines`` and ``explanation`` arrays as JSON text, in picture order.

    The same text as the order's object in the scan document (``json.loads`` of the
    pair equals ``order_document(o)["lines"]`` and ``["explanation"]``), cut out of
    the fragments the document is written from, so a stored scan keeps exactly what
    the stateless scan prints without wording anything a second time.
    """
    lines: list[str] = []
    explanations: list[str] = []
    for chunk_lines, chunk_explanations in order_text_chunks(result, tables):
        lines.extend(chunk_lines)
        explanations.extend(chunk_explanations)
    return lines, explanations


def order_text_chunks(
    result: ColumnarAnalysis, tables: DatasetTables
) -> Iterator[tuple[list[str], list[str]]]:
    """:func:`order_texts` :data:`CHUNK_ORDERS` orders at a time, in picture order, so a
    writer that passes each chunk on never holds every order's texts at once."""
    picture = result.picture
    if picture.n_orders == 0:
        return
    pieces, layout = _fragments(Frame.of(result, tables))
    # a chunk of orders is joined once and each text cut out of it by the fragments'
    # lengths: two joins per order cost about a second at a million lines
    for first in range(0, picture.n_orders, CHUNK_ORDERS):
        last = min(first + CHUNK_ORDERS, picture.n_orders)
        lines: list[str] = []
        explanations: list[str] = []
        _cut_order_texts(pieces, layout, first, last, lines, explanations)
        yield lines, explanations


#: where an order's ``lines`` array starts after its first slot (the three head
#: fragments and the ``"lines":`` key), and the text the explanation follows in its tail
_LINES_FROM_SLOT: Final = 3 + 1
_EXPLANATION_OPENING: Final = len('],"explanation":')


def _cut_order_texts(
    pieces: Texts,
    layout: Layout,
    first: int,
    last: int,
    lines: list[str],
    explanations: list[str],
) -> None:
    """Append the ``lines`` and ``explanation`` texts of orders ``first`` to ``last - 1``.

    Offsets are counted in characters, as ``str`` slices are, so any text cuts the same.
    """
    begin, end = int(layout.order_base[first]), int(layout.order_base[last])
    chunk = pieces[begin:end].tolist()
    text = "".join(chunk)
    # offset[k]: where fragment begin + k starts in ``text``
    offset = np.zeros(len(chunk) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)), out=offset[1:])
    lines_start = offset[layout.order_base[first:last] - begin + _LINES_FROM_SLOT].tolist()
    tail_start = offset[layout.tail_slot[first:last] - begin].tolist()
    order_end = offset[layout.order_base[first + 1 : last + 1] - begin].tolist()
    for start, tail, stop in zip(lines_start, tail_start, order_end, strict=True):
        lines.append("[" + text[start:tail] + "]")
        explanations.append(text[tail + _EXPLANATION_OPENING : stop - 1])

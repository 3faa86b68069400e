"""The orders of the scan document, written as JSON text straight from the kernel's arrays.

The test oracle's reference scan (``render_scan_document``) turns every order of a
domain :class:`~controltower.domain.analysis.Analysis` into a dict, which means a
:class:`~decimal.Decimal`, a date and a dataclass per line, and then ``json.dumps``
walks it all again: minutes at a million lines. This module writes the same JSON (equal
after ``json.loads`` to ``[order_document(o) for o in analysis.orders]``, explanations
word for word) from a :class:`~controltower.domain.kernel.ColumnarAnalysis` and the
:class:`~controltower.domain.tables.DatasetTables` it was built from.

How it stays fast:

* **Text is made per distinct value, not per row.** A fragment that depends on a few
  small columns (a quantity and two dates, an order's standing, a price) is formatted
  once for each distinct combination of them (:func:`~controltower.workflow.scan_writer.distinct_rows.rendered`) and handed to every
  row by a numpy ``take``: a million lines have a few tens of thousands of distinct
  fragments.
* **The document is a flat array of fragments** (:class:`~controltower.workflow.scan_writer.frame.Layout`): each order owns
  four slots for its head, three per line and one or a few for its explanation; they
  are filled column by column with array assignments, and the text is one
  ``"".join`` per chunk of orders, which copies every character once. Adding string
  arrays would copy them again for every addition, so it is kept for the rare parts
  (``np.add.reduceat`` joins the pegs of a line, the transfers of an order).
* Only what is rare (pegs, transfers, lines short of supply, partly served) is
  formatted row by row, from per-column texts computed in bulk.

A JSON object's keys are unordered: a line's ``sku`` comes last here, which lets the
text before it depend on small columns only. Sentences follow
:mod:`controltower.domain.explain` word for word; the credit sentences are built by it
(there are only as many as blocked customers).

The writer is a package of one module per part of the document: ``texts`` (numbers,
dates and JSON strings), ``distinct_rows`` (text per distinct value), ``frame`` (the
layout and the columns every part reads), ``order_heads``, ``pegs``, ``lines``,
``explanations``, and ``fragments``, which assembles them and hands the text out. This
module re-exports the public names, so callers import the writer as one thing.
"""

from __future__ import annotations

from controltower.workflow.scan_writer.fragments import (
    CHUNK_ORDERS,
    order_text_chunks,
    order_texts,
    orders_json_chunks,
    write_orders_bytes,
    write_orders_json,
)
from controltower.workflow.scan_writer.texts import number_text

__all__ = [
    "CHUNK_ORDERS",
    "number_text",
    "order_text_chunks",
    "order_texts",
    "orders_json_chunks",
    "write_orders_bytes",
    "write_orders_json",
]

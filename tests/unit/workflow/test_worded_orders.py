"""The orders' texts and row digests come out the same whole or a chunk at a time.

A stored scan's forked child words the orders chunk by chunk
(``workflow/order_risk.worded_order_chunks``) so that it never holds every order's
texts at once; a scan in one process words them whole (``worded_orders``). Each chunk's
digests are of its own orders (``content_digests(..., first=...)``), so the two agree
however the orders are cut, and each digest is of its own order's row; and what a
forked child hands back reads as the orders worded here.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from controltower.workflow.order_risk import (
    content_digests,
    order_risk_columns,
    order_standings,
    worded_order_chunks,
    worded_orders,
)
from controltower.workflow.order_texts_aside import OrderTextsAside
from controltower.workflow.scan_writer import fragments, order_texts
from helpers.columnar_detection import BUSINESS_NAMES, seen_both_ways


@pytest.mark.parametrize("orders_per_chunk", [1, 7, 10_000])
def test_chunks_of_worded_orders_add_up_to_the_orders_worded_whole(
    orders_per_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    business = seen_both_ways(BUSINESS_NAMES[0])
    standings = order_standings(business.result)
    lines, explanation = order_texts(business.result, business.tables)
    whole = content_digests(standings, lines, explanation)

    monkeypatch.setattr(fragments, "CHUNK_ORDERS", orders_per_chunk)
    chunks = list(worded_order_chunks(standings, business.result, business.tables))
    worded = worded_orders(standings, business.result, business.tables)

    assert len(standings) > 7, "several chunks of 7"
    assert len(chunks) == -(-len(standings) // orders_per_chunk)
    assert [digest for chunk in chunks for digest in chunk.content_digest] == whole
    assert [text for chunk in chunks for text in chunk.lines] == lines
    assert [text for chunk in chunks for text in chunk.explanation] == explanation
    assert (worded.lines, worded.explanation, worded.content_digest) == (lines, explanation, whole)


def test_an_orders_digest_changes_with_its_row_and_only_its_row() -> None:
    business = seen_both_ways(BUSINESS_NAMES[0])
    standings = order_standings(business.result)
    lines, explanation = order_texts(business.result, business.tables)
    before = content_digests(standings, lines, explanation)
    late = list(standings.days_late)
    late[3] = 99 if late[3] != 99 else 98
    after = content_digests(replace(standings, days_late=late), lines, explanation)

    assert len(set(before)) == len(before), "no two orders' rows alike"
    assert [k for k, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [3]


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the child is forked (POSIX)")


@needs_fork
@pytest.mark.parametrize("orders_per_chunk", [3, 10_000])
def test_orders_worded_by_a_child_come_back_as_worded_here(
    orders_per_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    business = seen_both_ways(BUSINESS_NAMES[0])
    monkeypatch.setattr(fragments, "CHUNK_ORDERS", orders_per_chunk)
    with OrderTextsAside(business.result, business.tables) as aside:
        columns = aside.columns()

    assert columns == order_risk_columns(business.result, business.tables)

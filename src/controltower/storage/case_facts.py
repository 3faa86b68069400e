"""What routing read of each case's finding, kept for replaying a policy on history.

The stored scan calls :func:`record_routing_facts` for the cases it opened or reopened,
in its own transaction; ``policy replay`` reads them back beside the case rows
(``storage/replay_history.py``). A case keeps the facts of its latest opening.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from controltower.domain.cases import ExceptionCase, ExceptionType
from controltower.storage import tables
from controltower.storage.bulk import insert_columns, keys_by_company
from controltower.storage.cases import filing_company
from controltower.storage.picture_columns import SCAN_PAGE_CACHE_KIB, page_cache_for_bulk
from controltower.workflow.exceptions import RoutingFacts


def record_routing_facts(
    session: Session,
    companies: Sequence[str],
    cases: Sequence[ExceptionCase],
    facts: Mapping[tuple[ExceptionType, str], RoutingFacts],
    *,
    stored_ids: Collection[str] | None = None,
    scopes: Mapping[str, str] | None = None,
) -> int:
    """Keep the routing facts of ``cases`` (by their (type, subject) in ``facts``);
    a case already holding facts has them replaced. Returns how many were written.

    ``stored_ids``, when given, are the only case ids that may hold facts already (a
    case saved new this transaction holds none): only theirs are deleted first.
    ``scopes`` gives the company each case is stored under (``SavedCases.scopes``): a
    case filed under another company by an earlier picture stays there, so its facts
    go there too; a case it does not name is taken to be filed where it would be now."""
    stored_under = scopes or {}
    table = tables.case_routing_facts
    connection = session.connection()
    written = 0
    # in id order, so the rows extend the key's index at its end rather than split its
    # pages all over (new ids are hashes); a chunk at a time, so a crisis day's half a
    # million rows are never all built at once (they set the scan's peak memory)
    ordered = sorted(cases, key=attrgetter("id"))
    # with room for the key's index: a crisis day's half a million rows took twelve
    # seconds on SQLite, its default page cache evicting and reading the index's pages
    # over and over (two, with the cache and in id order)
    with page_cache_for_bulk(connection, SCAN_PAGE_CACHE_KIB):
        for start in range(0, len(ordered), _CHUNK_SIZE):
            columns = _fact_columns(
                ordered[start : start + _CHUNK_SIZE], facts, stored_under, companies
            )
            replaced = [
                key
                for key in zip(columns["scope_company"], columns["case_id"], strict=True)
                if stored_ids is None or key[1] in stored_ids
            ]
            for condition in keys_by_company(table.c.scope_company, table.c.case_id, replaced):
                connection.execute(sa.delete(table).where(condition))
            insert_columns(connection, table, columns)
            written += len(columns["case_id"])
    return written


#: cases whose facts are built and written at once
_CHUNK_SIZE = 50_000


def _fact_columns(
    cases: Sequence[ExceptionCase],
    facts: Mapping[tuple[ExceptionType, str], RoutingFacts],
    stored_under: Mapping[str, str],
    companies: Sequence[str],
) -> dict[str, list[Any]]:
    """The rows of ``cases`` that have facts, as columns (not a dict per row)."""
    columns: dict[str, list[Any]] = {
        "scope_company": [],
        "case_id": [],
        "customer_tier": [],
        "routing": [],
        "routed_as": [],
    }
    for case in cases:
        fact = facts.get(case.key)
        if fact is None:
            continue
        columns["scope_company"].append(
            stored_under.get(case.id) or filing_company(case, companies)
        )
        columns["case_id"].append(case.id)
        columns["customer_tier"].append(fact.customer_tier.value if fact.customer_tier else None)
        columns["routing"].append(fact.routing)
        columns["routed_as"].append(fact.routed_as.value)
    return columns

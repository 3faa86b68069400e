"""Field-by-field comparison of two analyses.

Used by the tests and the benchmarks to hold the kernel equal to the reference engine
and to say precisely where two results part.
"""

from __future__ import annotations

import dataclasses

from controltower.domain.analysis import (
    Analysis,
    LineOutcome,
    OrderOutcome,
)

# ------------------------------------------------------------------------ comparison


def analysis_differences(expected: Analysis, actual: Analysis, limit: int = 20) -> list[str]:
    """Where two analyses disagree, field by field, at most ``limit`` findings.

    Empty exactly when the analyses are equal. Used to check the kernel against the
    reference engine with messages that name the order, line, pool or customer.
    """
    found: list[str] = []

    def note(where: str, field_name: str, want: object, got: object) -> None:
        if want != got and len(found) < limit:
            found.append(f"{where}: {field_name} expected {want!r}, got {got!r}")

    note("analysis", "as_of", expected.as_of, actual.as_of)
    mine = {o.order_id: o for o in actual.orders}
    theirs = {o.order_id: o for o in expected.orders}
    note("analysis", "order ids", sorted(theirs), sorted(mine))
    note(
        "analysis",
        "order sequence",
        [o.order_id for o in expected.orders],
        [o.order_id for o in actual.orders],
    )
    for order_id in sorted(theirs.keys() & mine.keys()):
        want, got = theirs[order_id], mine[order_id]
        for name in (f.name for f in dataclasses.fields(OrderOutcome)):
            if name == "lines":
                continue
            note(f"order {order_id}", name, getattr(want, name), getattr(got, name))
        note(
            f"order {order_id}",
            "line numbers",
            [ln.line for ln in want.lines],
            [ln.line for ln in got.lines],
        )
        for want_line, got_line in zip(want.lines, got.lines, strict=False):
            for name in (f.name for f in dataclasses.fields(LineOutcome)):
                note(
                    f"order {order_id} line {want_line.line}",
                    name,
                    getattr(want_line, name),
                    getattr(got_line, name),
                )
    note("analysis", "pool keys", sorted(expected.pools), sorted(actual.pools))
    for key in sorted(expected.pools.keys() & actual.pools.keys()):
        note(f"pool {key[0]}@{key[1]}", "outcome", expected.pools[key], actual.pools[key])
    note("analysis", "credit customers", sorted(expected.credit), sorted(actual.credit))
    for code in sorted(expected.credit.keys() & actual.credit.keys()):
        note(f"customer {code}", "credit", expected.credit[code], actual.credit[code])
    if not found and expected != actual:  # pragma: no cover - a field the walk above missed
        found.append("the analyses differ in a way the field-by-field comparison does not name")
    return found

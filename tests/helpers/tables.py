"""Comparing two :class:`~controltower.domain.tables.DatasetTables` array for array."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from controltower.domain.tables import DatasetTables


def table_differences(expected: DatasetTables, actual: DatasetTables) -> list[str]:
    """What differs: each vocabulary, and each array by dtype and by values."""
    found: list[str] = []
    for kind in fields(expected.vocab):
        want = getattr(expected.vocab, kind.name).codes
        got = getattr(actual.vocab, kind.name).codes
        if want != got:
            found.append(f"vocab.{kind.name}: expected {want!r}, got {got!r}")
    for entity in fields(expected):
        if entity.name == "vocab":
            continue
        want_table, got_table = getattr(expected, entity.name), getattr(actual, entity.name)
        for column in fields(want_table):
            where = f"{entity.name}.{column.name}"
            want, got = getattr(want_table, column.name), getattr(got_table, column.name)
            if want.dtype != got.dtype:
                found.append(f"{where}: expected dtype {want.dtype}, got {got.dtype}")
            elif want.dtype == object:
                if want.tolist() != got.tolist():
                    found.append(f"{where}: expected {want.tolist()!r}, got {got.tolist()!r}")
            elif not np.array_equal(want, got):
                found.append(f"{where}: expected {want!r}, got {got!r}")
    return found


def assert_tables_equal(expected: DatasetTables, actual: DatasetTables) -> None:
    """Every vocabulary equal, and every array with the same dtype and values."""
    problems = table_differences(expected, actual)
    assert not problems, "\n".join(problems)

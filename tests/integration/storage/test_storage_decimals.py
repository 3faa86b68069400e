"""Quantities and money come back from the database exactly, on SQLite too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.model import Dataset, Product
from controltower.storage import tables
from controltower.storage.bulk import insert_columns
from controltower.storage.repository import (
    PictureWriteError,
    list_pictures,
    load_picture,
    replace_picture,
)
from controltower.storage.tables import ExactDecimal

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)

AWKWARD_VALUES = [
    Decimal("0.1"),
    Decimal("0.2"),
    Decimal("12.5"),
    Decimal("1234567.123456"),
    Decimal("0.000000000000000001"),
    Decimal("123456789012345678901234567890.123456789012345678901234567891"),
    Decimal("-120.07"),
    Decimal("3"),
]


def with_prices(dataset: Dataset, values: list[Decimal]) -> Dataset:
    dataset.products = [
        Product(sku=f"SKU-{index}", unit_cost=value, list_price=value, reorder_qty=value)
        for index, value in enumerate(values)
    ]
    return dataset


def test_quantities_and_money_come_back_exactly(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = with_prices(make_business(), AWKWARD_VALUES)
    with sessions.begin() as session:
        replace_picture(session, dataset, source="test", imported_at=IMPORTED_AT)
    with sessions() as session:
        loaded = load_picture(session)
    assert [p.unit_cost for p in loaded.products] == AWKWARD_VALUES
    assert [str(p.list_price) for p in loaded.products] == [str(v) for v in AWKWARD_VALUES]
    assert sum(p.reorder_qty or 0 for p in loaded.products) == sum(AWKWARD_VALUES)


def test_the_database_holds_the_exact_value_not_a_binary_float(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = with_prices(make_business(), [Decimal("0.1"), Decimal("0.2")])
    with sessions.begin() as session:
        replace_picture(session, dataset, source="test", imported_at=IMPORTED_AT)
    cost = tables.products.c.unit_cost
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            # SQLite's NUMERIC affinity would turn 0.1 into a float: the text must stay text.
            stored = session.execute(
                sa.select(sa.func.typeof(cost), sa.cast(cost, sa.Text)).order_by(cost)
            ).all()
            assert [tuple(row) for row in stored] == [("text", "0.1"), ("text", "0.2")]
        else:
            # Summed by PostgreSQL: 0.1 + 0.2 is 0.30000000000000004 in binary floats.
            total = session.execute(sa.select(sa.func.sum(cost))).scalar_one()
            assert total == Decimal("0.3")


def test_trailing_zeros_and_exponents_come_back_in_one_plain_form(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = with_prices(make_business(), [Decimal("12.500"), Decimal("1E+2"), Decimal("0.000")])
    with sessions.begin() as session:
        replace_picture(session, dataset, source="test", imported_at=IMPORTED_AT)
    with sessions() as session:
        loaded = load_picture(session)
    assert [str(p.unit_cost) for p in loaded.products] == ["12.5", "100", "0"]


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_number_that_is_not_finite_is_refused_naming_the_entity(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset], value: Decimal
) -> None:
    dataset = with_prices(make_business(), [Decimal(1), value])
    with sessions() as session, pytest.raises(PictureWriteError) as refused:
        replace_picture(session, dataset, source="test", imported_at=IMPORTED_AT)
    assert "could not store products" in str(refused.value)
    assert "not a finite number" in str(refused.value)
    with sessions() as session:
        assert list_pictures(session) == []


def test_rows_written_in_bulk_keep_each_decimal_as_it_was_given(
    sessions: sessionmaker[Session],
) -> None:
    # equal numbers written differently: a bulk write converts each value, not each
    # distinct number (84.5 == 84.50, so one text for both would depend on which came first)
    given = [Decimal("84.5"), Decimal("84.50"), Decimal("0.10"), Decimal("0.1"), "84.500"]
    scratch = sa.Table(
        "bulk_decimals_check",
        sa.MetaData(),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", ExactDecimal(), nullable=False),
    )
    with sessions.begin() as session:
        connection = session.connection()
        scratch.create(connection)
        insert_columns(connection, scratch, {"n": list(range(len(given))), "value": given})
    with sessions() as session:
        stored = session.execute(
            sa.select(sa.cast(scratch.c.value, sa.Text)).order_by(scratch.c.n)
        ).scalars()
        assert list(stored) == ["84.5", "84.50", "0.10", "0.1", "84.500"]

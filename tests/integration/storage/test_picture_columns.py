"""Pictures written and read in bulk, as columns (``storage/picture_columns.py``).

Whatever way a picture is written (from ``DatasetTables`` or from value objects), the
database must hold exactly what SQLAlchemy's own column types store for the same
dataset, and reading it back as columns must give ``tables_from_dataset`` of the
picture, array for array. Checked on generated businesses, on a business with every
optional value given and blank, and on codes and texts with every character the bulk
formats treat specially.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from controltower.demo import generate_business
from controltower.domain.columnar import MAX_UNITS, ColumnarPrecisionError, from_units
from controltower.domain.model import (
    Customer,
    Dataset,
    Invoice,
    Pick,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Return,
    SalesOrder,
    SalesOrderLine,
    StockLevel,
    Supplier,
    TransferLane,
    Warehouse,
)
from controltower.domain.tables import DatasetTables, tables_from_dataset
from controltower.storage import tables as schema
from controltower.storage.picture_arrow import decimal_text, stored_decimal, units_of_text
from controltower.storage.picture_columns import (
    load_picture_tables,
    read_picture_tables,
    write_picture_tables,
)
from controltower.storage.repository import (
    AmbiguousPictureError,
    PictureNotFoundError,
    PictureWriteError,
    list_pictures,
    load_picture,
    replace_picture,
)
from controltower.storage.tables import canonical_decimal
from helpers.random_business import businesses
from helpers.tables import assert_tables_equal

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 25)

#: every character COPY's text or CSV format, SQLite or a CSV reader could trip on
AWKWARD = (
    "SO/2026/0001",
    'say "hi"',
    "a,b",
    "back\\slash",
    "tab\there",
    "new\nline",
    "cr\rlf\r\n",
    "ünï €ødé 日本 ✓ 🙂",
    "\\N",
    "\\.",
    "NA",
    "NULL",
    " padded ",
    "0012",
    "'single'",
    ";semi;",
)


#: pick times at the edges of a second, of the epochs and of the calendar
MOMENTS = (
    datetime(2026, 11, 24, 8, 30, 59, 999999),
    datetime(2026, 11, 24, 8, 30, 59, 999500),
    datetime(2026, 11, 24, 8, 30, 59, 1),
    datetime(2026, 11, 24, 8, 30),
    datetime(1969, 12, 31, 23, 59, 59, 999999),
    datetime(1970, 1, 1),
    datetime(1, 1, 1, 0, 0, 0, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    *(datetime(2026, 11, 24, 9, n) for n in range(len(AWKWARD) - 8)),
)


def micros_of(dataset: Dataset) -> np.ndarray[Any, Any] | None:
    micros = np.array([p.created_at.microsecond for p in dataset.picks], dtype=np.int32)
    return micros if micros.any() else None


def store_tables(sessions: sessionmaker[Session], dataset: Dataset) -> int:
    """Store ``dataset`` as columns, as ``controltower import`` does."""
    with sessions.begin() as session:
        summary = replace_picture(
            session,
            tables_from_dataset(dataset),
            pick_microseconds=micros_of(dataset),
            source="test",
            imported_at=IMPORTED_AT,
        )
    return summary.picture_id


def store_objects(sessions: sessionmaker[Session], dataset: Dataset) -> int:
    with sessions.begin() as session:
        summary = replace_picture(session, dataset, source="test", imported_at=IMPORTED_AT)
    return summary.picture_id


def read_back(sessions: sessionmaker[Session], picture_id: int) -> DatasetTables:
    with sessions() as session:
        return read_picture_tables(session.connection(), picture_id)


def stored_values(sessions: sessionmaker[Session], picture_id: int) -> dict[str, list[Any]]:
    """Every stored value of the picture as the database holds it, with its type."""
    found: dict[str, list[Any]] = {}
    with sessions() as session:
        connection = session.connection()
        sqlite = connection.dialect.name == "sqlite"
        for entity, table in schema.ENTITY_TABLES.items():
            names = [c.name for c in table.c if c.name != "picture_id"]
            shown = [
                f"typeof({name}) || ':' || quote({name})"
                if sqlite
                else f"pg_typeof({name})::text || ':' || coalesce(quote_nullable({name}), 'NULL')"
                for name in names
            ]
            query = (
                f"SELECT {', '.join(shown)} FROM {entity} "
                f"WHERE picture_id = {picture_id} ORDER BY position"
            )
            found[entity] = [tuple(row) for row in connection.exec_driver_sql(query)]
    return found


def insert_through_the_column_types(
    sessions: sessionmaker[Session], picture_id: int, dataset: Dataset
) -> None:
    """Replace the picture's rows by a Core insert of ``dataset`` through the column types
    (decimals in their canonical form, which is what the bulk writer stores)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return Decimal(0) if value.is_zero() else canonical_decimal(value)
        return value

    def values(row: object) -> dict[str, Any]:
        assert is_dataclass(row)
        return {f.name: plain(getattr(row, f.name)) for f in fields(row)}

    with sessions.begin() as session:
        connection = session.connection()
        for entity, _ in reversed(list(dataset.collections())):
            table = schema.ENTITY_TABLES[entity]
            connection.execute(sa.delete(table).where(table.c.picture_id == picture_id))
        for entity, rows in dataset.collections():
            if rows:
                connection.execute(
                    sa.insert(schema.ENTITY_TABLES[entity]),
                    [
                        {
                            "picture_id": picture_id,
                            "position": position,
                            **values(row),
                        }
                        for position, row in enumerate(rows)
                    ],
                )


def awkward_business() -> Dataset:
    """A business whose codes and texts hold every awkward character, and an empty name."""
    warehouse = 'WH\t\\1,"x"'
    skus = [f"P{i}:{text}" for i, text in enumerate(AWKWARD)]
    customers = [f"C{i}:{text}" for i, text in enumerate(AWKWARD)]
    orders = list(AWKWARD)
    day = date(2026, 11, 20)
    return Dataset(
        warehouses=[
            Warehouse(code=warehouse, name="", company="co\n1"),
            Warehouse(code="WH\\N", name=None, company="\\."),
        ],
        transfer_lanes=[TransferLane(warehouse, "WH\\N", 1)],
        products=[
            Product(sku=sku, name=text, uom=text) for sku, text in zip(skus, AWKWARD, strict=True)
        ],
        customers=[
            Customer(code=code, name=text, account_owner=text)
            for code, text in zip(customers, AWKWARD, strict=True)
        ],
        suppliers=[Supplier(code="S\r\n1", name='Acme "Wire"')],
        stock=[StockLevel(sku=sku, warehouse=warehouse, on_hand=Decimal("1.5")) for sku in skus],
        sales_orders=[
            SalesOrder(order, customer, warehouse, day, day, salesperson=text)
            for order, customer, text in zip(orders, customers, AWKWARD, strict=True)
        ],
        sales_order_lines=[
            SalesOrderLine(order, 1, sku, Decimal("2.25"), unit_price=Decimal("0.000001"))
            for order, sku in zip(orders, skus, strict=True)
        ],
        purchase_orders=[
            PurchaseOrder(text, "S\r\n1", "WH\\N", day, day, buyer=text) for text in AWKWARD
        ],
        purchase_order_lines=[
            PurchaseOrderLine(text, 1, sku, Decimal(3))
            for text, sku in zip(AWKWARD, skus, strict=True)
        ],
        receipts=[Receipt(f"R:{text}", text, 1, day, Decimal(1)) for text in AWKWARD],
        invoices=[
            Invoice(f"I:{text}", customer, day, Decimal("-0.5"))
            for text, customer in zip(AWKWARD, customers, strict=True)
        ],
        returns=[
            Return(f"RMA:{text}", customer, sku, Decimal(1), day, order_id=order)
            for text, customer, sku, order in zip(AWKWARD, customers, skus, orders, strict=True)
        ],
        picks=[
            Pick(f"K:{text}", order, warehouse, moment, assigned_to=text)
            for text, order, moment in zip(AWKWARD, orders, MOMENTS, strict=True)
        ],
    )


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("seed", [3, 7])
def test_a_generated_business_written_as_columns_reads_back_as_the_same_columns(
    sessions: sessionmaker[Session], seed: int
) -> None:
    dataset = generate_business("small", seed=seed, as_of=AS_OF)
    tables = tables_from_dataset(dataset)
    picture_id = store_tables(sessions, dataset)
    assert_tables_equal(tables, read_back(sessions, picture_id))
    with sessions() as session:
        assert load_picture(session, picture_id) == dataset
        assert_tables_equal(
            tables_from_dataset(load_picture(session)), load_picture_tables(session)
        )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(businesses())
def test_any_small_business_written_as_columns_reads_back_as_its_columns_and_rows(
    sessions: sessionmaker[Session], dataset: Dataset
) -> None:
    with sessions.begin() as session:
        picture_id = replace_picture(
            session,
            tables_from_dataset(dataset),
            source="test",
            imported_at=IMPORTED_AT,
            replace_all=True,
        ).picture_id
    assert_tables_equal(tables_from_dataset(dataset), read_back(sessions, picture_id))
    with sessions() as session:
        assert load_picture(session, picture_id) == dataset


def test_a_picture_written_from_value_objects_reads_back_as_its_columns(
    sessions: sessionmaker[Session],
) -> None:
    dataset = generate_business("small", seed=5, as_of=AS_OF)
    picture_id = store_objects(sessions, dataset)
    with sessions() as session:
        assert_tables_equal(
            tables_from_dataset(load_picture(session)), read_back(sessions, picture_id)
        )
    assert_tables_equal(tables_from_dataset(dataset), read_back(sessions, picture_id))


def test_columns_and_value_objects_store_what_the_column_types_store(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    for dataset in (generate_business("small", seed=3, as_of=AS_OF), make_business("main")):
        from_columns = stored_values(sessions, store_tables(sessions, dataset))
        picture_id = store_objects(sessions, dataset)
        from_objects = stored_values(sessions, picture_id)
        insert_through_the_column_types(sessions, picture_id, dataset)
        assert from_columns == from_objects
        assert from_objects == stored_values(sessions, picture_id)


def test_blank_optional_values_stay_blank_and_pick_times_keep_their_fraction(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = make_business("north", "south")
    picture_id = store_tables(sessions, dataset)
    with sessions() as session:
        loaded = load_picture(session)
        assert loaded == dataset
        assert loaded.products[1].unit_cost is None
        assert loaded.sales_orders[1].accepts_partial is None
        assert loaded.returns[1].order_id is None
        assert loaded.warehouses[1].pick_capacity_lines_per_day is None
        assert loaded.picks[0].created_at == datetime(2026, 11, 24, 8, 30, 15, 250000)
        nulls = session.execute(
            sa.select(sa.func.count())
            .select_from(schema.products)
            .where(
                schema.products.c.picture_id == picture_id, schema.products.c.unit_cost.is_(None)
            )
        ).scalar_one()
    assert nulls == 1
    assert_tables_equal(tables_from_dataset(dataset), read_back(sessions, picture_id))


def test_codes_and_texts_with_awkward_characters_round_trip(
    sessions: sessionmaker[Session],
) -> None:
    dataset = awkward_business()
    picture_id = store_tables(sessions, dataset)
    with sessions() as session:
        loaded = load_picture(session)
    assert loaded == dataset
    assert loaded.warehouses[0].name == ""
    assert_tables_equal(tables_from_dataset(dataset), read_back(sessions, picture_id))
    store_objects(sessions, dataset)
    with sessions() as session:
        assert load_picture(session) == dataset


def test_a_picture_of_warehouses_only_reads_back_with_empty_tables(
    sessions: sessionmaker[Session],
) -> None:
    dataset = Dataset(warehouses=[Warehouse("W1"), Warehouse("W2", company="other")])
    picture_id = store_tables(sessions, dataset)
    assert_tables_equal(tables_from_dataset(dataset), read_back(sessions, picture_id))


# ------------------------------------------------------------------ writing


def test_a_duplicate_key_in_the_columns_is_refused_naming_the_entity_and_nothing_changes(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    previous = make_business("north")
    store_tables(sessions, previous)
    broken = make_business("north", prefix="NEW-")
    broken.sales_order_lines.append(replace(broken.sales_order_lines[0]))
    with sessions() as session, pytest.raises(PictureWriteError) as refused:
        replace_picture(
            session, tables_from_dataset(broken), source="test", imported_at=IMPORTED_AT
        )
    assert "could not store sales_order_lines" in str(refused.value)
    assert "nothing was stored" in str(refused.value)
    with sessions() as session:
        assert [p.companies for p in list_pictures(session)] == [("north",)]
        assert load_picture(session) == previous


def test_progress_hears_of_every_chunk_of_columns_up_to_the_total(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = make_business("north")
    dataset.sales_order_lines = [
        SalesOrderLine(order_id="SO1001", line=n, sku="BRK-10A", qty=Decimal(n))
        for n in range(1, 6)
    ]
    calls: list[tuple[str, int, int]] = []
    with sessions.begin() as session:
        replace_picture(
            session,
            tables_from_dataset(dataset),
            source="test",
            imported_at=IMPORTED_AT,
            progress=lambda *call: calls.append(call),
            chunk_size=2,
        )
    assert [c for c in calls if c[0] == "sales_order_lines"] == [
        ("sales_order_lines", 0, 5),
        ("sales_order_lines", 2, 5),
        ("sales_order_lines", 4, 5),
        ("sales_order_lines", 5, 5),
    ]
    assert [c for c in calls if c[0] == "transfer_lanes"] == [("transfer_lanes", 0, 0)]


def test_writing_columns_returns_the_rows_written_per_entity(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = make_business("north")
    with sessions.begin() as session:
        picture_id = replace_picture(
            session, Dataset(warehouses=[Warehouse("X")]), source="t", imported_at=IMPORTED_AT
        ).picture_id
        connection = session.connection()
        for table in reversed(schema.ENTITY_TABLES.values()):
            connection.execute(sa.delete(table).where(table.c.picture_id == picture_id))
        counts = write_picture_tables(connection, picture_id, tables_from_dataset(dataset))
    assert counts == dataset.entity_counts()


# ------------------------------------------------------------------ reading


def test_loading_columns_without_an_id_needs_exactly_one_stored_picture(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    with sessions() as session, pytest.raises(PictureNotFoundError, match="import a dataset"):
        load_picture_tables(session)
    store_tables(sessions, make_business("north"))
    store_tables(sessions, make_business("south"))
    with sessions() as session:
        with pytest.raises(AmbiguousPictureError, match="name a company"):
            load_picture_tables(session)
        with pytest.raises(PictureNotFoundError, match="no picture with id 999"):
            load_picture_tables(session, 999)


def test_a_stored_value_with_more_than_six_decimals_cannot_be_read_as_columns(
    sessions: sessionmaker[Session], make_business: Callable[..., Dataset]
) -> None:
    dataset = make_business("north")
    dataset.products[0] = replace(dataset.products[0], list_price=Decimal("9.1234567"))
    store_objects(sessions, dataset)
    with sessions() as session, pytest.raises(ColumnarPrecisionError, match=r"9\.1234567"):
        load_picture_tables(session)


# ------------------------------------------------------------------ decimal text

units = st.integers(min_value=-(MAX_UNITS - 1), max_value=MAX_UNITS - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(units, max_size=40), st.data())
def test_the_whole_array_decimal_text_is_the_text_of_each_value(
    values: list[int], data: st.DataObject
) -> None:
    array = np.array(values, dtype=np.int64)
    given_mask = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))),
        dtype=np.bool_,
    )
    expected = [
        stored_decimal(from_units(v)) if g else None
        for v, g in zip(values, given_mask.tolist(), strict=True)
    ]
    texts = decimal_text(array, given_mask)
    assert texts.to_pylist() == expected
    back, back_given = units_of_text(texts, "test")
    assert back.tolist() == [
        v if g else 0 for v, g in zip(values, given_mask.tolist(), strict=True)
    ]
    assert back_given.tolist() == given_mask.tolist()


def test_repeated_quantities_are_written_once_each_and_taken_for_every_row() -> None:
    values = np.array([1_500_000, 0, -250_000, 1_500_000, 7_000_000] * 3, dtype=np.int64)
    assert decimal_text(values).to_pylist() == ["1.5", "0", "-0.25", "1.5", "7"] * 3


def test_rows_read_back_in_source_order_whatever_order_the_table_holds_them(
    sessions: sessionmaker[Session],
) -> None:
    dataset = generate_business("small", seed=3, as_of=AS_OF)
    picture_id = store_tables(sessions, dataset)
    with sessions.begin() as session:
        for entity, table in schema.ENTITY_TABLES.items():
            count = len(getattr(dataset, entity))
            session.execute(
                sa.update(table)
                .where(table.c.picture_id == picture_id)
                .values(position=count - 1 - table.c.position)
            )
    with sessions() as session:
        reordered = load_picture(session)
    assert reordered.sales_order_lines == dataset.sales_order_lines[::-1]
    assert_tables_equal(tables_from_dataset(reordered), read_back(sessions, picture_id))

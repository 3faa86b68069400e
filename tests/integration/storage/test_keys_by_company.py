"""``keys_by_company``: rows chosen by (company, key) pairs, a bounded list at a time.

The conditions it yields must together pick exactly the rows whose pair was named, no
more, whatever the number of pairs (beyond one list of 500) or of companies.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controltower.storage.bulk import keys_by_company
from controltower.storage.database import make_engine

pytestmark = pytest.mark.database

COMPANIES = ("ACME", "NORDEL", "NORDEL-IE")
#: more keys per company than one ``IN`` list holds, so the lists are cut
KEYS = tuple(f"K{n:04d}" for n in range(700))

metadata = sa.MetaData()
rows_table = sa.Table(
    "keyed_rows",
    metadata,
    sa.Column("company", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    made = make_engine(database_url)
    metadata.create_all(made)
    with made.begin() as connection:
        connection.execute(
            sa.insert(rows_table),
            [{"company": company, "key": key} for company in COMPANIES for key in KEYS],
        )
    yield made
    metadata.drop_all(made)
    made.dispose()


#: any pairs, and (``min_size``) many of one company, past one ``IN`` list
pairs = st.builds(
    set.union,
    st.sets(st.tuples(st.sampled_from(COMPANIES), st.sampled_from(KEYS)), max_size=50),
    st.sampled_from(COMPANIES).flatmap(
        lambda company: st.sets(st.sampled_from(KEYS), min_size=501, max_size=700).map(
            lambda keys: {(company, key) for key in keys}
        )
    ),
)


# the table is only read here, so one per test serves every example
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(chosen=pairs)
def test_the_conditions_select_exactly_the_named_pairs(
    engine: sa.Engine, chosen: set[tuple[str, str]]
) -> None:
    found: list[tuple[str, str]] = []
    with engine.connect() as connection:
        for condition in keys_by_company(rows_table.c.company, rows_table.c.key, chosen):
            query = sa.select(rows_table.c.company, rows_table.c.key).where(condition)
            found.extend((company, key) for company, key in connection.execute(query))
    assert sorted(found) == sorted(chosen)


def test_deleting_by_the_conditions_leaves_every_other_row(engine: sa.Engine) -> None:
    doomed = {(company, key) for company in COMPANIES[:2] for key in KEYS[:650]}
    with engine.connect() as connection, connection.begin() as transaction:
        for condition in keys_by_company(rows_table.c.company, rows_table.c.key, doomed):
            connection.execute(sa.delete(rows_table).where(condition))
        left = set(connection.execute(sa.select(rows_table.c.company, rows_table.c.key)))
        transaction.rollback()
    every = {(company, key) for company in COMPANIES for key in KEYS}
    assert left == every - doomed


def test_no_pairs_give_no_condition() -> None:
    assert list(keys_by_company(rows_table.c.company, rows_table.c.key, [])) == []

"""Importing a dataset replaces the pictures it overlaps, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from controltower.domain.analysis import Allocation, Analysis, OrderOutcome, OrderRiskStatus
from controltower.domain.model import ENTITY_NAMES, Dataset, SalesOrderLine
from controltower.storage.repository import (
    AmbiguousPictureError,
    PictureConflictError,
    PictureNotFoundError,
    PictureWriteError,
    latest_scan_run,
    list_pictures,
    load_picture,
    order_risk_rows,
    picture_id_for_company,
    picture_summary,
    replace_picture,
)
from helpers.order_risk import record_analysis

pytestmark = pytest.mark.database

IMPORTED_AT = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)

Business = Callable[..., Dataset]


def store(sessions: sessionmaker[Session], dataset: Dataset, *, replace_all: bool = False) -> int:
    with sessions.begin() as session:
        summary = replace_picture(
            session, dataset, source="test", imported_at=IMPORTED_AT, replace_all=replace_all
        )
    return summary.picture_id


def stored_companies(sessions: sessionmaker[Session]) -> list[tuple[str, ...]]:
    with sessions() as session:
        return [picture.companies for picture in list_pictures(session)]


def test_a_stored_picture_loads_back_equal_to_the_dataset(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    dataset = make_business("north", "south")
    picture_id = store(sessions, dataset)
    with sessions() as session:
        assert load_picture(session) == dataset
        assert load_picture(session, picture_id) == dataset


def test_every_entity_and_every_blank_field_survives_the_round_trip(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    dataset = make_business("main")
    assert all(rows for _, rows in dataset.collections() if _ != "transfer_lanes")
    store(sessions, dataset)
    with sessions() as session:
        loaded = load_picture(session)
    for name in ENTITY_NAMES:
        assert getattr(loaded, name) == getattr(dataset, name), name
    assert loaded.products[1].unit_cost is None
    assert loaded.sales_orders[1].accepts_partial is None
    assert loaded.picks[0].created_at == datetime(2026, 11, 24, 8, 30, 15, 250000)


def test_importing_the_same_companies_again_replaces_the_picture(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    first = store(sessions, make_business("north"))
    newer = make_business("north", prefix="NEW-")
    second = store(sessions, newer)
    assert second != first
    with sessions() as session:
        assert [p.picture_id for p in list_pictures(session)] == [second]
        assert load_picture(session) == newer


def test_pictures_of_different_companies_are_kept_side_by_side(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    north = make_business("north")
    south = make_business("south")
    north_id = store(sessions, north)
    south_id = store(sessions, south)
    with sessions() as session:
        assert picture_id_for_company(session, "north") == north_id
        assert picture_id_for_company(session, "south") == south_id
        assert load_picture(session, north_id) == north
        assert load_picture(session, south_id) == south


def test_a_dataset_covering_more_companies_replaces_every_picture_it_overlaps(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    store(sessions, make_business("north"))
    store(sessions, make_business("south"))
    store(sessions, make_business("west"))
    store(sessions, make_business("north", "south"))
    assert stored_companies(sessions) == [("west",), ("north", "south")]


def test_replacing_a_picture_that_covers_another_company_is_refused_naming_it(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    both = make_business("north", "south")
    store(sessions, both)
    with sessions() as session, pytest.raises(PictureConflictError) as refused:
        replace_picture(session, make_business("north"), source="test", imported_at=IMPORTED_AT)
    assert refused.value.dropped_companies == ("south",)
    assert "south would be lost" in str(refused.value)
    assert "--replace-all" in str(refused.value)
    with sessions() as session:
        assert load_picture(session) == both


def test_replace_all_replaces_every_stored_picture(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    store(sessions, make_business("north", "south"))
    store(sessions, make_business("west"))
    only_north = make_business("north")
    store(sessions, only_north, replace_all=True)
    assert stored_companies(sessions) == [("north",)]
    with sessions() as session:
        assert load_picture(session) == only_north


def test_a_failure_halfway_leaves_the_previous_picture_intact(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    previous = make_business("north")
    store(sessions, previous)
    broken = make_business("north", prefix="NEW-")
    duplicate = replace(broken.sales_order_lines[0])
    broken.sales_order_lines.append(duplicate)  # the key (order_id, line) repeats
    written: list[str] = []

    with sessions() as session, pytest.raises(PictureWriteError) as refused:
        replace_picture(
            session,
            broken,
            source="test",
            imported_at=IMPORTED_AT,
            progress=lambda name, _done, _total: written.append(name),
        )
    assert "could not store sales_order_lines" in str(refused.value)
    assert "products" in written  # the old picture was deleted, new rows were going in
    with sessions() as session:
        assert [p.companies for p in list_pictures(session)] == [("north",)]
        assert load_picture(session) == previous


def test_a_failed_replacement_leaves_the_session_usable(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    broken = make_business("north")
    broken.sales_order_lines.append(replace(broken.sales_order_lines[0]))
    fixed = make_business("north")
    with sessions() as session:
        with pytest.raises(PictureWriteError):
            replace_picture(session, broken, source="test", imported_at=IMPORTED_AT)
        replace_picture(session, fixed, source="test", imported_at=IMPORTED_AT)
        session.commit()
    with sessions() as session:
        assert load_picture(session) == fixed


def test_replacing_a_picture_keeps_the_scan_results_of_its_companies(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    picture_id = store(sessions, make_business("north"))
    outcome = OrderOutcome(
        order_id="SO1001",
        customer="C001",
        warehouse="WH-NORTH",
        promised_date=date(2026, 11, 27),
        status=OrderRiskStatus.FULLY_ALLOCATED,
        allocation=Allocation.FULL,
        blockers=(),
        projected_ship_date=date(2026, 11, 26),
        at_risk=False,
        days_late=0,
        lines=(),
    )
    analysis = Analysis(as_of=date(2026, 11, 25), orders=[outcome], pools={}, credit={})
    with sessions.begin() as session:
        recorded = record_analysis(
            session, picture_id, analysis, scanned_at=IMPORTED_AT, policy_digest="x"
        )
    new_id = store(sessions, make_business("north"))
    with sessions() as session:
        assert order_risk_rows(session, picture_id) == []
        (row,) = order_risk_rows(session, new_id)
        # the new picture has not been scanned yet; the risk is where the last scan left it
        assert latest_scan_run(session, new_id) is None
    assert (row.picture_id, row.company, row.scan_run_id) == (new_id, "north", recorded.scan_run_id)
    assert row.outcome == outcome


def test_progress_reports_each_entity_chunk_by_chunk_up_to_its_total(
    sessions: sessionmaker[Session], make_business: Business
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
            dataset,
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
    assert list(dict.fromkeys(name for name, _, _ in calls)) == list(ENTITY_NAMES)


def test_picture_summary_lists_companies_warehouses_and_counts(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    dataset = make_business("south", "north")
    with sessions.begin() as session:
        returned = replace_picture(
            session, dataset, source="dataset:/data/acme", imported_at=IMPORTED_AT
        )
    with sessions() as session:
        (summary,) = picture_summary(session)
    assert summary == returned
    assert summary.companies == ("north", "south")
    assert summary.source == "dataset:/data/acme"
    assert summary.imported_at == IMPORTED_AT
    assert summary.counts == dataset.entity_counts()
    assert summary.warehouses == [
        ("WH-SOUTH", "south distribution center", "south"),
        ("WH-NORTH", None, "north"),
    ]


def test_a_naive_import_time_is_taken_as_utc(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    with sessions.begin() as session:
        replace_picture(
            session, make_business(), source="test", imported_at=datetime(2026, 11, 25, 9)
        )
    with sessions() as session:
        (stored,) = list_pictures(session)
    assert stored.imported_at == datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_loading_without_an_id_asks_for_a_company_when_several_pictures_are_stored(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    store(sessions, make_business("north"))
    store(sessions, make_business("south"))
    with sessions() as session, pytest.raises(AmbiguousPictureError, match="name a company"):
        load_picture(session)


def test_loading_from_an_empty_database_says_to_import_a_dataset_first(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, pytest.raises(PictureNotFoundError, match="controltower import"):
        load_picture(session)


def test_an_unknown_company_or_picture_is_named_in_the_error(
    sessions: sessionmaker[Session], make_business: Business
) -> None:
    store(sessions, make_business("north"))
    with sessions() as session:
        with pytest.raises(PictureNotFoundError, match=r"'east'.*stored companies: north"):
            picture_id_for_company(session, "east")
        with pytest.raises(PictureNotFoundError, match="no picture with id 999"):
            load_picture(session, 999)


def test_a_dataset_without_warehouses_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(PictureWriteError, match="no warehouses"):
        replace_picture(session, Dataset(), source="test", imported_at=IMPORTED_AT)

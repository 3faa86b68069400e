"""A warehouse manager opens Control Tower and sees what was loaded."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from controltower.demo import generate_business
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import replace_picture

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from helpers.live_server import LiveServer


def load_small_demo(database_url: str) -> dict[str, int]:
    dataset = generate_business("small", seed=3, as_of=date(2026, 11, 25))
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            replace_picture(
                session, dataset, source="demo:small", imported_at=datetime(2026, 11, 25, 8, 0)
            )
            session.commit()
    finally:
        engine.dispose()
    return dataset.entity_counts()


def test_empty_database_tells_the_user_how_to_load_a_business(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Nothing loaded yet").is_visible()
    assert "controltower import" in page.content()


def test_overview_shows_companies_warehouses_and_counts_of_what_was_loaded(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    counts = load_small_demo(live_server.database_url)
    page.goto(live_server.url + "/")
    tile = page.locator('[data-entity="sales_order_lines"] .count')
    assert tile.inner_text().replace(",", "") == str(counts["sales_order_lines"])
    assert page.locator("table.grid tbody tr").count() == counts["warehouses"]
    assert page.get_by_role("link", name="API docs").is_visible()
    page.screenshot(path=str(tmp_path / "overview-unscanned.png"), full_page=True)


def test_api_docs_load_without_internet(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.url + "/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    assert "Control Tower" in page.locator(".swagger-ui .info").inner_text()

"""The daily loop's picture: what ``import`` and ``sync odoo`` store is scanned at once,
so the pages and the API show it; stored without a scan (``--no-scan``), the pages and
the API agree that there is none, even while cases of an earlier picture are stored."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from controltower.storage.database import make_engine
from controltower.storage.tables import exception_cases, pictures, scan_runs
from fake_odoo import FakeOdoo
from fake_odoo.business import seed_business
from helpers.cli_runs import MINIMAL, MINIMAL_AS_OF, assert_refused, database_dump, run_cli
from helpers.odoo_cli import connection_args, run_odoo_command
from helpers.people import TEST_PASSWORD
from helpers.scanned_demo import anonymous_client, api_client


@contextmanager
def signed_in_as_admin(url: str) -> Iterator[TestClient]:
    """A browser-like client signed in as the administrator ``api_client`` added."""
    with anonymous_client(url) as client:
        answer = client.post(
            "/login",
            data={"login": "admin", "password": TEST_PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(
                    sa.select(sa.func.count()).select_from(table)
                ).scalar_one()
                for table in (pictures, scan_runs, exception_cases)
            }
    finally:
        engine.dispose()


def test_an_import_scans_the_picture_so_the_pages_and_the_api_show_it(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url

    imported = run_cli("import", MINIMAL, "--database-url", url)

    assert imported.exit_code == 0, imported.output
    today = date.today().isoformat()
    assert imported.stdout.rstrip().splitlines()[-1].startswith(f"Scan run 1 as of {today}:")
    with api_client(url) as api:
        queue = api.get("/api/exceptions")
    with signed_in_as_admin(url) as browser:
        page = browser.get("/exceptions")
    assert queue.status_code == 200, queue.text
    assert queue.json()["scan"]["as_of"] == today
    assert page.status_code == 200
    assert "No scan yet" not in page.text


def test_without_a_scan_the_pages_and_the_api_agree_there_is_none(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    scanned = run_cli("import", MINIMAL, "--as-of", MINIMAL_AS_OF, "--database-url", url)
    assert scanned.exit_code == 0, scanned.output
    unscanned = run_cli("import", MINIMAL, "--no-scan", "--database-url", url)
    assert unscanned.exit_code == 0, unscanned.output
    stored = counts(url)
    assert stored["pictures"] == 1
    assert stored["exception_cases"] > 0  # the first picture's cases are still stored

    with api_client(url) as api:
        answers = {path: api.get(path) for path in ("/api/exceptions", "/api/cases")}
        orders = api.get("/api/orders")  # the orders already said so
    with signed_in_as_admin(url) as browser:
        pages = {path: browser.get(path) for path in ("/exceptions", "/orders")}

    assert orders.status_code == 404
    for path, answer in answers.items():
        assert answer.status_code == 404, (path, answer.text)
        assert "no scan has been recorded for this picture yet" in answer.json()["detail"]
    for path, page in pages.items():
        assert "No scan yet" in page.text, path


def test_import_no_scan_and_the_scan_are_in_its_help() -> None:
    result = run_cli("import", "--help")

    assert result.exit_code == 0, result.output
    assert "--no-scan" in result.stdout
    assert "then scan it" in result.stdout


def test_a_sync_scans_what_it_stores_as_an_import_does(database_url: str) -> None:
    with FakeOdoo() as odoo:
        business = seed_business(odoo)
        connection = connection_args(odoo.url, odoo.db, business.login, database_url)
        synced = run_odoo_command("sync", connection, business.api_key)
        after_sync = counts(database_url)
        again = run_odoo_command("sync", connection, business.api_key, "--no-scan")

    assert synced.exit_code == 0, synced.output
    today = date.today().isoformat()
    assert synced.stdout.rstrip().splitlines()[-1].startswith(f"Scan run 1 as of {today}:")
    assert after_sync["scan_runs"] == 1
    assert again.exit_code == 0, again.output
    assert "Scan run" not in again.stdout
    assert counts(database_url)["scan_runs"] == 1


def test_an_import_whose_scan_fails_is_rolled_back_whole(
    migrated_database_url: str, tmp_path: Path
) -> None:
    url = migrated_database_url
    first = run_cli("import", MINIMAL, "--as-of", MINIMAL_AS_OF, "--database-url", url)
    assert first.exit_code == 0, first.output
    folder = tmp_path / "dataset"
    shutil.copytree(MINIMAL, folder)
    path = folder / "sales_order_lines.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    for row in rows[2:5]:  # three open lines of the largest quantity the columns hold
        row[rows[0].index("qty")] = "4611686018427.387903"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    before = database_dump(url)

    result = run_cli("import", folder, "--as-of", MINIMAL_AS_OF, "--database-url", url)

    assert_refused(result, 1, "more than the engine can sum exactly", "nothing was imported")
    assert database_dump(url) == before

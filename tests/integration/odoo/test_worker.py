"""``controltower worker --once``: one cycle of the background work against the fake Odoo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from controltower.cli.main import app
from fake_odoo import FakeOdoo
from fake_odoo.business import Business


@pytest.fixture
def odoo() -> Iterator[FakeOdoo]:
    with FakeOdoo(version="17.0") as server:
        yield server


def odoo_environment(odoo: FakeOdoo, business: Business) -> dict[str, str]:
    return {
        "ODOO_URL": odoo.url,
        "ODOO_DB": odoo.db,
        "ODOO_LOGIN": business.login,
        "ODOO_API_KEY": business.api_key,
    }


def test_one_cycle_syncs_odoo_and_scans_the_picture(
    odoo: FakeOdoo, business: Business, database_url: str
) -> None:
    result = CliRunner().invoke(
        app,
        ["worker", "--once", "--database-url", database_url],
        env=odoo_environment(odoo, business),
    )
    assert result.exit_code == 0, result.output
    assert "synced" in result.stdout
    assert business.api_key not in result.output

    again = CliRunner().invoke(
        app,
        ["worker", "--once", "--database-url", database_url],
        env=odoo_environment(odoo, business),
    )
    assert again.exit_code == 0, again.output
    assert "0 records changed" in again.stdout


def test_a_cycle_that_cannot_reach_odoo_fails_with_one_line(
    odoo: FakeOdoo, business: Business, database_url: str
) -> None:
    environment = {**odoo_environment(odoo, business), "ODOO_API_KEY": "wrong"}
    result = CliRunner().invoke(
        app, ["worker", "--once", "--database-url", database_url], env=environment
    )
    assert result.exit_code == 1
    assert "cycle failed" in result.stderr
    assert "Traceback" not in result.output


def test_half_a_connection_is_refused(database_url: str) -> None:
    result = CliRunner().invoke(
        app,
        ["worker", "--once", "--database-url", database_url],
        env={"ODOO_URL": "http://127.0.0.1:9"},
    )
    assert result.exit_code == 2
    assert "ODOO_API_KEY" in result.stderr

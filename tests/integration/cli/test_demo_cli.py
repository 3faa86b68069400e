"""``controltower demo``: write the demo business as a dataset, load it, serve it."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from controltower.cli.demo_cmd import register
from controltower.connectors.dataset import read_dataset
from controltower.demo.generator import generate_business
from controltower.demo.story import find_story_order
from controltower.domain.model import Dataset, OrderStatus
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.repository import list_pictures, load_picture
from helpers.serve_process import wait_for

AS_OF = "2026-11-25"


@pytest.fixture
def app() -> typer.Typer:
    """A bare app holding only the demo command, as the real root app registers it."""
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def small_demo(seed: int = 7, as_of: str = AS_OF) -> Dataset:
    return generate_business("small", seed=seed, as_of=date.fromisoformat(as_of))


def stored_pictures(url: str) -> tuple[int, Dataset]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return len(list_pictures(session)), load_picture(session)
    finally:
        engine.dispose()


def test_demo_writes_the_business_as_a_dataset_folder_that_reads_back_equal(
    app: typer.Typer, tmp_path: Path
) -> None:
    folder = tmp_path / "nordel"
    result = run(app, "--size", "small", "--as-of", AS_OF, "--dataset-out", folder)
    assert result.exit_code == 0, result.output
    assert f"Wrote the small demo business (seed 7, as of {AS_OF}) to {folder}" in result.stdout
    read = read_dataset(folder)
    assert read.warnings == []
    assert read.dataset == small_demo()


def test_demo_generates_around_today_when_no_date_is_given(
    app: typer.Typer, tmp_path: Path
) -> None:
    before = date.today()
    result = run(app, "--size", "small", "--seed", "3", "--dataset-out", tmp_path)
    after = date.today()
    assert result.exit_code == 0, result.output
    written = read_dataset(tmp_path).dataset
    assert written in (small_demo(3, before.isoformat()), small_demo(3, after.isoformat()))


def test_demo_refuses_a_date_that_is_not_a_calendar_date(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, "--size", "small", "--as-of", "2026-13-01", "--dataset-out", tmp_path)
    assert result.exit_code != 0
    assert "2026-13-01" in result.output
    assert not any(tmp_path.iterdir())


def test_demo_refuses_an_unknown_size(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, "--size", "huge", "--dataset-out", tmp_path)
    assert result.exit_code != 0
    assert "huge" in result.output


@pytest.mark.database
def test_demo_loads_and_scans_the_business_replacing_what_was_stored(
    app: typer.Typer, database_url: str
) -> None:
    first = run(
        app,
        "--size",
        "small",
        "--seed",
        "5",
        "--as-of",
        AS_OF,
        "--no-serve",
        "--database-url",
        database_url,
    )
    assert first.exit_code == 0, first.output
    result = run(
        app, "--size", "small", "--as-of", AS_OF, "--no-serve", "--database-url", database_url
    )
    assert result.exit_code == 0, result.output

    count, stored = stored_pictures(database_url)
    assert count == 1
    expected = small_demo()
    assert stored.entity_counts() == expected.entity_counts()
    assert {o.order_id: o for o in stored.sales_orders} == {
        o.order_id: o for o in expected.sales_orders
    }
    story = find_story_order(expected)
    assert story is not None
    assert "Loaded the small demo business (seed 7, as of 2026-11-25)" in result.stdout
    assert f"Start with order {story.order_id}" in result.stdout
    open_orders = sum(1 for o in expected.sales_orders if o.status is OrderStatus.OPEN)
    assert f"Scan run 2 as of 2026-11-25: {open_orders} open orders" in result.stdout


@pytest.mark.database
def test_demo_without_no_serve_serves_the_web_app_until_stopped(
    database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-c",
        "from controltower.cli.main import app; app()",
        "demo",
        "--size",
        "small",
        "--as-of",
        AS_OF,
        "--database-url",
        database_url,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        health = wait_for(server, f"http://127.0.0.1:{port}/api/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in errors
    assert "Ctrl+C" in errors

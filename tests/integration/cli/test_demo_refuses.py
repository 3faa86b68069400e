"""``controltower demo`` never replaces a real business by mistake.

A database holding anything the demo did not make (an imported picture, a person who is
not one of the demo's, exception cases of another company) is refused in one line
naming the database (never its password), and left exactly as it was, unless the demo
is told ``--replace``. A database the demo made is reloaded as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from controltower.cli import dataset_cmds, demo_cmd, scan_cmd
from controltower.storage import tables
from controltower.storage.database import displayable_url, make_engine
from helpers.people import add_test_person

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
AS_OF = "2026-11-25"


@pytest.fixture
def app() -> typer.Typer:
    """The demo, import and scan commands, as the root app registers them."""
    app = typer.Typer()
    for module in (demo_cmd, dataset_cmds, scan_cmd):
        module.register(app)
    return app


def run(app: typer.Typer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def demo(app: typer.Typer, url: str, *extra: str) -> Result:
    return run(
        app,
        "demo",
        "--size",
        "small",
        "--as-of",
        AS_OF,
        "--no-serve",
        "--database-url",
        url,
        *extra,
    )


def with_password(url: str) -> str:
    """``url`` with a password in it (PostgreSQL's trust login ignores it; SQLite has none)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return url
    return parsed.set(password="s3cret-pw").render_as_string(hide_password=False)


def contents(url: str) -> tuple[list[str], list[str], int]:
    """The stored pictures' sources, the people's logins and the number of cases."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sources = connection.execute(
                sa.select(tables.pictures.c.source).order_by(tables.pictures.c.id)
            ).scalars()
            logins = connection.execute(
                sa.select(tables.users.c.login).order_by(tables.users.c.login)
            ).scalars()
            cases = connection.execute(
                sa.select(sa.func.count()).select_from(tables.exception_cases)
            ).scalar_one()
            return list(sources), list(logins), cases
    finally:
        engine.dispose()


def assert_refused(result: Result, url: str, *named: str) -> None:
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: the database at {displayable_url(url)} holds data")
    assert "s3cret-pw" not in result.output
    assert "--replace" in line
    for word in named:
        assert word in line
    assert "Traceback" not in result.output


def test_an_imported_business_is_refused_and_left_as_it_was(
    app: typer.Typer, database_url: str
) -> None:
    url = with_password(database_url)
    assert run(app, "import", MINIMAL, "--database-url", url).exit_code == 0
    before = contents(database_url)

    result = demo(app, url)

    assert_refused(result, url, "1 picture (from dataset:minimal)")
    assert contents(database_url) == before


def test_a_person_who_is_not_the_demos_is_refused_and_nobody_is_added(
    app: typer.Typer, migrated_database_url: str
) -> None:
    add_test_person(migrated_database_url, "admin")  # "Admin", not "Demo administrator"
    add_test_person(migrated_database_url, "alice")
    before = contents(migrated_database_url)

    result = demo(app, migrated_database_url)

    assert_refused(result, migrated_database_url, "2 people (login admin, alice)")
    assert contents(migrated_database_url) == before


def test_cases_of_another_company_are_refused_even_once_its_picture_is_gone(
    app: typer.Typer, database_url: str
) -> None:
    imported = run(app, "import", MINIMAL, "--no-scan", "--database-url", database_url)
    assert imported.exit_code == 0, imported.output
    scanned = run(app, "scan", "--db", "--as-of", AS_OF, "--database-url", database_url)
    assert scanned.exit_code == 0, scanned.output
    replaced = demo(app, database_url, "--replace")
    assert replaced.exit_code == 0, replaced.output
    sources, _, cases = contents(database_url)
    assert [s.split(":")[0] for s in sources] == ["demo"]
    before = contents(database_url)

    result = demo(app, database_url)

    assert_refused(result, database_url, "exception cases (of main)")
    assert contents(database_url) == before
    assert cases == before[2]


def test_replace_loads_the_demo_over_an_imported_business(
    app: typer.Typer, database_url: str
) -> None:
    assert run(app, "import", MINIMAL, "--database-url", database_url).exit_code == 0

    result = demo(app, database_url, "--replace")

    assert result.exit_code == 0, result.output
    sources, logins, _ = contents(database_url)
    assert len(sources) == 1
    assert sources[0].startswith("demo:small:seed=7")
    assert "admin" in logins


def test_an_empty_database_and_the_demos_own_are_loaded_without_asking(
    app: typer.Typer, database_url: str
) -> None:
    first = demo(app, database_url)
    assert first.exit_code == 0, first.output
    again = run(
        app,
        "demo",
        "--size",
        "small",
        "--seed",
        "9",
        "--as-of",
        AS_OF,
        "--no-serve",
        "--database-url",
        database_url,
    )
    assert again.exit_code == 0, again.output
    sources, _, _ = contents(database_url)
    assert len(sources) == 1
    assert sources[0].startswith("demo:small:seed=9")

"""``controltower import`` / ``export`` / ``db upgrade`` against a real database."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from controltower.cli.dataset_cmds import register
from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.domain.model import Dataset
from controltower.storage.database import current_revision, head_revision, make_engine
from controltower.storage.database import make_session_factory as session_factory
from controltower.storage.repository import StoredPicture, list_pictures, load_picture

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
LOCATED_PROBLEM = re.compile(r"^[a-z_]+\.csv:\d+:[a-z_]+: \S")


@pytest.fixture
def app() -> typer.Typer:
    """A bare app holding only these commands, as the real root app registers them."""
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def run(app: typer.Typer, *args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env=env)


def stored(sessions: sessionmaker[Session]) -> tuple[list[StoredPicture], Dataset]:
    with sessions() as session:
        return list_pictures(session), load_picture(session)


def append_line(csv_file: Path, row: str) -> int:
    """Append ``row`` to ``csv_file``; its physical line number (the header is line 1)."""
    text = csv_file.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    csv_file.write_text(text + row + "\n", encoding="utf-8")
    return len((text + row).splitlines())


def minimal_dataset() -> Dataset:
    return read_dataset(MINIMAL).dataset


def test_importing_a_dataset_stores_it_and_prints_its_counts(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session]
) -> None:
    result = run(app, "import", MINIMAL, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert "Imported picture" in result.stdout
    assert "company main" in result.stdout
    line_count = len(minimal_dataset().sales_order_lines)
    assert re.search(rf"sales_order_lines\s+{line_count}\b", result.stdout)
    pictures, dataset = stored(sessions)
    assert [p.companies for p in pictures] == [("main",)]
    assert pictures[0].source == f"dataset:{MINIMAL}"
    assert dataset == minimal_dataset()


def test_an_invalid_dataset_is_refused_with_located_problems_and_the_database_untouched(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    assert run(app, "import", MINIMAL, "--database-url", database_url).exit_code == 0
    before = stored(sessions)
    broken = tmp_path / "broken"
    shutil.copytree(MINIMAL, broken)
    bad_line = append_line(broken / "sales_order_lines.csv", "SO1001,3,NO-SUCH-SKU,lots,,,,")
    bad_product = append_line(broken / "products.csv", "FUSE-60,Fuse 60A,-1,,,,")

    result = run(app, "import", broken, "--database-url", database_url)

    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if LOCATED_PROBLEM.match(line)]
    assert {problem.split(": ", 1)[0] for problem in problems} == {
        f"products.csv:{bad_product}:unit_cost",
        f"sales_order_lines.csv:{bad_line}:qty",
        f"sales_order_lines.csv:{bad_line}:sku",
    }
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert stored(sessions) == before


def test_import_then_export_then_import_again_loses_nothing(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    exported = tmp_path / "exported"
    assert run(app, "import", MINIMAL, "--database-url", database_url).exit_code == 0
    result = run(app, "export", exported, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert f"to {exported}" in result.stdout
    assert read_dataset(exported).dataset == minimal_dataset()

    again = run(app, "import", exported, "--database-url", database_url)
    assert again.exit_code == 0, again.output
    pictures, dataset = stored(sessions)
    assert len(pictures) == 1
    assert dataset == minimal_dataset()


def test_a_dataset_that_would_drop_a_stored_company_is_refused_unless_replace_all(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    two_companies = minimal_dataset()
    two_companies.warehouses = [
        replace(w, company="west") if w.code == "WH-WEST" else w for w in two_companies.warehouses
    ]
    write_dataset(two_companies, tmp_path / "two")
    assert run(app, "import", tmp_path / "two", "--database-url", database_url).exit_code == 0

    refused = run(app, "import", MINIMAL, "--database-url", database_url)
    assert refused.exit_code == 1
    assert "west would be lost" in refused.stderr
    assert "--replace-all" in refused.stderr
    assert stored(sessions)[1] == two_companies

    forced = run(app, "import", MINIMAL, "--database-url", database_url, "--replace-all")
    assert forced.exit_code == 0, forced.output
    pictures, dataset = stored(sessions)
    assert [p.companies for p in pictures] == [("main",)]
    assert dataset == minimal_dataset()


def test_the_database_url_comes_from_the_environment_without_a_flag(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session]
) -> None:
    result = run(app, "import", MINIMAL, env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert stored(sessions)[1] == minimal_dataset()


def test_db_upgrade_brings_an_empty_database_to_the_latest_schema(
    app: typer.Typer, database_url: str, engine: Engine
) -> None:
    result = run(app, "db", "upgrade", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert current_revision(engine) == head_revision()
    assert f"schema revision {head_revision()}" in result.stdout


def test_export_asks_for_a_company_when_several_pictures_are_stored(
    app: typer.Typer, database_url: str, tmp_path: Path
) -> None:
    north = minimal_dataset()
    north.warehouses = [replace(w, company="north") for w in north.warehouses]
    write_dataset(north, tmp_path / "north")
    assert run(app, "import", MINIMAL, "--database-url", database_url).exit_code == 0
    assert run(app, "import", tmp_path / "north", "--database-url", database_url).exit_code == 0

    ambiguous = run(app, "export", tmp_path / "out", "--database-url", database_url)
    assert ambiguous.exit_code == 1
    assert "--company" in ambiguous.stderr

    unknown = run(app, "export", tmp_path / "out", "--database-url", database_url, "--company", "x")
    assert unknown.exit_code == 1
    assert "no stored picture covers company 'x'" in unknown.stderr

    chosen = run(
        app, "export", tmp_path / "out", "--database-url", database_url, "--company", "north"
    )
    assert chosen.exit_code == 0, chosen.output
    assert read_dataset(tmp_path / "out").dataset == north


def test_export_from_a_database_without_the_schema_says_how_to_create_it(
    app: typer.Typer, database_url: str, tmp_path: Path
) -> None:
    result = run(app, "export", tmp_path / "out", "--database-url", database_url)
    assert result.exit_code == 1
    assert "controltower db upgrade" in result.stderr
    assert not (tmp_path / "out").exists()


def test_warnings_about_ignored_columns_go_to_standard_error_and_the_import_proceeds(
    app: typer.Typer, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "extra"
    shutil.copytree(MINIMAL, folder)
    suppliers = folder / "suppliers.csv"
    rows = suppliers.read_text(encoding="utf-8").splitlines()
    suppliers.write_text(
        "\n".join([rows[0] + ",colour", *(row + ",blue" for row in rows[1:])]) + "\n",
        encoding="utf-8",
    )
    result = run(app, "import", folder, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert any(
        line.startswith("warning: ") and "colour" in line for line in result.stderr.splitlines()
    )
    assert "colour" not in result.stdout
    assert stored(sessions)[1] == minimal_dataset()

"""``import`` and ``scan DIR`` refuse a folder cut short, and warn when they cannot tell.

``export`` writes ``manifest.json``; a file that no longer matches it stops both
commands before anything is used, and the database is left as it was. A folder without
a manifest whose file ends with no line break is read, with a warning.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from controltower.cli import dataset_cmds, scan_cmd
from controltower.connectors.dataset import read_dataset
from controltower.storage.database import make_engine
from controltower.storage.repository import list_pictures

pytestmark = pytest.mark.database

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"
CUT_WARNING = "warning: sales_order_lines.csv: the last line has no line break"


def run(*args: str | Path) -> Result:
    app = typer.Typer()
    dataset_cmds.register(app)
    scan_cmd.register(app)
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "120"})


def picture_ids(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return [picture.picture_id for picture in list_pictures(session)]
    finally:
        engine.dispose()


@pytest.fixture
def exported(database_url: str, tmp_path: Path) -> Path:
    """The minimal dataset imported, then exported with its manifest."""
    folder = tmp_path / "exported"
    assert run("import", MINIMAL, "--database-url", database_url).exit_code == 0
    result = run("export", folder, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return folder


def cut_in_half(path: Path) -> tuple[int, int]:
    """Cut ``path`` at a row boundary; the data rows it had and has."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[: 1 + (len(lines) - 1) // 2]
    path.write_text("".join(kept), encoding="utf-8")
    return len(lines) - 1, len(kept) - 1


def test_an_exported_folder_imports_again_without_a_word_about_its_manifest(
    exported: Path, database_url: str
) -> None:
    assert (exported / "manifest.json").is_file()

    result = run("import", exported, "--database-url", database_url)

    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert "manifest.json" not in result.stderr


def test_import_refuses_a_file_cut_at_a_row_boundary_and_stores_nothing(
    exported: Path, database_url: str
) -> None:
    before = picture_ids(database_url)
    had, has = cut_in_half(exported / "sales_order_lines.csv")
    read_dataset(exported)  # still a valid dataset: only the manifest can tell

    result = run("import", exported, "--database-url", database_url)

    assert result.exit_code == 1
    assert (
        f"sales_order_lines.csv: {has} rows, the manifest says {had} (file cut short?)"
        in result.stderr
    )
    assert f"{exported}: 1 problem; nothing was imported." in result.stderr
    assert "Traceback" not in result.output
    assert picture_ids(database_url) == before


def test_the_stateless_scan_refuses_a_cut_folder_and_prints_no_document(
    exported: Path,
) -> None:
    had, has = cut_in_half(exported / "sales_order_lines.csv")

    for mode in (["--json"], []):
        result = run("scan", exported, "--as-of", "2026-01-10", *mode)

        assert result.exit_code == 1
        assert f"{has} rows, the manifest says {had} (file cut short?)" in result.stderr
        assert f"{exported}: 1 problem; nothing was scanned." in result.stderr
        assert result.stdout == ""


def test_without_a_manifest_a_missing_last_line_break_is_a_warning(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "by-hand"
    shutil.copytree(MINIMAL, folder)
    lines = folder / "sales_order_lines.csv"
    lines.write_text(lines.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")

    imported = run("import", folder, "--database-url", database_url)
    scanned = run("scan", folder, "--as-of", "2026-01-10", "--json")

    for result in (imported, scanned):
        assert result.exit_code == 0, result.output
        assert f"{CUT_WARNING}; was the file cut short?" in result.stderr
    assert picture_ids(database_url) != []


def test_a_broken_manifest_is_one_line_naming_it(exported: Path, database_url: str) -> None:
    (exported / "manifest.json").write_text("{not json", encoding="utf-8")

    result = run("import", exported, "--database-url", database_url)

    assert result.exit_code == 1
    assert "manifest.json: not valid JSON (line 1, column 2:" in result.stderr
    assert "Traceback" not in result.output


def test_deleting_the_manifest_lets_an_edited_folder_in(exported: Path, database_url: str) -> None:
    cut_in_half(exported / "sales_order_lines.csv")
    refused = run("import", exported, "--database-url", database_url)
    assert "delete manifest.json to use the folder as it is" in refused.stderr

    (exported / "manifest.json").unlink()

    assert run("import", exported, "--database-url", database_url).exit_code == 0

"""``demo --dataset-out DIR`` writes into an empty or new folder; a folder holding
anything is refused, naming it, with nothing written, unless ``--replace``."""

from __future__ import annotations

from pathlib import Path

from helpers.cli_runs import MINIMAL_AS_OF, assert_refused, run_cli

DEMO = ["demo", "--size", "small", "--as-of", MINIMAL_AS_OF, "--dataset-out"]


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_folder_holding_anything_is_refused_unless_replace(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me\n", encoding="utf-8")
    (folder / "customers.csv").write_text("code,name\nMY-OWN,Mine\n", encoding="utf-8")
    before = contents(folder)

    refused = run_cli(*DEMO, folder)

    line = assert_refused(refused, 2, f"--dataset-out {folder} is not empty", "--replace")
    assert line.startswith("Error: ")
    assert contents(folder) == before

    replaced = run_cli(*DEMO, folder, "--replace")

    assert replaced.exit_code == 0, replaced.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    assert "MY-OWN" not in (folder / "customers.csv").read_text(encoding="utf-8")
    assert (folder / "manifest.json").is_file()


def test_a_folder_a_demo_wrote_is_refused_too_and_an_empty_one_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "deeper"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli(*DEMO, folder).exit_code == 0
    before = contents(folder)

    again = run_cli("demo", "--size", "small", "--seed", "8", "--dataset-out", folder)
    into_empty = run_cli(*DEMO, empty)

    assert_refused(again, 2, str(folder))
    assert contents(folder) == before
    assert into_empty.exit_code == 0, into_empty.output
    assert contents(empty) == before

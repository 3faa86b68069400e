"""A database URL that is wrong, or names a database that cannot be used, is one line on
every command: the URL without its password and what is wrong, exit 2 for a URL wrong as
written and 1 for a database the machine cannot give. A disk that fills up while writing
is one line too, and nothing of the change is stored."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import Pool

from controltower.storage.database import make_engine
from controltower.storage.tables import pictures
from helpers.cli_runs import MINIMAL, MINIMAL_AS_OF, assert_refused, run_cli


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


#: every command that opens the database, as a person runs it (the URL comes last)
COMMANDS: dict[str, list[str]] = {
    "import": ["import", str(MINIMAL)],
    "scan --db": ["scan", "--db"],
    "export": ["export", "{tmp}/export"],
    "db upgrade": ["db", "upgrade"],
    "user list": ["user", "list"],
    "serve": ["serve", "--port", "{port}"],
    "demo": ["demo", "--size", "small", "--no-serve"],
    "worker --once": ["worker", "--once"],
}


URL_KINDS = (
    "unknown kind",
    "not a URL",
    "port not a number",
    "server not listening",
    "folder missing",
    "not a database file",
)


def urls(tmp: Path) -> dict[str, tuple[str, int, tuple[str, ...]]]:
    """Each kind of bad URL: (URL, exit status, what the line must say)."""
    text_file = tmp / "notes.txt"
    text_file.write_text("not a database\n", encoding="utf-8")
    return {
        "unknown kind": ("bogus://x", 2, ("bogus://x", "unknown database kind 'bogus'")),
        "not a URL": ("not a url", 2, ("'not a url' is not a database URL",)),
        "port not a number": (
            "postgresql://u:secret@127.0.0.1:port/x",
            2,
            ("postgresql://u:***@127.0.0.1:port/x", "port that is not a number"),
        ),
        "server not listening": (
            f"postgresql://u:secret@127.0.0.1:{free_port()}/x",
            1,
            ("u:***@127.0.0.1:", "cannot connect to 127.0.0.1:", "connection refused"),
        ),
        "folder missing": (
            f"sqlite:///{tmp}/missing/deeper/ct.db",
            1,
            (f"sqlite:///{tmp}/missing/deeper/ct.db", f"the folder {tmp}/missing does not exist"),
        ),
        "not a database file": (
            f"sqlite:///{text_file}",
            1,
            (f"{text_file} is not a SQLite database file",),
        ),
    }


@pytest.mark.parametrize("kind", URL_KINDS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_database_url_is_one_line_on_every_command(
    command: str, kind: str, tmp_path: Path
) -> None:
    bad = urls(tmp_path)
    assert sorted(bad) == sorted(URL_KINDS)
    url, exit_code, said = bad[kind]
    arguments = [word.format(tmp=tmp_path, port=free_port()) for word in COMMANDS[command]]

    result = run_cli(*arguments, "--database-url", url, env={"ODOO_URL": None})

    line = assert_refused(result, exit_code, *said)
    assert line.startswith("Error: ")
    assert "secret" not in result.output
    assert not (tmp_path / "missing").exists()
    assert not (tmp_path / "export").exists()


def test_a_folder_where_no_file_can_be_created_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() == 0:  # permissions do not stop root: a folder the kernel refuses
        locked = Path("/sys")

    result = run_cli("user", "list", "--database-url", f"sqlite:///{locked}/ct.db")

    line = assert_refused(result, 1, f"no file can be created in {locked}")
    if os.geteuid() != 0:
        assert "permission denied" in line


def test_an_empty_database_url_is_refused_rather_than_replaced_by_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the default database would be made

    result = run_cli("user", "list", "--database-url", "")

    assert_refused(result, 2, "--database-url", "the database URL is empty")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def small_disk() -> Iterator[list[int]]:
    """Every SQLite connection opened meanwhile may grow its database to the number of
    pages set in the list (none: no limit): SQLite then fails exactly as on a full disk."""
    limit: list[int] = []

    def cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        if limit and isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(f"PRAGMA max_page_count={limit[0]}")

    event.listen(Pool, "connect", cap)
    try:
        yield limit
    finally:
        event.remove(Pool, "connect", cap)


def test_a_full_disk_during_an_import_is_one_line_and_keeps_the_last_picture(
    tmp_path: Path, small_disk: list[int]
) -> None:
    path = tmp_path / "ct.db"
    url = f"sqlite:///{path}"
    first = run_cli("import", MINIMAL, "--as-of", MINIMAL_AS_OF, "--database-url", url)
    assert first.exit_code == 0, first.output
    demo = tmp_path / "demo"
    assert run_cli("demo", "--size", "small", "--dataset-out", demo).exit_code == 0
    with sqlite3.connect(path) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    small_disk.append(pages + 20)

    result = run_cli("import", demo, "--replace-all", "--database-url", url)

    assert_refused(result, 1, url, "the disk is full", "rolled back")
    small_disk.clear()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sources = connection.execute(sa.select(pictures.c.source)).scalars().all()
    finally:
        engine.dispose()
    assert sources == [f"dataset:{MINIMAL}"]


@pytest.mark.parametrize(
    "command",
    [
        ["scan", str(MINIMAL), "--json", "--as-of", MINIMAL_AS_OF],
        ["scan", str(MINIMAL), "--as-of", MINIMAL_AS_OF],
        ["demo", "--size", "small", "--as-of", MINIMAL_AS_OF, "--no-serve"],
    ],
    ids=["scan --json", "scan", "demo"],
)
def test_standard_output_on_a_full_disk_is_one_line(command: list[str], tmp_path: Path) -> None:
    controltower = Path(sys.executable).parent / "controltower"
    with open("/dev/full", "w", encoding="utf-8") as full:
        finished = subprocess.run(
            [str(controltower), *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            cwd=tmp_path,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'ct.db'}"},
        )

    assert finished.returncode == 1, finished.stderr
    assert finished.stderr.splitlines() == [
        "Error: cannot write standard output: no space left on the device"
    ]

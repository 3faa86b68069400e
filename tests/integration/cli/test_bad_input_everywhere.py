"""Every command of the command line, given bad input, answers the same way: a non-zero
exit, one clear line on standard error naming what was wrong, no traceback, and a
database exactly as it was.

The commands are read from the Typer application itself, so a new command without its
cases here fails. Each case is a bad
database URL, a folder that is not there, a bad date, options that do not go together,
a busy port, or a value nobody knows, as fits the command.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from controltower.cli.main import app
from helpers.cli_runs import MINIMAL, MINIMAL_AS_OF, assert_refused, database_dump, run_cli


def command_paths(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    """Every command of ``typer_app``, as typed after ``controltower`` (``user add``)."""
    paths: list[str] = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        paths.append(f"{prefix}{name}".strip())
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        paths.extend(command_paths(group.typer_instance, f"{prefix}{group.name} "))
    return paths


@dataclass(frozen=True)
class Bad:
    """One bad command line: its words (``{url}``, ``{tmp}``, ``{busy}``, ``{minimal}``
    stand for the test's database, folder, busy port and the minimal dataset), the exit
    status and what the line must name."""

    words: tuple[str, ...]
    exit_code: int
    named: tuple[str, ...]


def bad(line: str, exit_code: int, *named: str) -> Bad:
    return Bad(tuple(line.split()), exit_code, named)


#: what stands for the database: a kind nobody knows, and a file in a missing folder
UNKNOWN = "bogus://x"
UNREACHABLE = "sqlite:///{tmp}/missing/ct.db"
#: an Odoo that is never reached (every case fails before)
ODOO = "--url http://127.0.0.1:9 --db erp --login ct --api-key key"

CASES: dict[str, list[Bad]] = {
    "import": [
        bad(f"import {{minimal}} --database-url {UNKNOWN}", 2, UNKNOWN, "unknown database kind"),
        bad(f"import {{minimal}} --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("import {tmp}/nowhere --database-url {url}", 2, "DATASET_DIR", "{tmp}/nowhere"),
        bad("import {minimal} --as-of 2026-02-30 --database-url {url}", 2, "--as-of", "2026-02-30"),
        bad("import {minimal} --as-of 2026-11-24 --database-url {url}", 2, "--as-of 2026-11-24"),
        bad("import {minimal} --no-scan --as-of 2026-11-30 --database-url {url}", 2, "--as-of"),
    ],
    "export": [
        bad(f"export {{tmp}}/out --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"export {{tmp}}/out --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("export {tmp}/a-file/out --database-url {url}", 1, "{tmp}/a-file", "not a directory"),
        bad("export {tmp}/out --company NOPE --database-url {url}", 1, "'NOPE'"),
        bad("export {tmp}/out --as-of 2026-11-25 --database-url {url}", 2, "--as-of"),
    ],
    "db upgrade": [
        bad(f"db upgrade --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"db upgrade --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("db upgrade --as-of 2026-11-25 --database-url {url}", 2, "--as-of"),
    ],
    "demo": [
        bad(f"demo --size small --no-serve --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"demo --size small --no-serve --database-url {UNREACHABLE}", 1, "does not exist"),
        bad("demo --size small --no-serve --as-of 2026-11-31 --database-url {url}", 2, "--as-of"),
        bad("demo --size small --no-serve --database-url {url}", 1, "did not make", "--replace"),
        bad("demo --size small --dataset-out {tmp}/ds --port 9000", 2, "--port"),
        bad("demo --size small --dataset-out {tmp}", 2, "--dataset-out {tmp} is not empty"),
        bad("demo --size small --port {busy} --database-url {url}", 1, "port {busy}", "in use"),
        bad("demo --size huge --no-serve --database-url {url}", 2, "--size", "'huge'"),
    ],
    "scan": [
        bad(f"scan --db --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"scan --db --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("scan {tmp}/nowhere --json", 2, "DATASET_DIR", "{tmp}/nowhere"),
        bad("scan {minimal} --json --as-of 25/11/2026", 2, "--as-of", "25/11/2026"),
        bad("scan --db --as-of 2026-11-24 --database-url {url}", 2, "--as-of 2026-11-24"),
        bad("scan {minimal} --company ACME", 2, "--company"),
        bad("scan {minimal} --db --database-url {url}", 2, "--db", "not both"),
        bad("scan {minimal} --policy {tmp}/none.toml", 2, "{tmp}/none.toml", "not found"),
    ],
    "policy check": [
        bad("policy check {tmp}/none.toml", 2, "{tmp}/none.toml", "not found"),
        bad("policy check {tmp}", 2, "{tmp}", "a folder"),
        bad("policy check", 2, "FILE"),
    ],
    "policy replay": [
        bad(
            f"policy replay {{tmp}}/p.toml --from 2026-11-01 --to 2026-11-30 --database-url {UNKNOWN}",
            2,
            UNKNOWN,
        ),
        bad(
            "policy replay {tmp}/p.toml --from 2026-11-31 --to 2026-12-01 --database-url {url}",
            2,
            "--from",
            "2026-11-31",
        ),
        bad(
            "policy replay {tmp}/none.toml --from 2026-11-01 --to 2026-11-30 --database-url {url}",
            2,
            "{tmp}/none.toml",
        ),
        bad(
            "policy replay {tmp}/p.toml --from 2026-11-01 --to 2026-11-30 --company NOPE "
            "--database-url {url}",
            2,
            "--company",
            "'NOPE'",
        ),
        bad("policy replay {tmp}/p.toml --to 2026-11-30 --database-url {url}", 2, "--from"),
    ],
    "policy show": [
        bad("policy show --policy {tmp}/none.toml", 2, "{tmp}/none.toml", "not found"),
        bad("policy show --database-url {url}", 2, "--database-url"),
    ],
    "serve": [
        bad(f"serve --database-url {UNKNOWN}", 2, UNKNOWN),
        bad("serve --port {busy} --database-url {url}", 1, "port {busy} on 127.0.0.1 is in use"),
        bad("serve --port 70000 --database-url {url}", 2, "--port", "65535"),
        bad("serve --host nohost.invalid --database-url {url}", 1, "nohost.invalid"),
    ],
    "worker": [
        bad(f"worker --once --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"worker --once --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad(f"worker --once {ODOO} --database-url {UNREACHABLE}", 1, "cycle failed", "missing"),
        bad("worker --once --interval 30 --database-url {url}", 2, "--interval"),
        bad("worker --once --writeback --database-url {url}", 2, "--writeback", "ODOO_URL"),
        bad("worker --once --policy {tmp}/none.toml --database-url {url}", 2, "{tmp}/none.toml"),
    ],
    "user add": [
        bad(f"user add ann --role manager --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"user add ann --role manager --database-url {UNREACHABLE}", 1, "does not exist"),
        bad("user add ann --role chief --database-url {url}", 2, "'chief'", "manager"),
        bad("user add ann --database-url {url}", 2, "--role"),
        bad("user add bob --role manager --database-url {url}", 1, "'bob'"),
    ],
    "user set": [
        bad(f"user set bob --name Bo --database-url {UNKNOWN}", 2, UNKNOWN),
        bad("user set bob --database-url {url}", 2, "nothing to change", "'bob'"),
        bad("user set bob --team a --no-teams --database-url {url}", 2, "--team", "--no-teams"),
        bad("user set nobody --name No --database-url {url}", 1, "'nobody'"),
    ],
    "user list": [
        bad(f"user list --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"user list --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("user list --csv --database-url {url}", 2, "--csv"),
    ],
    "user token": [
        bad(f"user token bob --database-url {UNKNOWN}", 2, UNKNOWN),
        bad("user token nobody --database-url {url}", 1, "'nobody'"),
    ],
    "audit verify": [
        bad(f"audit verify --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"audit verify --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("audit verify --from 2026-11-25 --database-url {url}", 2, "--from"),
    ],
    "audit export": [
        bad(f"audit export --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"audit export --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad("audit export --format xml --database-url {url}", 2, "--format", "'xml'"),
        bad("audit export --from 2026-02-30 --database-url {url}", 2, "--from", "2026-02-30"),
        bad(
            "audit export --from 2026-11-25 --to 2026-11-01 --database-url {url}",
            2,
            "--to 2026-11-01 is before --from 2026-11-25",
        ),
        bad("audit export --safe-for-spreadsheets --database-url {url}", 2, "--format csv"),
        bad("audit export --out {tmp}/nowhere/a.jsonl --database-url {url}", 1, "{tmp}/nowhere"),
        bad("audit export --out {tmp}/a-file/a.csv --database-url {url}", 1, "{tmp}/a-file"),
    ],
    "sync odoo": [
        bad(f"sync odoo {ODOO} --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(f"sync odoo {ODOO} --database-url {UNREACHABLE}", 1, "{tmp}/missing does not exist"),
        bad(
            "sync odoo --url ftp://x --db erp --login ct --api-key k --database-url {url}",
            2,
            "--url",
            "ftp://x",
        ),
        bad(
            f"sync odoo {ODOO} --settings {{tmp}}/none.toml --database-url {{url}}",
            1,
            "{tmp}/none.toml",
        ),
        bad(
            f"sync odoo {ODOO} --no-scan --policy {{tmp}}/p.toml --database-url {{url}}",
            2,
            "--policy",
        ),
    ],
    "writeback odoo": [
        bad(f"writeback odoo {ODOO} --database-url {UNKNOWN}", 2, UNKNOWN),
        bad(
            f"writeback odoo {ODOO} --protocol soap --database-url {{url}}",
            2,
            "--protocol",
            "'soap'",
        ),
        bad(
            f"writeback odoo {ODOO} --settings {{tmp}}/none.toml --database-url {{url}}",
            1,
            "{tmp}/none.toml",
        ),
    ],
}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


@pytest.fixture
def business(database_url: str) -> str:
    """The minimal dataset imported and scanned as of its day, and one person."""
    imported = run_cli("import", MINIMAL, "--as-of", MINIMAL_AS_OF, "--database-url", database_url)
    assert imported.exit_code == 0, imported.output
    added = run_cli("user", "add", "bob", "--role", "manager", "--database-url", database_url)
    assert added.exit_code == 0, added.output
    return database_url


@pytest.mark.parametrize("command", command_paths(app))
def test_bad_input_is_one_line_a_non_zero_exit_and_changes_nothing(
    command: str, business: str, tmp_path: Path, busy_port: int
) -> None:
    assert sorted(CASES) == sorted(command_paths(app)), "every command has its cases here"
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    (tmp_path / "p.toml").write_text("", encoding="utf-8")
    given = {"url": business, "tmp": str(tmp_path), "busy": str(busy_port), "minimal": str(MINIMAL)}
    no_odoo: dict[str, str | None] = {"ODOO_URL": None, "ODOO_DB": None, "ODOO_LOGIN": None}
    for case in CASES[command]:
        words = [word.format(**given) for word in case.words]
        before = database_dump(business)

        result = run_cli(*words, env={**no_odoo, "ODOO_API_KEY": None})

        named = [name.format(**given) for name in case.named]
        try:
            assert_refused(result, case.exit_code, *named)
        except AssertionError as failure:
            raise AssertionError(f"`controltower {' '.join(words)}`: {failure}") from failure
        assert database_dump(business) == before, " ".join(words)
        assert not (tmp_path / "missing").exists(), " ".join(words)

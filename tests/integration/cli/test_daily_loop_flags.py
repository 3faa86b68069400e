"""Options a command would do nothing with are refused, not ignored; ``scan --db --json``
is supported and writes the document a folder scan of the stored picture writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from controltower.storage.database import make_engine
from controltower.storage.tables import scan_runs
from helpers.cli_runs import (
    MINIMAL,
    MINIMAL_AS_OF,
    assert_refused,
    database_dump,
    run_cli,
)

#: no Odoo connection in the environment, whatever the machine running the tests has
NO_ODOO = {"ODOO_URL": None, "ODOO_DB": None, "ODOO_LOGIN": None, "ODOO_API_KEY": None}


def test_a_stored_scan_as_json_prints_the_document_a_folder_scan_prints(
    database_url: str,
) -> None:
    assert run_cli("import", MINIMAL, "--no-scan", "--database-url", database_url).exit_code == 0

    stored = run_cli(
        "scan", "--db", "--json", "--as-of", MINIMAL_AS_OF, "--database-url", database_url
    )
    folder = run_cli("scan", MINIMAL, "--json", "--as-of", MINIMAL_AS_OF)

    assert stored.exit_code == 0, stored.output
    assert folder.exit_code == 0, folder.output
    assert stored.stdout == folder.stdout
    assert stored.stderr.startswith(f"Scan run 1 as of {MINIMAL_AS_OF}:")
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            runs = connection.execute(sa.select(sa.func.count()).select_from(scan_runs))
            assert runs.scalar_one() == 1  # and it was a stored scan: recorded
    finally:
        engine.dispose()


#: no Odoo connection (its options given, nothing listens there)
ODOO = ["--url", "http://127.0.0.1:9", "--db", "erp", "--login", "ct", "--api-key", "k"]

#: each combination that would do nothing, and the option its refusal names; ``{url}``,
#: ``{folder}`` (not there yet) and ``{policy}`` (a policy file) stand for the test's own
REFUSED = [
    (["scan", "{minimal}", "--company", "ACME"], "--company"),
    (["scan", "{minimal}", "--database-url", "{url}"], "--database-url"),
    (
        ["import", "{minimal}", "--no-scan", "--as-of", MINIMAL_AS_OF, "--database-url", "{url}"],
        "--as-of",
    ),
    (
        ["import", "{minimal}", "--no-scan", "--policy", "{policy}", "--database-url", "{url}"],
        "--policy",
    ),
    (["demo", "--dataset-out", "{folder}", "--database-url", "{url}"], "--database-url"),
    (["demo", "--dataset-out", "{folder}", "--port", "9000"], "--port"),
    (["demo", "--dataset-out", "{folder}", "--no-serve"], "--no-serve"),
    (["demo", "--no-serve", "--host", "0.0.0.0", "--database-url", "{url}"], "--host"),
    (["worker", "--once", "--interval", "30", "--database-url", "{url}"], "--interval"),
    (["worker", "--once", "--writeback", "--database-url", "{url}"], "--writeback"),
    (
        ["sync", "odoo", *ODOO, "--no-scan", "--policy", "{policy}", "--database-url", "{url}"],
        "--policy",
    ),
]


@pytest.mark.parametrize(
    ("arguments", "option"), REFUSED, ids=[" ".join(a[:2]) + f" {o}" for a, o in REFUSED]
)
def test_an_option_the_command_would_ignore_is_refused_and_nothing_changes(
    arguments: list[str], option: str, migrated_database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    policy = tmp_path / "policy.toml"
    policy.write_text("", encoding="utf-8")
    given = {
        "minimal": str(MINIMAL),
        "url": migrated_database_url,
        "folder": str(folder),
        "policy": str(policy),
    }
    before = database_dump(migrated_database_url)

    result = run_cli(*(argument.format(**given) for argument in arguments), env=NO_ODOO)

    assert_refused(result, 2, option)
    assert database_dump(migrated_database_url) == before
    assert not folder.exists()

"""A fake Odoo seeded with the small business, synced and scanned through the command
line, for the write-back tests (activities, messages, tickets): what they run and read.

The cases written back are the ones the product opens; the settings name an Odoo user
per team and a fallback; the policy resolves a case at the first scan that misses its
condition (the tests cannot wait). The API key must never appear in any output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from controltower.cli.main import app
from controltower.cli.odoo_cmd import connection_or_exit, settings_or_exit
from controltower.cli.odoo_writeback import writeback_odoo
from controltower.connectors.odoo.writeback import Write
from controltower.storage.database import make_engine
from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business
from helpers.odoo_cli import connection_args

SETTINGS = """
[odoo]
fallback_user = "ct"

[odoo.users]
customer_service = "sales.sara"
purchasing = "buyer.bruno"
"""
QUICK_RESOLVE_POLICY = """
[lifecycle]
clear_after_scans = 1
clear_after_minutes = 0
"""


W = TypeVar("W", bound=Write)


@dataclass
class WritebackSetup:
    odoo: FakeOdoo
    business: Business
    database_url: str
    settings: Path
    policy: Path
    #: every output of every command run, checked for the API key at the end
    outputs: list[str] = field(default_factory=list)

    def connection_args(self) -> list[str]:
        connection = connection_args(
            self.odoo.url, self.odoo.db, self.business.login, self.database_url
        )
        return [*connection, "--settings", str(self.settings)]

    def run(self, *args: str) -> Result:
        result = CliRunner().invoke(app, list(args), env={"ODOO_API_KEY": self.business.api_key})
        self.outputs.extend([result.stdout, result.stderr])
        return result

    def sync_and_scan(self) -> None:
        synced = self.run("sync", "odoo", *self.connection_args(), "--no-scan")
        assert synced.exit_code == 0, synced.stderr
        scanned = self.run(
            "scan",
            "--db",
            "--as-of",
            self.business.as_of.date().isoformat(),
            "--policy",
            str(self.policy),
            "--database-url",
            self.database_url,
        )
        assert scanned.exit_code == 0, scanned.stderr

    def writeback(self, *extra: str) -> Result:
        return self.run("writeback", "odoo", *self.connection_args(), *extra)

    def rows(self, table: sa.Table) -> list[dict[str, Any]]:
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(sa.select(table))]
        finally:
            engine.dispose()

    def writeback_crashing_after(self, kind: type[W]) -> W:
        """An applied write-back killed after the first ``kind`` write reached Odoo and
        before it was recorded locally; returns that write."""
        crashed: list[W] = []

        def crash(write: Write) -> None:
            if isinstance(write, kind):
                crashed.append(write)
                raise RuntimeError("killed between Odoo's answer and the local commit")

        connection = connection_or_exit(
            self.odoo.url,
            self.odoo.db,
            self.business.login,
            self.business.api_key,
            "xmlrpc",
            10.0,
            1.0,
        )
        with pytest.raises(RuntimeError, match="killed"):
            writeback_odoo(
                connection,
                settings_or_exit(self.settings),
                self.database_url,
                apply=True,
                by="tester",
                after_write=crash,
            )
        (write,) = crashed
        return write


S = TypeVar("S", bound=WritebackSetup)


@contextmanager
def seeded_odoo(
    tmp_path: Path,
    database_url: str,
    setup: Callable[..., S],
    *,
    helpdesk: bool = False,
) -> Iterator[S]:
    """The small business in a fake Odoo 17 (with OCA ``helpdesk_mgmt`` when asked),
    synced and scanned; ``setup`` (a :class:`WritebackSetup` class) wraps it."""
    settings = tmp_path / "odoo.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(QUICK_RESOLVE_POLICY, encoding="utf-8")
    with FakeOdoo(version="17.0") as odoo:
        business = seed_business(odoo)
        if helpdesk:
            odoo.install("helpdesk_mgmt")
        ready = setup(odoo, business, database_url, settings, policy)
        ready.sync_and_scan()
        yield ready
        for text in ready.outputs:
            assert business.api_key not in text

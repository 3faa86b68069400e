"""``controltower worker``: keep the picture fresh without anybody typing ``scan``.

Each cycle syncs Odoo when a connection is configured (``ODOO_URL``, ``ODOO_DB``,
``ODOO_LOGIN``, ``ODOO_API_KEY``), scans the stored picture it produced (so cases open,
update and clear), and, with ``--writeback``, writes the follow-ups back to Odoo. A
cycle starts every ``--interval`` seconds (60 by default: the picture is never more
than about a minute old); ``--once`` runs one cycle and exits, for cron and tests.
After the scan, every cycle also expires the governed action requests nobody decided
within ``[approvals] expiry_hours`` (``api/action_commands.expire_due``).
Then every cycle fires the escalation deadlines that are due
(``storage/escalations.py``: each once, whichever worker gets there first) and
drains the notification outbox (``notify/delivery.py``): email through ``SMTP_URL``,
webhooks signed with ``NOTIFY_WEBHOOK_SECRET``.

A failed cycle (Odoo unreachable, a refused login) is one line on standard error; the
worker goes on with the next cycle, and the stored picture stays the last good one.
With ``--once`` a failed cycle exits 1. Every cycle is one line on standard output.
"""

from __future__ import annotations

import signal
import threading
from datetime import date, datetime
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from controltower.cli.console import errors_console, output_console, policy_or_exit
from controltower.cli.odoo_cmd import (
    GiveUpOption,
    ProtocolOption,
    SettingsOption,
    TimeoutOption,
    connection_or_exit,
    settings_or_exit,
)
from controltower.cli.options import (
    DatabaseUrlOption,
    refuse_unused,
    resolve_settings,
    usage_error,
)

if TYPE_CHECKING:
    from controltower.connectors.odoo.client import OdooConnection
    from controltower.connectors.odoo.settings import OdooSettings
    from controltower.domain.errors import DomainError
    from controltower.notify.delivery import Senders
    from controltower.policy.model import Policy
    from controltower.settings import Settings


def register(app: typer.Typer) -> None:
    """Add ``worker`` to ``app``."""
    app.command("worker")(worker)


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle now and exit.")] = False,
    interval: Annotated[
        float,
        typer.Option("--interval", metavar="SECONDS", min=5.0, help="Start a cycle this often."),
    ] = 60.0,
    writeback: Annotated[
        bool,
        typer.Option("--writeback", help="Also write follow-ups back to Odoo after each scan."),
    ] = False,
    url: Annotated[str | None, typer.Option("--url", envvar="ODOO_URL", hidden=True)] = None,
    db: Annotated[str | None, typer.Option("--db", envvar="ODOO_DB", hidden=True)] = None,
    login: Annotated[str | None, typer.Option("--login", envvar="ODOO_LOGIN", hidden=True)] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="ODOO_API_KEY", hidden=True, show_envvar=False)
    ] = None,
    settings_file: SettingsOption = None,
    protocol: ProtocolOption = "jsonrpc",
    timeout: TimeoutOption = 30.0,
    give_up_after: GiveUpOption = 60.0,
    policy_file: Annotated[
        str | None,
        typer.Option("--policy", metavar="FILE", help="Policy file (TOML) for the scans."),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Sync, scan and write back on a schedule (Odoo from $ODOO_URL, $ODOO_DB, ...)."""
    from pathlib import Path

    if once:
        refuse_unused(ctx, ["interval"], "--once runs one cycle now, so no cycle follows it")
    connection = None
    if url or db or login or api_key:
        if not (url and db and login and api_key):
            errors_console().print(
                "Error: to sync Odoo the worker needs ODOO_URL, ODOO_DB, ODOO_LOGIN and "
                "ODOO_API_KEY (or --url, --db, --login, --api-key)",
                markup=False,
            )
            raise typer.Exit(code=2)
        connection = connection_or_exit(url, db, login, api_key, protocol, timeout, give_up_after)
    elif writeback:
        usage_error(
            "--writeback writes to Odoo, and no Odoo connection is configured: set ODOO_URL, "
            "ODOO_DB, ODOO_LOGIN and ODOO_API_KEY (or --url, --db, --login, --api-key)"
        )
    settings = settings_or_exit(settings_file)
    policy = policy_or_exit(Path(policy_file) if policy_file else None)
    resolved = resolve_settings(database_url=database_url)
    database = resolved.database_url
    cycle = _Cycle(connection, settings, policy, database, writeback=writeback)
    cycle.senders = _senders(resolved)
    if once:
        if not cycle.run():
            raise typer.Exit(code=1)
        return
    stop = threading.Event()

    def _stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    output_console().print(
        f"Worker started: a cycle every {interval:g} s (Ctrl+C to stop).", markup=False
    )
    while not stop.is_set():
        started = datetime.now().astimezone()
        cycle.run()
        elapsed = (datetime.now().astimezone() - started).total_seconds()
        stop.wait(max(0.0, interval - elapsed))
    output_console().print("Worker stopped.", markup=False)


def _senders(resolved: Settings) -> Senders:
    """The notification senders the settings configure (secrets stay in them, unprinted)."""
    from controltower.notify.delivery import Senders

    return Senders.from_settings(
        smtp_url=resolved.smtp_url.get_secret_value() if resolved.smtp_url else None,
        sender=resolved.notify_from,
        webhook_secret=(
            resolved.notify_webhook_secret.get_secret_value()
            if resolved.notify_webhook_secret
            else None
        ),
        base_url=resolved.base_url,
    )


class _Cycle:
    """One round of the worker's work; ``run`` says whether it all went well."""

    #: who sends the notifications the scans queue (None: the outbox is not drained)
    senders: Senders | None = None

    def __init__(
        self,
        connection: OdooConnection | None,
        settings: OdooSettings,
        policy: Policy,
        database_url: str,
        *,
        writeback: bool,
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.policy = policy
        self.database_url = database_url
        self.writeback = writeback
        from controltower.cli.odoo_sync import KeptMirror

        #: the mirror the last cycle's sync stored, so the next one need not load it again
        self.kept = KeptMirror()

    def run(self) -> bool:
        from sqlalchemy.exc import DBAPIError

        from controltower.domain.errors import DomainError
        from controltower.storage.database import StorageError, unavailable_error

        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        from controltower.workflow.memory import cycle_collection_paused

        try:
            # paused for the cycle's sync and scan only: the collector runs again between
            with cycle_collection_paused():
                parts = self._steps()
        except (DomainError, StorageError) as error:
            self._failed(stamp, error)
            return False
        except DBAPIError as error:  # the database cannot be used (a fault otherwise)
            unavailable = unavailable_error(self.database_url, error)
            if unavailable is None:
                raise
            self._failed(stamp, unavailable)
            return False
        except typer.Exit:  # a step already said what went wrong
            return False
        output_console().print(f"{stamp} {'; '.join(parts)}", markup=False, soft_wrap=True)
        return True

    def _steps(self) -> list[str]:
        from controltower.cli.odoo_sync import sync_odoo
        from controltower.cli.scan_cmd import scan_stored_picture

        parts: list[str] = []
        company: str | None = None
        if self.connection is not None:
            summary = sync_odoo(self.connection, self.settings, self.database_url, kept=self.kept)
            company = summary.picture.companies[0]
            parts.append(
                f"synced {summary.source.removeprefix('odoo:')}: "
                f"{sum(summary.changed.values()):,} records changed"
            )
        result = scan_stored_picture(
            database_url=self.database_url,
            company=company,
            as_of=date.today(),
            policy=self.policy,
        )
        parts.append(result.summary_line())
        parts.append(self._expire_requests())
        if self.writeback and self.connection is not None:
            from controltower.cli.odoo_writeback import run_writeback_for_worker

            parts.append(
                run_writeback_for_worker(self.connection, self.settings, self.database_url)
            )
        parts.append(self._escalate())
        if self.senders is not None:
            parts.append(self._deliver(self.senders))
        return parts

    def _escalate(self) -> str:
        """Fire the escalation deadlines that are due; one summary."""
        from controltower.storage.database import make_engine, make_session_factory
        from controltower.storage.escalations import run_escalations

        engine = make_engine(self.database_url)
        try:
            report = run_escalations(
                make_session_factory(engine), self.policy, now=datetime.now().astimezone()
            )
        finally:
            engine.dispose()
        return report.summary_line()

    def _expire_requests(self) -> str:
        """Expire the governed action requests nobody decided in time; one summary."""
        from datetime import UTC

        from controltower.api.action_commands import expire_due
        from controltower.storage.database import make_engine, make_session_factory

        engine = make_engine(self.database_url)
        try:
            with make_session_factory(engine)() as session:
                expired = expire_due(session, now=datetime.now(UTC))
        finally:
            engine.dispose()
        return f"{expired} action request{'' if expired == 1 else 's'} expired"

    def _deliver(self, senders: Senders) -> str:
        """Drain the outbox: send the email and webhooks that are due; one summary."""
        from datetime import UTC

        from controltower.notify.delivery import deliver_outbox
        from controltower.storage.database import make_engine, make_session_factory

        engine = make_engine(self.database_url)
        try:
            report = deliver_outbox(make_session_factory(engine), senders, now=datetime.now(UTC))
        finally:
            engine.dispose()
        return report.summary_line()

    @staticmethod
    def _failed(stamp: str, error: DomainError | Exception) -> None:
        errors_console().print(f"{stamp} cycle failed: {error}", markup=False)

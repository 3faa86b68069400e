"""The ``controltower`` command: a thin Typer app; each command parses, calls one use
case and renders. Commands live in their own modules and register here.

What goes wrong on any command is one line on standard error (:class:`CommandLine`): a
bad command line (an unknown option, a missing argument, a value that does not parse)
is ``Error: ...`` and exit 2, as Typer's convention has it, without the usage block;
a disk that fills up while the command writes (its output, a file) is ``Error: cannot
write ...: no space left on the device`` and exit 1.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer._click.core import Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from controltower.cli import (
    audit_cmd,
    dataset_cmds,
    demo_cmd,
    odoo_cmd,
    policy_cmd,
    scan_cmd,
    serve_cmd,
    user_cmd,
    worker_cmd,
    writeback_cmd,
)


class CommandLine(TyperGroup):
    """The command group that turns a bad command line or a full disk into one line."""

    def invoke(self, ctx: Context) -> Any:
        from controltower.cli.console import disk_full, errors_console

        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except UsageError as error:
            path = error.ctx.command_path if error.ctx is not None else ctx.command_path
            errors_console().print(
                f"Error: {error.format_message()} (see `{path} --help`)", markup=False
            )
            raise typer.Exit(code=2) from error
        except OSError as error:
            if not disk_full(error):
                raise
            where = error.filename or "standard output"
            errors_console().print(
                f"Error: cannot write {where}: no space left on the device", markup=False
            )
            if error.filename is None:
                _discard_standard_output()
            raise typer.Exit(code=1) from error


def _discard_standard_output() -> None:
    """Point standard output at ``/dev/null``, so what is still buffered for it is not
    written again (and refused again) as the process exits."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no real standard output (a test runner's buffer)
        pass
    finally:
        os.close(null)


app = typer.Typer(
    name="controltower",
    cls=CommandLine,
    help="Control Tower: see every exception in your distribution business before it bites.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

dataset_cmds.register(app)
demo_cmd.register(app)
scan_cmd.register(app)
serve_cmd.register(app)
user_cmd.register(app)
odoo_cmd.register(app)
policy_cmd.register(app)
worker_cmd.register(app)
writeback_cmd.register(app)
audit_cmd.register(app)

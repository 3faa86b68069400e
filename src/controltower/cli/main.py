"""The ``controltower`` command: a thin Typer app; each command parses, calls one use
case and renders. Commands live in their own modules and register here."""

from __future__ import annotations

import typer

from controltower.cli import (
    dataset_cmds,
    demo_cmd,
    odoo_cmd,
    scan_cmd,
    serve_cmd,
    user_cmd,
    worker_cmd,
    writeback_cmd,
)

app = typer.Typer(
    name="controltower",
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
worker_cmd.register(app)
writeback_cmd.register(app)

"""``controltower policy``: check a policy file before it is used, and show the policy in
force, every setting with its value and where it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from controltower.cli.console import output_console, print_policy_problems
from controltower.cli.options import usage_error
from controltower.cli.policy_replay_cmd import replay_policy

#: the environment variable naming the policy file (``Settings.policy_file``)
POLICY_FILE_VARIABLE = "CONTROLTOWER_POLICY_FILE"


def register(app: typer.Typer) -> None:
    """Add the ``policy`` command group to ``app``."""
    policy_app = typer.Typer(
        name="policy",
        help="Check a policy file, show the policy in force, or replay one on the history.",
        no_args_is_help=True,
    )
    policy_app.command("check")(check_policy)
    policy_app.command("show")(show_policy)
    policy_app.command("replay")(replay_policy)
    app.add_typer(policy_app, name="policy")


def check_policy(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Policy TOML file to check.", show_default=False),
    ],
) -> None:
    """Check a policy file: every problem in it, one line each (FILE:LINE: key: message).

    Exit 0 when the policy is valid, 2 when it is not (or cannot be read).
    """
    from controltower.policy.loader import check_policy_file

    problems = check_policy_file(file)
    if problems:
        print_policy_problems(problems, str(file), outcome="the policy is not valid")
        raise typer.Exit(code=2)
    output_console().print(f"{file}: the policy is valid", markup=False)


def show_policy(
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            metavar="FILE",
            help=f"Policy TOML file over the defaults (default: ${POLICY_FILE_VARIABLE}, "
            "else the defaults alone).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the policy in force as TOML, each setting marked with where it comes from.

    The defaults, or the policy file (--policy, else $CONTROLTOWER_POLICY_FILE) over
    them; a value the file sets ends "# from FILE", any other "# default".
    """
    from controltower.policy.diagnostics import PolicyInvalidError
    from controltower.policy.loader import load_policy_file
    from controltower.policy.toml_writer import policy_as_toml

    named_by = "--policy"
    if policy_file is None:
        policy_file = _policy_file_from_environment()
        named_by = f"${POLICY_FILE_VARIABLE}"
    try:
        loaded = load_policy_file(policy_file)
    except PolicyInvalidError as exc:
        print_policy_problems(exc.problems, str(policy_file), outcome="nothing was shown")
        raise typer.Exit(code=2) from exc
    if loaded.file is None:
        header = "The policy in force: the defaults (no policy file given)."
        text = policy_as_toml(loaded.policy, header=header, settings={}, file_name="")
    else:
        header = (
            f"The policy in force: the defaults, with {loaded.file.path} ({named_by}) over them."
        )
        text = policy_as_toml(
            loaded.policy,
            header=header,
            settings=loaded.file.settings,
            file_name=loaded.file.path.name,
        )
    typer.echo(text, nl=False)


def _policy_file_from_environment() -> Path | None:
    """The policy file the environment names (``$CONTROLTOWER_POLICY_FILE``), if any."""
    from pydantic import ValidationError

    from controltower.settings import Settings

    try:
        return Settings().policy_file
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = ".".join(str(part) for part in problem["loc"]) or "a setting"
        usage_error(f"setting {name} (${'CONTROLTOWER_' + name.upper()}): {problem['msg']}")

"""Every ``controltower`` command the README shows, run as written, on the demo business.

The README's fenced code blocks are read and every line that runs ``controltower`` is an
example. Each runs as a reader would run it: the command in a process of its own, in a
fresh working directory, with ``DATABASE_URL`` naming a fresh database of the test
suite's kind (SQLite unless ``CT_TEST_DB`` says otherwise). It must exit 0, or with the
status its entry in ``EXAMPLES`` documents for an example that shows a refusal.

The reader's own things are placeholders in the README; ``PLACEHOLDERS`` says what each
becomes here. An example that needs something stored first says so in ``EXAMPLES``:
the demo's picture stored as ``import`` stores it but not scanned (``export`` needs a
picture, ``scan --db`` one that no later scan has gone past), and the README examples
that run before it, as written too.

Left out, and only these: the commands that serve until they are stopped (``serve``,
``worker`` without ``--once``, ``demo`` without ``--no-serve`` that does not write a
dataset folder instead).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pytest

from controltower.connectors.dataset import read_dataset
from controltower.storage.database import make_engine, make_session_factory, migrate
from controltower.storage.repository import replace_picture
from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business

ROOT: Final = Path(__file__).resolve().parents[1]
README: Final = ROOT / "README.md"
#: the command the README runs, in the environment these tests run in
CONTROLTOWER: Final = Path(sys.executable).parent / "controltower"
#: when the demo's picture is stored for the examples that need one
IMPORTED_AT: Final = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Given:
    """What the placeholders stand for in one test."""

    dataset: Path
    odoo: FakeOdoo | None
    business: Business | None

    def odoo_url(self) -> str:
        return self._odoo().url

    def odoo_db(self) -> str:
        return self._odoo().db

    def odoo_login(self) -> str:
        return self._business().login

    def odoo_key(self) -> str:
        return self._business().api_key

    def _odoo(self) -> FakeOdoo:
        assert self.odoo is not None, "an Odoo placeholder in an example not marked odoo"
        return self.odoo

    def _business(self) -> Business:
        assert self.business is not None, "an Odoo placeholder in an example not marked odoo"
        return self.business


#: What each placeholder of the README's examples becomes here. A placeholder is a whole
#: argument, or the value of an environment assignment before the command
#: (``ODOO_API_KEY=...``); an option (``--url``) stands for its value wherever it is given.
PLACEHOLDERS: Final[dict[str, Callable[[Given], str]]] = {
    # the command itself: the controltower of the Python running the tests
    ".venv/bin/controltower": lambda _: str(CONTROLTOWER),
    # the reader's dataset folder: the small demo business (`demo --dataset-out`)
    "path/to/dataset": lambda given: str(given.dataset),
    # the reader's Odoo: the test suite's fake Odoo server (tests/fake_odoo), seeded
    # with its small business, and the user the sync reads as
    "--url": lambda given: given.odoo_url(),
    "--db": lambda given: given.odoo_db(),
    "--login": lambda given: given.odoo_login(),
    "...": lambda given: given.odoo_key(),
}
#: Everything else is used as written: relative folders (`out/`, `demo-data/`) land in
#: the test's working directory, dates and codes are the demo's or harmless.


@dataclass(frozen=True)
class Example:
    """How one README example is run here."""

    #: the demo's picture is stored first, unscanned
    stored: bool = False
    #: the README examples run first (by their key), in this order, in the same database
    #: and folder (their own ``before`` is not followed)
    before: tuple[str, ...] = ()
    #: what the command reads on standard input
    stdin: str = ""
    #: the exit status the README shows (0 unless it shows a refusal)
    exit_code: int = 0
    #: nothing on standard error starts with "warning"
    quiet: bool = True
    #: needs the fake Odoo server
    odoo: bool = False
    #: files the example reads, written into its working folder first: (name, text)
    files: tuple[tuple[str, str], ...] = ()


#: the policy file the README's policy examples read: a change a reader might make
MY_POLICY: Final = """\
[detectors.pricing_variance]
tolerance_pct = 2.5

[[routing.rules]]
type = "order_at_risk"
customer_tier = "strategic"
team = "key_accounts"
"""


#: Every README example, keyed by its first words after ``controltower``: the longest
#: key an example starts with is its entry.
EXAMPLES: Final[dict[str, Example]] = {
    "import": Example(),
    "export": Example(stored=True),
    # the fake Odoo's business has two products sharing one reference, which the sync
    # names in a warning
    "sync odoo": Example(odoo=True, quiet=False),
    # without --settings no Odoo user is known for the fake's teams: a warning per case
    "writeback odoo": Example(before=("sync odoo",), odoo=True, quiet=False),
    "scan": Example(),
    "scan --db": Example(stored=True),
    "demo": Example(),
    # on the demo's picture, so that the warehouse and the team it names are known
    "user add": Example(stored=True, stdin="a password long enough\n"),
    "policy check": Example(files=(("my-policy.toml", MY_POLICY),)),
    "policy show": Example(files=(("my-policy.toml", MY_POLICY),)),
    # on a scanned picture, so there is a history to replay
    "policy replay": Example(
        stored=True, before=("scan --db",), files=(("my-policy.toml", MY_POLICY),)
    ),
    "user list": Example(stored=True, before=("user add",)),
    "user token": Example(stored=True, before=("user add",)),
    # after a change that is audited, so there is a trail to check and export
    "audit verify": Example(stored=True, before=("user add",)),
    "audit export": Example(stored=True, before=("user add",)),
}

_ENVIRONMENT_ASSIGNMENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*")


@dataclass(frozen=True)
class Command:
    """One README example: its environment assignments and its arguments, as written."""

    line: str
    environment: tuple[tuple[str, str], ...]
    arguments: tuple[str, ...]

    @property
    def words(self) -> tuple[str, ...]:
        """The arguments after ``controltower``."""
        return self.arguments[1:]

    @property
    def key(self) -> str:
        """The longest key of ``EXAMPLES`` the command starts with ("" when none)."""
        matching = [key for key in EXAMPLES if self.words[: len(key.split())] == tuple(key.split())]
        return max(matching, key=lambda key: len(key.split()), default="")


def code_lines(markdown: str) -> Iterator[str]:
    """The lines of ``markdown``'s fenced code blocks, continuation lines joined."""
    inside = False
    pending = ""
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""


def readme_commands(markdown: str) -> list[Command]:
    """Every line of a code block in ``markdown`` that runs ``controltower``."""
    commands: list[Command] = []
    for line in code_lines(markdown):
        words = shlex.split(line.removeprefix("$ "), comments=True)
        environment: list[tuple[str, str]] = []
        while words and _ENVIRONMENT_ASSIGNMENT.fullmatch(words[0]):
            name, _, value = words.pop(0).partition("=")
            environment.append((name, value))
        if words and Path(words[0]).name == "controltower":
            commands.append(Command(line.strip(), tuple(environment), tuple(words)))
    return commands


def serves_until_stopped(command: Command) -> bool:
    """Whether the command serves until it is stopped (and so cannot be run to its end)."""
    words = command.words
    if not words:
        return False
    if words[0] == "serve":
        return True
    if words[0] == "worker":
        return "--once" not in words
    if words[0] == "demo":
        return "--no-serve" not in words and "--dataset-out" not in words
    return False


COMMANDS: Final = readme_commands(README.read_text(encoding="utf-8"))
RUN: Final = [command for command in COMMANDS if not serves_until_stopped(command)]


def substituted(command: Command, given: Given) -> tuple[list[str], dict[str, str]]:
    """The command's arguments and environment assignments, placeholders replaced."""
    arguments: list[str] = []
    for position, argument in enumerate(command.arguments):
        option = command.arguments[position - 1] if position else ""
        if argument.startswith("-"):
            arguments.append(argument)  # an option, or a flag (`scan --db`)
        elif option.startswith("--") and option in PLACEHOLDERS:
            arguments.append(PLACEHOLDERS[option](given))  # an option's value
        elif argument in PLACEHOLDERS:
            arguments.append(PLACEHOLDERS[argument](given))
        else:
            arguments.append(argument)
    environment = {
        name: PLACEHOLDERS[value](given) if value in PLACEHOLDERS else value
        for name, value in command.environment
    }
    return arguments, environment


def readme_example(key: str) -> Command:
    """The one README example whose key is ``key``."""
    found = [command for command in RUN if command.key == key]
    assert len(found) == 1, f"EXAMPLES names {key!r} to run first; the README has {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def demo_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo business as a dataset folder, written as the README writes it."""
    folder = tmp_path_factory.mktemp("demo") / "dataset"
    written = subprocess.run(
        [str(CONTROLTOWER), "demo", "--size", "small", "--dataset-out", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    return folder


def store_unscanned(folder: Path, database_url: str) -> None:
    """Store the dataset in ``folder`` as ``import`` stores it, without scanning it."""
    migrate(database_url)
    dataset = read_dataset(folder).dataset
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            replace_picture(session, dataset, source=f"dataset:{folder}", imported_at=IMPORTED_AT)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def fake_odoo() -> Iterator[tuple[FakeOdoo, Business]]:
    """The fake Odoo server with its small business (module-wide: the examples only read)."""
    with FakeOdoo() as odoo:
        yield odoo, seed_business(odoo)


def run(command: Command, example: Example, given: Given, cwd: Path, database_url: str) -> str:
    """Run ``command`` as the README shows it; its standard output, once its exit checked."""
    arguments, assigned = substituted(command, given)
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("ODOO_")
    }
    environment.update(DATABASE_URL=database_url, NO_COLOR="1", **assigned)
    finished = subprocess.run(
        arguments,
        cwd=cwd,
        env=environment,
        input=example.stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == example.exit_code, (
        f"README example `{command.line}` exited {finished.returncode}, "
        f"not {example.exit_code}:\n{finished.stderr}"
    )
    if example.quiet:
        warnings = [
            line for line in finished.stderr.splitlines() if line.lower().startswith("warning")
        ]
        assert not warnings, f"README example `{command.line}` warns:\n" + "\n".join(warnings)
    return finished.stdout


def test_the_readme_shows_commands_and_each_has_an_entry() -> None:
    assert len(RUN) >= 10, [command.line for command in COMMANDS]
    missing = [command.line for command in RUN if not command.key]
    assert not missing, f"README examples without an entry in EXAMPLES: {missing}"
    shown = {command.key for command in RUN}
    stale = [key for key in EXAMPLES if key not in shown]
    assert not stale, f"EXAMPLES entries the README no longer shows: {stale}"


def test_only_commands_that_serve_until_stopped_are_left_out() -> None:
    left_out = [command.words[0] for command in COMMANDS if serves_until_stopped(command)]
    assert set(left_out) <= {"serve", "worker", "demo"}, left_out
    assert "serve" in left_out  # the README shows how to serve


@pytest.mark.parametrize("command", RUN, ids=[" ".join(command.words) for command in RUN])
def test_readme_example_works_on_the_demo(
    command: Command,
    request: pytest.FixtureRequest,
    demo_dataset: Path,
    database_url: str,
    tmp_path: Path,
) -> None:
    example = EXAMPLES.get(command.key)
    assert example is not None, f"no entry in EXAMPLES for `{command.line}`"
    needs_odoo = example.odoo or any(EXAMPLES[key].odoo for key in example.before)
    odoo, business = request.getfixturevalue("fake_odoo") if needs_odoo else (None, None)
    given = Given(demo_dataset, odoo, business)
    for name, text in example.files:
        (tmp_path / name).write_text(text, "utf-8")
    if example.stored:
        store_unscanned(demo_dataset, database_url)
    for key in example.before:
        run(readme_example(key), EXAMPLES[key], given, tmp_path, database_url)
    output = run(command, example, given, tmp_path, database_url)
    if "--json" in command.words:
        json.loads(output)

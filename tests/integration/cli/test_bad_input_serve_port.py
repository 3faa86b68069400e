"""``serve`` and ``demo`` check they can listen before saying they serve: a port in use,
a host name that does not resolve or an address the machine does not have is one line,
exit 1, and nothing is loaded or served."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from controltower.cli.serve_cmd import listen_problem
from helpers.cli_runs import assert_refused, database_dump, run_cli


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_on_a_port_in_use_says_so_in_one_line_before_claiming_to_serve(
    busy_port: int, migrated_database_url: str
) -> None:
    result = run_cli("serve", "--port", str(busy_port), "--database-url", migrated_database_url)

    line = assert_refused(result, 1)
    assert line == (
        f"Error: port {busy_port} on 127.0.0.1 is in use: stop what uses it or pick another "
        "with --port"
    )
    assert "serving" not in result.output


def test_the_demo_checks_the_port_before_loading_anything(
    busy_port: int, migrated_database_url: str
) -> None:
    before = database_dump(migrated_database_url)

    result = run_cli(
        "demo", "--size", "small", "--port", str(busy_port), "--database-url", migrated_database_url
    )

    assert_refused(result, 1, f"port {busy_port} on 127.0.0.1 is in use", "--port")
    assert result.stdout == ""
    assert database_dump(migrated_database_url) == before


def test_a_host_name_that_does_not_resolve_is_one_line(migrated_database_url: str) -> None:
    result = run_cli(
        "serve",
        "--host",
        "no-such-host.invalid",
        "--port",
        str(free_port()),
        "--database-url",
        migrated_database_url,
    )

    assert_refused(result, 1, "the host name no-such-host.invalid does not resolve", "--host")
    assert "serving" not in result.output


def test_an_address_this_machine_does_not_have_is_one_line(migrated_database_url: str) -> None:
    result = run_cli(
        "serve",
        "--host",
        "192.0.2.1",  # TEST-NET-1: documentation only, never a machine's own address
        "--port",
        str(free_port()),
        "--database-url",
        migrated_database_url,
    )

    assert_refused(result, 1, "192.0.2.1 is not an address of this machine")


def test_a_free_port_is_free_and_a_taken_one_is_not(busy_port: int) -> None:
    assert listen_problem("127.0.0.1", free_port()) is None
    assert listen_problem("localhost", busy_port) is not None

"""``controltower serve`` refuses to be reachable from other machines without an
administrator, and says when nobody can sign in."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from controltower.cli.serve_cmd import ADD_ADMINISTRATOR, is_loopback, start_check
from controltower.domain.people import Role
from helpers.people import add_test_person, bearer
from helpers.serve_process import free_port, serve, stop, wait_for


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"],
)
def test_loopback_addresses_are_recognised(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "", "192.168.1.20", "10.0.0.1", "example.com", "localhost.example"]
)
def test_every_other_address_is_reachable_from_elsewhere(host: str) -> None:
    assert not is_loopback(host)


def test_a_reachable_server_without_an_administrator_is_refused_saying_how_to_add_one() -> None:
    check = start_check("0.0.0.0", administrator_exists=False, anyone_can_sign_in=True)
    assert check.refusal is not None
    assert "0.0.0.0" in check.refusal
    assert ADD_ADMINISTRATOR in check.refusal


def test_a_reachable_server_with_an_administrator_starts() -> None:
    check = start_check("0.0.0.0", administrator_exists=True, anyone_can_sign_in=True)
    assert check.refusal is None
    assert check.hint is None


def test_a_loopback_server_starts_without_anybody_but_says_nobody_can_sign_in() -> None:
    check = start_check("127.0.0.1", administrator_exists=False, anyone_can_sign_in=False)
    assert check.refusal is None
    assert check.hint is not None
    assert "Nobody can sign in" in check.hint
    assert "\n" not in check.hint


@pytest.mark.database
def test_serving_on_every_interface_without_an_administrator_exits_without_listening(
    migrated_database_url: str, tmp_path: Path
) -> None:
    add_test_person(migrated_database_url, "reader", role=Role.AUDITOR)
    port = free_port()
    server = serve(migrated_database_url, "0.0.0.0", port, tmp_path)
    output, errors = server.communicate(timeout=120)
    assert server.returncode == 1
    assert "Error: refusing to serve on 0.0.0.0" in errors
    assert ADD_ADMINISTRATOR in errors
    assert "serving on" not in errors + output
    assert "Traceback" not in errors
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


@pytest.mark.database
def test_serving_on_every_interface_with_an_administrator_starts(
    migrated_database_url: str, tmp_path: Path
) -> None:
    add_test_person(migrated_database_url, "admin", role=Role.ADMINISTRATOR)
    port = free_port()
    server = serve(migrated_database_url, "0.0.0.0", port, tmp_path)
    try:
        health = wait_for(server, f"http://127.0.0.1:{port}/api/health")
        assert health.status_code == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "refusing" not in errors
    assert "Nobody can sign in" not in errors


@pytest.mark.database
def test_serving_on_loopback_with_nobody_stored_starts_with_a_hint(
    migrated_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    server = serve(migrated_database_url, "127.0.0.1", port, tmp_path)
    try:
        health = wait_for(server, f"http://127.0.0.1:{port}/api/health")
        assert health.status_code == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    hints = [line for line in errors.splitlines() if "Nobody can sign in" in line]
    assert len(hints) == 1
    assert ADD_ADMINISTRATOR in hints[0]


def _server_processes(pid: int) -> list[int]:
    """The processes ``pid`` started to serve requests (Linux's /proc): multiprocessing's
    spawned children, not its resource tracker."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.database
def test_serving_in_several_processes_answers_from_each_with_the_flags_settings(
    migrated_database_url: str, tmp_path: Path
) -> None:
    """``--workers 2``: two server processes, each on the database the flag names (not
    the default file of the working directory), with the Host check the command worked
    out, and a browser session made by one is known to the other (sessions are stored)."""
    person = add_test_person(migrated_database_url, "admin", role=Role.ADMINISTRATOR)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(migrated_database_url, "127.0.0.1", port, tmp_path, "--workers", "2")
    try:
        assert wait_for(server, f"{base}/api/health").status_code == 200
        deadline = time.monotonic() + 60
        while len(_server_processes(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_server_processes(server.pid)) == 2
        me = [
            httpx.get(f"{base}/api/pictures", headers=bearer(person), timeout=30) for _ in range(6)
        ]
        assert {answer.status_code for answer in me} == {200}
        with httpx.Client(base_url=base, timeout=30) as browser:
            form = {"login": person.login, "password": person.password}
            assert browser.post("/login", data=form).status_code == 303
            # signed in, not sent back to the sign-in page, whichever process answers
            pages = [browser.get("/notifications") for _ in range(6)]
            assert {page.status_code for page in pages} == {200}
        elsewhere = httpx.get(f"{base}/api/health", headers={"Host": "evil.example"}, timeout=5)
        assert elsewhere.status_code == 400
    finally:
        errors = stop(server)
    assert "in 2 processes" in errors
    assert "Traceback" not in errors
    assert not (tmp_path / "controltower.db").exists()


def test_more_workers_than_allowed_is_refused_naming_the_flag(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    server = serve(url, "127.0.0.1", free_port(), tmp_path, "--workers", "500")
    _, errors = server.communicate(timeout=120)
    assert server.returncode == 2
    assert "--workers" in errors
    assert "Traceback" not in errors

"""The server's safe defaults: security headers, the ``Host`` check, the plain-HTTP
warning, and no path of the server in what the API answers.

Every response carries a Content-Security-Policy without inline scripts (the overview's
chart is drawn by a packaged script from a JSON data block), ``X-Frame-Options``,
``X-Content-Type-Options`` and ``Referrer-Policy``. ``serve`` answers only the names it
is configured with (DNS rebinding), and says on standard error when it speaks plain
HTTP to other machines. A picture imported from a folder shows the folder's name only.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from controltower.api.schemas import public_source
from controltower.bootstrap import create_app
from controltower.cli.main import app as cli_app
from controltower.cli.serve_cmd import default_allowed_hosts, plain_http_warning
from controltower.connectors.dataset import read_dataset, write_dataset
from controltower.settings import Settings
from helpers.people import add_test_person
from helpers.scanned_demo import anonymous_client, api_client, load_scanned_demo
from helpers.serve_process import free_port, serve, stop, wait_for

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "minimal"

HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def assert_safe_headers(response: httpx.Response) -> dict[str, list[str]]:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-eval'" not in policy["script-src"]
    return policy


@pytest.mark.database
def test_every_kind_of_response_carries_the_security_headers(migrated_database_url: str) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        overview = client.get("/")
        answers = [
            overview,
            client.get("/api/health"),
            client.get("/api/pictures"),
            client.get("/orders"),
            client.get("/warehouse-work"),
            client.get("/static/app.css"),
            client.get("/static/charts.js"),
            client.get("/no/such/page"),
        ]
    with anonymous_client(migrated_database_url) as anonymous:
        answers.append(anonymous.get("/login"))
    for response in answers:
        policy = assert_safe_headers(response)
        assert "'unsafe-inline'" not in policy["script-src"], response.url
        assert "'unsafe-inline'" not in policy["style-src"], response.url
    # the overview draws its chart from data with a packaged script: no inline script
    assert 'data-part="chart-by-type"' in overview.text
    assert "data-figure=" in overview.text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", overview.text) == []
    assert not re.search(r"\sstyle=", overview.text)


@pytest.mark.database
def test_the_print_button_is_the_one_inline_handler_allowed_by_its_hash(
    migrated_database_url: str,
) -> None:
    load_scanned_demo(migrated_database_url)
    with api_client(migrated_database_url) as client:
        page = client.get("/warehouse-work")
    handlers = set(re.findall(r'\son[a-z]+="([^"]*)"', page.text))
    assert handlers == {"window.print()"}
    digest = base64.b64encode(hashlib.sha256(b"window.print()").digest()).decode()
    script_src = directives(page.headers["content-security-policy"])["script-src"]
    assert script_src == ["'self'", "'unsafe-hashes'", f"'sha256-{digest}'"]


@pytest.mark.database
def test_the_api_docs_allow_exactly_their_own_inline_scripts(migrated_database_url: str) -> None:
    with anonymous_client(migrated_database_url) as client:
        for path in ("/docs", "/redoc"):
            page = client.get(path)
            script_src = assert_safe_headers(page)["script-src"]
            inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page.text, re.S)
            assert inline or path == "/redoc", path  # Swagger UI starts from one
            for script in inline:
                digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
                assert f"'sha256-{digest}'" in script_src, path
            assert "'unsafe-inline'" not in script_src


@contextmanager
def client_for(database_url: str, host: str, *, base_url: str) -> Iterator[TestClient]:
    """A client of the app as ``serve`` builds it for ``host`` (its default names)."""
    settings = Settings(DATABASE_URL=database_url, allowed_hosts=default_allowed_hosts(host))
    app = create_app(settings)
    try:
        with TestClient(app, base_url=base_url) as client:
            yield client
    finally:
        app.state.engine.dispose()


@pytest.mark.database
@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]
)
def test_a_loopback_server_answers_its_own_names(migrated_database_url: str, base_url: str) -> None:
    with client_for(migrated_database_url, "127.0.0.1", base_url=base_url) as client:
        assert client.get("/api/health").status_code == 200


@pytest.mark.database
@pytest.mark.parametrize(
    "host", ["rebind.attacker.example", "127.0.0.1.attacker.example", "localhost.example"]
)
def test_a_request_for_another_name_is_refused_dns_rebinding(
    migrated_database_url: str, host: str
) -> None:
    with client_for(migrated_database_url, "127.0.0.1", base_url=f"http://{host}:8000") as client:
        for path in ("/api/health", "/login", "/api/pictures"):
            response = client.get(path)
            assert response.status_code == 400, path
            assert response.text == "Invalid host header"
            assert_safe_headers(response)


@pytest.mark.database
def test_configured_names_replace_the_defaults(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTROLTOWER_ALLOWED_HOSTS", "Tower.example.com, *.corp.example")
    settings = Settings(DATABASE_URL=migrated_database_url)
    assert settings.allowed_hosts == ("tower.example.com", "*.corp.example")
    app = create_app(settings)
    try:
        for base, status in [
            ("http://tower.example.com", 200),
            ("http://ops.corp.example", 200),
            ("http://127.0.0.1:8000", 400),
            ("http://evil.example", 400),
        ]:
            with TestClient(app, base_url=base) as client:
                assert client.get("/api/health").status_code == status, base
    finally:
        app.state.engine.dispose()


def test_a_malformed_wildcard_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTROLTOWER_ALLOWED_HOSTS", "tower.*.example")
    with pytest.raises(ValueError, match=r"tower\.\*\.example"):
        Settings()


def test_default_names_are_the_bound_host_and_loopback() -> None:
    assert default_allowed_hosts("127.0.0.1") == ("localhost", "127.0.0.1", "[::1]")
    assert default_allowed_hosts("Tower.LAN") == ("localhost", "127.0.0.1", "[::1]", "tower.lan")
    assert "[fd00::5]" in default_allowed_hosts("fd00::5")
    everywhere = default_allowed_hosts("0.0.0.0")
    assert socket.gethostname().lower() in everywhere
    assert "0.0.0.0" not in everywhere


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "tower.lan"])
def test_plain_http_beyond_loopback_is_warned_about_unless_a_proxy_is_in_front(
    host: str,
) -> None:
    warning = plain_http_warning(host, behind_proxy=False)
    assert warning is not None
    assert host in warning
    assert "--behind-proxy" in warning
    assert "\n" not in warning
    assert plain_http_warning(host, behind_proxy=True) is None


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_tls_warning(host: str) -> None:
    assert plain_http_warning(host, behind_proxy=False) is None


@pytest.mark.database
def test_serve_refuses_other_host_names_and_sends_the_headers(
    migrated_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    server = serve(migrated_database_url, "127.0.0.1", port, tmp_path)
    try:
        health = wait_for(server, f"http://127.0.0.1:{port}/api/health")
        rebound = httpx.get(
            f"http://127.0.0.1:{port}/api/health", headers={"Host": f"attacker.example:{port}"}
        )
    finally:
        errors = stop(server)
    assert health.status_code == 200
    assert_safe_headers(health)
    assert rebound.status_code == 400
    assert "Warning" not in errors


@pytest.mark.database
def test_serve_beyond_loopback_warns_about_plain_http_unless_behind_a_proxy(
    migrated_database_url: str, tmp_path: Path
) -> None:
    add_test_person(migrated_database_url, "admin")
    outputs = []
    for extra in ((), ("--behind-proxy",)):
        port = free_port()
        server = serve(migrated_database_url, "0.0.0.0", port, tmp_path, *extra)
        try:
            assert wait_for(server, f"http://127.0.0.1:{port}/api/health").status_code == 200
        finally:
            outputs.append(stop(server))
    plain, proxied = outputs
    warnings = [line for line in plain.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1
    assert "0.0.0.0" in warnings[0]
    assert "--behind-proxy" in warnings[0]
    assert "Answering requests addressed to localhost, 127.0.0.1, [::1]" in plain
    assert "Warning:" not in proxied


@pytest.mark.database
def test_the_api_shows_an_imported_folder_by_its_name_only(
    migrated_database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "srv" / "exports" / "acme-2026"
    write_dataset(read_dataset(MINIMAL).dataset, folder)
    imported = CliRunner().invoke(
        cli_app, ["import", str(folder), "--database-url", migrated_database_url]
    )
    assert imported.exit_code == 0, imported.output
    with api_client(migrated_database_url) as client:
        answer = client.get("/api/pictures")
    (picture,) = answer.json()
    assert picture["source"] == "dataset:acme-2026"
    with api_client(migrated_database_url) as client:
        overview = client.get("/")
    assert "dataset:acme-2026" in overview.text
    assert str(tmp_path) not in overview.text
    assert str(tmp_path) not in answer.text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("dataset:/srv/data/acme", "dataset:acme"),
        ("dataset:/srv/data/acme/", "dataset:acme"),
        ("dataset:/", "dataset:dataset folder"),
        ("dataset:C:\\exports\\acme", "dataset:acme"),
        ("dataset:~/acme", "dataset:acme"),
        ("/srv/data/acme", "acme"),
        ("odoo:https://erp.example.com/prod", "odoo:https://erp.example.com/prod"),
        (
            "odoo:https://bot:hunter2@erp.example.com:8069/prod",
            "odoo:https://erp.example.com:8069/prod",
        ),
        ("demo:small:seed=7:as_of=2026-11-25", "demo:small:seed=7:as_of=2026-11-25"),
    ],
)
def test_public_source_never_shows_a_server_path_or_credentials(stored: str, shown: str) -> None:
    assert public_source(stored) == shown

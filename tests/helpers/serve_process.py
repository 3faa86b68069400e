"""``controltower serve`` as a real process, for tests of what only a real server shows
(refusing to start, the ``Host`` check, warnings on standard error)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def serve(url: str, host: str, port: int, cwd: Path, *extra: str) -> subprocess.Popen[str]:
    """Start ``controltower serve`` on ``url``'s database; the environment's
    ``CONTROLTOWER_*`` settings are left out so that only the flags count."""
    command = [
        sys.executable,
        "-c",
        "from controltower.cli.main import app; app()",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--database-url",
        url,
        *extra,
    ]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTROLTOWER_")}
    environment["COLUMNS"] = "200"
    return subprocess.Popen(
        command, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(server: subprocess.Popen[str], url: str) -> httpx.Response:
    """Poll ``url`` until it answers (or the server stops, or a minute passes)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            _, errors = server.communicate()
            pytest.fail(f"serve stopped with status {server.returncode}: {errors}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"serve did not answer on {url} within a minute")


def stop(server: subprocess.Popen[str]) -> str:
    """Stop the server; what it wrote on standard error."""
    server.terminate()
    _, errors = server.communicate(timeout=30)
    return errors

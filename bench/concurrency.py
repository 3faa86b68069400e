"""The server under many clients at once: ``python -m bench.concurrency``.

Usage::

    python -m bench.concurrency [--clients 200] [--seconds 60] [--size small]
                                [--backends sqlite,postgresql] [--no-write]

For each backend it loads the demo business (``controltower demo --no-serve``, seed 7,
as of 2026-11-25) into a new database, starts ``controltower serve`` on it in its own
process, and runs ``--clients`` clients for ``--seconds`` seconds from this process.
Each client is an asyncio task opening a connection per request, signed in with an
API token (as ``bench/load.py`` signs Locust in), sending one request after another
with no pause over the URLs ``bench/load.discover_targets`` finds (downloads left out, the
search given ``q=S``), each client starting at its own place in the list. A request
counts as an error when it answers anything but 200 or gets no answer within
``REQUEST_TIMEOUT_SECONDS``; a request still going when the time is up is waited for
and counted.

The report gives requests, errors, requests per second and the p50, p95, p99 and
slowest latency, overall and for ``/api/health`` alone (which must answer under load
without a database connection). It replaces the "## Concurrency" section of
``docs/benchmarks.md`` (``--no-write``: print only); the raw numbers go to
``bench/data/concurrency.json``. The clients share the machine with the server, so
the latencies are those of a loaded machine; no number here is asserted by a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx

from bench.load import Target, auth_headers, discover_targets
from bench.sections import splice
from bench.stored import Backend, _free_port, bench_token, controltower, stop

ROOT: Final = Path(__file__).resolve().parent.parent
DATA: Final = Path(__file__).resolve().parent / "data"
DOCS: Final = ROOT / "docs" / "benchmarks.md"
SECTION: Final = "## Concurrency"
BACKENDS: Final = ("sqlite", "postgresql")
AS_OF: Final = "2026-11-25"
SEED: Final = 7
#: a request with no answer after this long is an error (a stall)
REQUEST_TIMEOUT_SECONDS: Final = 120.0
HEALTH: Final = "/api/health"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Tally:
    """What the clients saw: each request's latency, and the errors by kind."""

    latencies: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def _client(
    client: httpx.AsyncClient, paths: list[str], start: int, deadline: float, tally: Tally
) -> None:
    """One client: requests back to back, from ``paths[start]`` on, until ``deadline``."""
    n = start
    while time.monotonic() < deadline:
        path = paths[n % len(paths)]
        n += 1
        began = time.perf_counter()
        try:
            response = await client.get(path)
        except httpx.HTTPError as exc:
            tally.error(f"{type(exc).__name__} on {path}")
            continue
        took = time.perf_counter() - began
        if response.status_code != 200:
            tally.error(f"HTTP {response.status_code} on {path}")
            continue
        tally.latencies.append(took)
        if path == HEALTH:
            tally.health.append(took)


async def _load(base: str, token: str, paths: list[str], clients: int, seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    # a connection per request: a kept-alive one the server closes after its idle
    # timeout, just as the client reuses it, would be counted as the server's error
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=base,
        headers=auth_headers(token),
        timeout=REQUEST_TIMEOUT_SECONDS,
        limits=limits,
    ) as client:
        await asyncio.gather(
            *(_client(client, paths, c * 7, deadline, tally) for c in range(clients))
        )
    return tally


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _summary(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": statistics.median(values) if values else None,
        "p95": _percentile(values, 0.95),
        "p99": _percentile(values, 0.99),
        "max": max(values) if values else None,
    }


def _wait_for_health(server: subprocess.Popen[bytes], base: str, log_file: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}{HEALTH}", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    raise RuntimeError(f"controltower serve did not come up: {log_file.read_text()[-1000:]}")


def _targets(base: str, token: str) -> list[Target]:
    """The load test's URLs, without the downloads (they stream whole lists), the
    search given something to find (it needs ``q``)."""
    return [
        Target(t.name, f"{t.path}?q=S") if t.path == "/api/search" else t
        for t in discover_targets(base, token)
        if "/export" not in t.path
    ]


def run_backend(kind: str, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """The demo on a new ``kind`` database, served, and ``args.clients`` clients on it."""
    backend = Backend(kind, scratch)
    url = backend.create("concurrency")
    env = os.environ | {"DATABASE_URL": url}
    log(f"{kind}: loading the {args.size} demo")
    subprocess.run(
        controltower(
            "demo",
            "--size",
            args.size,
            "--seed",
            str(SEED),
            "--as-of",
            AS_OF,
            "--database-url",
            url,
            "--no-serve",
        ),
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    token = bench_token(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = scratch / f"serve-{kind}.log"
    with log_file.open("wb") as server_log:
        server = subprocess.Popen(
            controltower("serve", "--database-url", url, "--port", str(port)),
            stdout=server_log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        try:
            _wait_for_health(server, base, log_file)
            targets = _targets(base, token)
            log(f"{kind}: {len(targets)} URLs, {args.clients} clients for {args.seconds} s")
            began = time.perf_counter()
            tally = asyncio.run(
                _load(base, token, [t.path for t in targets], args.clients, args.seconds)
            )
            elapsed = time.perf_counter() - began
        finally:
            stop(server)
    backend.drop(url)
    requests = len(tally.latencies) + sum(tally.errors.values())
    log(f"{kind}: {requests} requests, {sum(tally.errors.values())} errors")
    return {
        "backend": kind,
        "urls": len(targets),
        "seconds": elapsed,
        "requests": requests,
        "errors": sum(tally.errors.values()),
        "errors_by_kind": tally.errors,
        "per_second": requests / elapsed if elapsed else None,
        "latency": _summary(tally.latencies),
        "health": {"requests": len(tally.health), **_summary(tally.health)},
    }


def _ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:,.0f} ms"


def render(report: dict[str, Any]) -> str:
    """The "## Concurrency" section of ``docs/benchmarks.md``."""
    lines = [
        SECTION,
        "",
        f"Generated by `python -m bench.concurrency` on {report['generated']}; arguments "
        f"`--clients {report['clients']} --seconds {report['seconds']} --size "
        f"{report['size']}`. Do not edit by hand: rerun.",
        "",
        f"- Machine: {report['cores']} cores, Python {report['python']}; load average "
        f"before the run {report['load_before']}, after {report['load_after']}. The clients "
        "run on the same machine as the server.",
        f"- {report['clients']} clients at once, each sending requests back to back (no "
        "pause) for the whole run, signed in with an API token, over the pages and API "
        "lists `bench/load.py` discovers (downloads left out), against `controltower "
        f"serve` with a pool of {report['pool_size']} connections (as many requests at work "
        "at once; the rest queue), a new connection per request. An error is any answer "
        "but 200, or none within "
        f"{REQUEST_TIMEOUT_SECONDS:.0f} s.",
        "",
        "| database | URLs | requests | errors | requests/s | p50 | p95 | p99 | slowest "
        "| `/api/health` p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lat = r["latency"]
        lines.append(
            f"| {r['backend']} | {r['urls']} | {r['requests']:,} | **{r['errors']}** | "
            f"{r['per_second']:.1f} | {_ms(lat['p50'])} | {_ms(lat['p95'])} | "
            f"{_ms(lat['p99'])} | {_ms(lat['max'])} | {_ms(r['health']['p95'])} |"
        )
    lines.append("")
    lines.append(
        "Every client sends its next request as soon as one answers, so the server is "
        "never idle and a request's latency is mostly its wait in the queue (about the "
        "number of clients over the requests per second); `/api/health` waits for none."
    )
    for failure in report["failures"]:
        lines.append(f"\n- Failed: {failure}")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from controltower.settings import DEFAULT_DB_POOL_SIZE

    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--size", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.backends.split(",") if k.strip()]
    unknown = set(kinds) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    scratch = DATA / "concurrency-scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "generated": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "clients": args.clients,
        "seconds": args.seconds,
        "size": args.size,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pool_size": int(os.environ.get("CONTROLTOWER_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE)),
        "load_before": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "results": [],
        "failures": [],
    }
    for kind in kinds:
        try:
            report["results"].append(run_backend(kind, args, scratch))
        except Exception as exc:  # reported, and the other backend still runs
            log(f"{kind} FAILED: {exc}")
            report["failures"].append(f"{kind}: {type(exc).__name__}: {str(exc)[-300:]}")
    report["load_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    (DATA / "concurrency.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    section = render(report)
    if args.no_write:
        print(section)
    else:
        DOCS.write_text(
            splice(DOCS.read_text(encoding="utf-8"), SECTION, section), encoding="utf-8"
        )
        log(f"wrote the {SECTION!r} section of {DOCS}")
    failed = report["failures"] or any(r["errors"] for r in report["results"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

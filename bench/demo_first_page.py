"""The large demo, from its generation to its first page: ``python -m bench.demo_first_page``.

Usage::

    python -m bench.demo_first_page [--size large] [--runs 2] [--backends sqlite,postgresql]

A new user's first minute: ``controltower demo --size large`` (a million open order
lines) generates the business, loads it, scans it, adds the demo's people and serves
the web app. The time that matters is what comes after the generation, which is the
demo's own work of making up a business and no part of the product's: how long until
the sign-in page answers, and until the person signed in with the password the demo
printed sees the overview.

Each run is ``controltower demo`` in a fresh process, as a user runs it, into a new
database of each backend. The command is started through a small wrapper that writes
the wall-clock moment its generation returned to standard error, and otherwise runs the
command unchanged; the benchmark notes when each line of the command's output arrives
(loaded, scanned), asks for ``/login`` until it answers 200, then signs in as ``admin``
and asks for ``/``. Medians of ``--runs`` runs; the section it writes replaces the
"## The large demo, to its first page" section of ``docs/benchmarks.md``. No number
here is asserted by a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx

from bench.sections import splice
from bench.stored import BACKENDS, Backend, _free_port, machine, stop

ROOT: Final = Path(__file__).resolve().parent.parent
DOCS: Final = ROOT / "docs" / "benchmarks.md"
SECTION: Final = "## The large demo, to its first page"
AS_OF: Final = "2026-11-25"
TARGET_SECONDS: Final = 60.0
#: how long a run may take in all before it is given up (generation included)
RUN_LIMIT_SECONDS: Final = 900.0

#: runs ``controltower demo`` unchanged, writing when its generation returned
_WRAPPER: Final = """
import sys, time
from controltower.cli import demo_cmd
from controltower.cli.main import app

generate = demo_cmd._generate

def timed(*args, **kwargs):
    dataset = generate(*args, **kwargs)
    print(f"BENCH-GENERATED {time.time():.6f}", file=sys.stderr, flush=True)
    return dataset

demo_cmd._generate = timed
app(prog_name="controltower")
"""


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@dataclass
class _Output:
    """The command's lines as they arrive, each with the moment it did."""

    lines: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def follow(self, stream: Any) -> None:
        """Note ``stream``'s lines as they arrive, on a thread of its own until it ends."""

        def read() -> None:
            for line in stream:
                with self.lock:
                    self.lines.append((time.time(), line.rstrip("\n")))

        threading.Thread(target=read, daemon=True).start()

    def first(self, pattern: str) -> tuple[float, str] | None:
        with self.lock:
            return next(((t, line) for t, line in self.lines if re.search(pattern, line)), None)


def one_run(backend: Backend, tag: str, size: str) -> dict[str, Any]:
    """``controltower demo`` into a new database, until the overview answers."""
    url = backend.create(tag)
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        _WRAPPER,
        "demo",
        "--size",
        size,
        "--as-of",
        AS_OF,
        "--database-url",
        url,
        "--port",
        str(port),
    ]
    env = {**os.environ, "COLUMNS": "200"}
    started = time.time()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = _Output(), _Output()
    assert process.stdout is not None
    assert process.stderr is not None
    out.follow(process.stdout)
    err.follow(process.stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        sign_in_page = _wait_for(process, base + "/login", started)
        password = _password(out)
        with httpx.Client(base_url=base, timeout=60) as client:
            signed = client.post("/login", data={"login": "admin", "password": password})
            if signed.status_code not in (200, 303):
                raise RuntimeError(f"signing in answered {signed.status_code}")
            overview = client.get("/")
            overview.raise_for_status()
            if "Overview" not in overview.text:
                raise RuntimeError("the first page after signing in is not the overview")
        seen = time.time()
        generated = err.first(r"^BENCH-GENERATED ")
        if generated is None:
            raise RuntimeError("the demo never said its generation was done")
        generated_at = float(generated[1].split()[1])
        loaded, scanned = out.first(r"^Loaded the "), out.first(r"^Scan run ")
        return {
            "generation": generated_at - started,
            "loaded": (loaded[0] - generated_at) if loaded else None,
            "scanned": (scanned[0] - generated_at) if scanned else None,
            "sign_in_page": sign_in_page - generated_at,
            "overview": seen - generated_at,
            "scan_line": scanned[1] if scanned else "",
        }
    finally:
        stop(process)
        backend.drop(url)


def _wait_for(process: subprocess.Popen[str], url: str, started: float) -> float:
    """The moment ``url`` first answers 200; the command's failure ends the wait."""
    while time.time() - started < RUN_LIMIT_SECONDS:
        if process.poll() is not None:
            raise RuntimeError(f"controltower demo stopped with exit status {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return time.time()
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {RUN_LIMIT_SECONDS:.0f} s")


def _password(out: _Output) -> str:
    found = out.first(r"Password for each of them: ")
    if found is None:
        raise RuntimeError("the demo printed no password")
    return found[1].split("Password for each of them: ", 1)[1].split()[0]


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)


def _spread(runs: list[dict[str, Any]], key: str) -> str:
    values = [float(run[key]) for run in runs]
    return f"{_median(runs, key):.1f} s ({min(values):.1f} s – {max(values):.1f} s)"


def render(results: dict[str, Any]) -> str:
    info = results["machine"]
    lines = [
        SECTION,
        "",
        f"Generated by `python -m bench.demo_first_page` on {results['generated']}; "
        f"arguments `{results['arguments']}`. Do not edit by hand: rerun.",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
        f"SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}. Load average before the "
        f"run: {results['load_before']}; after: {results['load_after']}.",
        f"- `controltower demo --size {results['size']} --as-of {AS_OF}` into a new database, "
        "in a fresh process, as a user runs it; the seconds are wall clock from the moment "
        "the demo's generation of the business returned (its own work, not the product's; "
        "the first column is the command's start until then), "
        f'medians of {results["runs"]} runs (min – max). "Sign-in page": `/login` answers '
        '200. "Overview": signed in as `admin` with the password the demo printed, `/` '
        "answers 200 with the overview.",
        "",
        "| backend | start and generation (not counted) | loaded | scanned | sign-in page | overview "
        f"| target (overview <= {TARGET_SECONDS:.0f} s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for kind, runs in results["backends"].items():
        met = _median(runs, "overview") <= TARGET_SECONDS
        verdicts.append(f"- {kind}: {'**met**' if met else '**missed**'}")
        lines.append(
            f"| {kind} | {_spread(runs, 'generation')} | {_spread(runs, 'loaded')} | "
            f"{_spread(runs, 'scanned')} | {_spread(runs, 'sign_in_page')} | "
            f"{_spread(runs, 'overview')} | {'**met**' if met else '**missed**'} |"
        )
    lines += ["", "The demo's scan said:", ""]
    lines += [f"- {kind}: {runs[0]['scan_line']}" for kind, runs in results["backends"].items()]
    lines += ["", "Targets:", "", *verdicts, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_first_page", description=__doc__)
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.backends.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(BACKENDS))
    if unknown:
        parser.error(f"--backends: unknown {', '.join(unknown)} (known: {', '.join(BACKENDS)})")
    info = machine()
    results: dict[str, Any] = {
        "generated": f"{datetime.now():%Y-%m-%d %H:%M}",
        "arguments": " ".join(argv if argv is not None else sys.argv[1:]) or "(defaults)",
        "size": args.size,
        "runs": args.runs,
        "machine": info,
        "load_before": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="ct-demo-bench-") as scratch:
        for kind in kinds:
            backend = Backend(kind, Path(scratch))
            runs = []
            for run in range(args.runs):
                log(f"{kind}: controltower demo --size {args.size}, run {run + 1}")
                runs.append(one_run(backend, f"demo_{kind}_{run}", args.size))
                log(f"  overview {runs[-1]['overview']:.1f} s after the generation")
            results["backends"][kind] = runs
    results["load_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    DOCS.write_text(splice(current, SECTION, render(results)), encoding="utf-8")
    log(f"wrote the {SECTION!r} section of {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks of the stored path: ``python -m bench.stored`` (``make bench-stored``).

Usage::

    python -m bench.stored [--size 1m] [--quick] [--backends sqlite,postgresql]
                           [--runs N] [--out docs/benchmarks.md] [--crisis-json-only]

On the demo business of ``--size`` open order lines (seed 7, as of 2026-11-25, written
once as a CSV folder under ``bench/data/``, the cache ``bench/run.py`` shares) it
measures, in one run, on each backend (SQLite and PostgreSQL):

* **import**: ``controltower import DIR`` into a new database, against a baseline
  measured in the same run: the fast reader's validation
  (``connectors.dataset.fast_reader.read_tables``) plus PostgreSQL ``COPY`` of the same
  CSV files into plain typed tables (no keys, no indexes), in a fresh process;
* **the stored scan**: ``controltower scan --db`` on the stored business, the first scan
  and a second one of the unchanged picture, against ``controltower scan DIR --json``
  on the same business, the two taking turns run after run;
* **the web app and the API under load**: ``controltower serve`` on the stored business
  and Locust (``bench/locustfile.py``) with 20 concurrent users over the URLs
  ``bench/load.py`` discovers from the running app: p50, p95, p99 and errors per URL;
* **a crisis day**: the same size of business on its worst day
  (``generate_business(..., scenario="crisis")``, most orders at risk): both scans,
  their time and peak memory, against the normal business's (``--crisis-json-only``:
  only the two ``scan --json``, taking turns, reported under ``bench/data/``).

Every command runs as a user runs it, in a fresh process; its peak memory is that of
its process tree (the sum of the resident sets of the command and its children,
sampled every 50 ms). Times are wall clock, medians of ``--runs`` runs (``--quick``:
one run and a shorter load test). The section it writes into ``--out`` sits between
markers that ``bench/run.py`` keeps when it rewrites the file; the raw numbers go to
``bench/data/stored-<size>.json``. No number here is asserted by a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from bench.sizes import label, parse_size

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
AS_OF = date(2026, 11, 25)
SEED = 7
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
BACKENDS = ("sqlite", "postgresql")
#: a step that takes longer than this is measured once, not repeated
REPEAT_LIMIT_SECONDS = 600
#: a step is stopped after this long
STEP_TIMEOUT_SECONDS = 3 * 3600
LOAD_USERS = 20
#: long enough for about thirty requests per URL, so that a URL's p95 is not simply its
#: slowest answer
LOAD_SECONDS = 60
QUICK_LOAD_SECONDS = 10
#: a user's mean pause between two requests (someone reading a page)
THINK_SECONDS = 1.0

BEGIN = "<!-- bench.stored: begin -->"
END = "<!-- bench.stored: end -->"

# targets
IMPORT_RATIO = 3.0
SCAN_RATIO = 2.0
PEAK_BYTES = 2 * 1024**3
P95_SECONDS = 0.2
CRISIS_RATIO = 3.0


def log(message: str) -> None:
    """Progress on standard error (the report goes to a file)."""
    print(f"[bench.stored {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- sizes


# ------------------------------------------------------------------ the datasets


def generator_fingerprint() -> str:
    """The demo generator and the model, which decide a generated dataset (as
    ``bench/run.py`` computes it, so both share the cached folders)."""
    package = ROOT / "src" / "controltower"
    digest = hashlib.sha256()
    for path in [*sorted((package / "demo").glob("*.py")), package / "domain" / "model.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


_GENERATE = """
import sys
from datetime import date
from pathlib import Path
from controltower.connectors.dataset import write_dataset
from controltower.demo.generator import generate_business
from controltower.demo.sizes import size_for_open_lines
n, scenario, as_of, seed, out = sys.argv[1:6]
dataset = generate_business(
    size_for_open_lines(int(n)), seed=int(seed), as_of=date.fromisoformat(as_of),
    **({} if scenario == "normal" else {"scenario": scenario}),
)
write_dataset(dataset, Path(out))
"""


def dataset_folder(n: int, scenario: str) -> Path:
    """The CSV folder of the demo business of ``n`` open lines on a ``scenario`` day,
    generated (in a separate process, never timed) unless cached."""
    name = f"{'demo' if scenario == 'normal' else scenario}-{label(n)}"
    folder = DATA / f"{name}-seed{SEED}-{AS_OF.isoformat()}-{generator_fingerprint()}"
    csv, done = folder / "csv", folder / "csv.done"
    if not done.exists():
        log(f"{name}: generating the business and writing it as CSV (not timed)")
        shutil.rmtree(csv, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-c",
                _GENERATE,
                str(n),
                scenario,
                AS_OF.isoformat(),
                str(SEED),
                str(csv),
            ],
            check=True,
            cwd=ROOT,
        )
        done.touch()
    return csv


# -------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    memory_gb = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    postgres = subprocess.run(
        ["psql", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    # the installed version, without importing Locust: importing it patches this whole
    # process for gevent (sockets, threads), which the bench's own threads do not survive
    from importlib.metadata import version

    import sqlalchemy

    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "os": platform.platform(),
        "postgresql": postgres or "not reachable",
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "locust": version("locust"),
        "load_before": os.getloadavg(),
    }


# ----------------------------------------------------------------- watched commands


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    found, queue = [], [pid]
    while queue:
        member = queue.pop()
        found.append(member)
        try:
            for task in os.listdir(f"/proc/{member}/task"):
                with open(f"/proc/{member}/task/{task}/children") as children:
                    queue.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


class TreeMemory:
    """Samples a process tree's memory every 50 ms on a thread: the most its members'
    resident sets added up to, and the largest high-water mark of any one of them."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.tree_kb = 0
        self.hwm_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            members = _descendants(self.pid)
            self.tree_kb = max(self.tree_kb, sum(_status_kb(p, "VmRSS:") for p in members))
            self.hwm_kb = max([self.hwm_kb, *(_status_kb(p, "VmHWM:") for p in members)])
            self._stop.wait(0.05)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def controltower(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "controltower"), *args]


def run_command(
    command: list[str], stdout: Path, *, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``command`` (standard output to ``stdout``): wall time, exit status, the end of
    its standard error and the peak memory of its process tree."""
    start = time.perf_counter()
    with stdout.open("wb") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env=env)
        with TreeMemory(process.pid) as memory:
            try:
                process.wait(timeout=STEP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            elapsed = time.perf_counter() - start
        err.seek(0)
        tail = err.read()[-1500:]
    last_line = ""
    if stdout.exists() and stdout.stat().st_size < 1_000_000:
        lines = stdout.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        last_line = lines[-1] if lines else ""
    return {
        "seconds": elapsed,
        "returncode": process.returncode,
        "stderr": tail if process.returncode else "",
        "summary": last_line,
        "tree_rss_kb": memory.tree_kb,
        "hwm_kb": memory.hwm_kb,
        "stdout_bytes": stdout.stat().st_size if stdout.exists() else 0,
    }


# ------------------------------------------------------------------------ backends


@dataclass
class Backend:
    """A scratch database of one kind, made and dropped by the benchmark."""

    kind: str
    scratch: Path

    def create(self, tag: str) -> str:
        """A new empty database; its URL."""
        if self.kind == "sqlite":
            path = self.scratch / f"{tag}.db"
            self.drop_path(path)
            return f"sqlite:///{path}"
        name = f"ct_bench_{tag}".replace("-", "_").lower()
        self.dropdb(name)
        subprocess.run(["createdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, name], check=True)
        return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"

    def drop(self, url: str) -> None:
        if self.kind == "sqlite":
            self.drop_path(Path(url.removeprefix("sqlite:///")))
        else:
            self.dropdb(url.rsplit("/", 1)[1])

    @staticmethod
    def drop_path(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    @staticmethod
    def dropdb(name: str) -> None:
        subprocess.run(
            ["dropdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "--if-exists", "--force", name],
            check=False,
            capture_output=True,
        )

    def size_bytes(self, url: str) -> int:
        if self.kind == "sqlite":
            return sum(
                Path(f"{url.removeprefix('sqlite:///')}{s}").stat().st_size
                for s in ("", "-wal")
                if Path(f"{url.removeprefix('sqlite:///')}{s}").exists()
            )
        name = url.rsplit("/", 1)[1]
        out = subprocess.run(
            [
                "psql",
                "-h",
                PG_HOST,
                "-p",
                PG_PORT,
                "-U",
                PG_USER,
                "-tAc",
                f"SELECT pg_database_size('{name}')",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return int(out) if out.isdigit() else 0


# ------------------------------------------------------------------------ baseline

#: the baseline in a fresh process: the fast reader's validation, then PostgreSQL COPY of
#: the same files into plain tables typed as Arrow infers them (tables made untimed)
_BASELINE = """
import json, sys, time
from pathlib import Path
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
folder, dsn = Path(sys.argv[1]), sys.argv[2]
from controltower.connectors.dataset.fast_reader import read_tables
start = time.perf_counter()
read_tables(folder)
read_seconds = time.perf_counter() - start

def pg_type(t):
    if pa.types.is_boolean(t): return "boolean"
    if pa.types.is_integer(t): return "bigint"
    if pa.types.is_floating(t) or pa.types.is_decimal(t): return "numeric"
    if pa.types.is_date(t): return "date"
    if pa.types.is_timestamp(t): return "timestamp"
    return "text"

files = sorted(folder.glob("*.csv"))
with psycopg.connect(dsn) as con:
    for f in files:
        schema = pacsv.read_csv(f).schema
        columns = ", ".join(f'"{field.name}" {pg_type(field.type)}' for field in schema)
        con.execute(f'DROP TABLE IF EXISTS "{f.stem}"')
        con.execute(f'CREATE TABLE "{f.stem}" ({columns})')
    con.commit()
    start = time.perf_counter()
    rows = 0
    with con.cursor() as cur:
        for f in files:
            with cur.copy(f'COPY "{f.stem}" FROM STDIN (FORMAT csv, HEADER true)') as copy, f.open("rb") as data:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
            rows += cur.rowcount
    con.commit()
    copy_seconds = time.perf_counter() - start
print(json.dumps({"read_seconds": read_seconds, "copy_seconds": copy_seconds, "rows": rows}))
"""


def baseline(csv: Path, postgres: Backend) -> dict[str, Any]:
    url = postgres.create("baseline")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _BASELINE, str(csv), dsn],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
            timeout=STEP_TIMEOUT_SECONDS,
        )
    finally:
        postgres.drop(url)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = result["read_seconds"] + result["copy_seconds"]
    return result


# ---------------------------------------------------------------------- the steps


def scan_json(csv: Path, scratch: Path) -> dict[str, Any]:
    out = scratch / "scan.json"
    result = run_command(
        controltower("scan", str(csv), "--as-of", AS_OF.isoformat(), "--json"), out
    )
    out.unlink(missing_ok=True)
    return result


def import_and_scan(
    backend: Backend,
    csv: Path,
    tag: str,
    scratch: Path,
    *,
    keep: bool,
    scans: tuple[str, ...] = ("first_scan", "second_scan"),
) -> dict[str, Any]:
    """A new database, the import, the first scan and (unless ``scans`` says otherwise) a
    second one of the same picture."""
    url = backend.create(tag)
    env = os.environ | {"DATABASE_URL": url}
    log(f"{tag}: controltower import")
    result: dict[str, Any] = {"url": url}
    result["import"] = run_command(
        controltower("import", str(csv), "--no-scan", "--database-url", url),
        scratch / "import.out",
        env=env,
    )
    result["database_bytes"] = backend.size_bytes(url)
    if result["import"]["returncode"] == 0:
        for which in scans:
            log(f"{tag}: controltower scan --db ({which.replace('_', ' ')})")
            result[which] = run_command(
                controltower("scan", "--db", "--as-of", AS_OF.isoformat(), "--database-url", url),
                scratch / "scan-db.out",
                env=env,
            )
            if result[which]["returncode"] != 0:
                break
    if not keep:
        backend.drop(url)
    return result


def stop(process: subprocess.Popen[Any]) -> None:
    """Ask a server the benchmark started to stop; kill it when it has not within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_token(url: str) -> str:
    """An API token of the load test's own administrator (added on first use)."""
    from datetime import UTC, datetime

    from controltower.domain.people import Role
    from controltower.storage.database import make_engine, make_session_factory
    from controltower.storage.people import add_person, find_person, issue_token

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            now = datetime.now(UTC)
            if find_person(session, "bench") is None:
                add_person(
                    session, login="bench", name="Load test", role=Role.ADMINISTRATOR, now=now
                )
            token = issue_token(session, "bench", now=now)
            session.commit()
            return token
    finally:
        engine.dispose()


def under_load(url: str, scratch: Path, seconds: int) -> dict[str, Any]:
    """``controltower serve`` on ``url`` and Locust against it."""
    import httpx

    from bench.load import discover_targets, first_hits, run_locust

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"DATABASE_URL": url}
    log_file = scratch / "serve.log"
    with log_file.open("wb") as server_log:
        server = subprocess.Popen(
            controltower("serve", "--database-url", url, "--port", str(port)),
            stdout=server_log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        try:
            deadline = time.perf_counter() + 300
            while True:
                try:
                    if httpx.get(f"{base}/api/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError(
                        f"controltower serve did not come up: {log_file.read_text()[-1000:]}"
                    )
                time.sleep(0.5)
            log("discovering the URLs")
            token = bench_token(url)
            targets = discover_targets(base, token)
            log(f"{len(targets)} URLs; each once, then Locust, {LOAD_USERS} users for {seconds} s")
            with TreeMemory(server.pid) as memory:
                cold = first_hits(base, targets, token=token)
                result = run_locust(
                    base,
                    targets,
                    scratch / "locust",
                    users=LOAD_USERS,
                    seconds=seconds,
                    think_seconds=THINK_SECONDS,
                    token=token,
                )
            result["first_hits"] = cold
            result["targets"] = [t.__dict__ for t in targets]
            result["server_tree_rss_kb"] = memory.tree_kb
        finally:
            stop(server)
    return result


# ---------------------------------------------------------------------------- run


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Median, min and max seconds and the highest peak of successful samples."""
    ok = [s for s in samples if s and s.get("returncode") == 0]
    if not ok:
        failed = next((s for s in samples if s), None)
        return {"failed": True, "stderr": failed.get("stderr", "") if failed else "", "n": 0}
    seconds = [s["seconds"] for s in ok]
    return {
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "n": len(ok),
        "samples": seconds,
        "tree_rss_kb": max(s["tree_rss_kb"] for s in ok),
        "hwm_kb": max(s["hwm_kb"] for s in ok),
    }


Stage = Callable[[str, Callable[[], Any]], Any]
"""Runs one measurement: a failure is logged and reported, and the rest goes on."""


def bench(args: argparse.Namespace, report: dict[str, Any], save: Callable[[], None]) -> None:
    scratch = DATA / "stored-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    backends = {kind: Backend(kind, scratch) for kind in args.backends}
    postgres = backends.get("postgresql") or Backend("postgresql", scratch)

    def stage(name: str, run: Callable[[], Any]) -> Any:
        try:
            return run()
        except Exception as exc:
            log(f"{name} FAILED:\n{traceback.format_exc()}")
            report["failures"].append(f"{name}: {type(exc).__name__}: {str(exc)[-500:]}")
            return None
        finally:
            report["load_after"] = os.getloadavg()
            save()

    csv = dataset_folder(args.size, "normal")
    report["csv_megabytes"] = sum(p.stat().st_size for p in csv.glob("*.csv")) / 1e6
    crisis_csv = dataset_folder(args.size, "crisis") if not args.no_crisis else None
    if args.crisis_json_only:
        _bench_crisis_json(args, csv, dataset_folder(args.size, "crisis"), scratch, report, stage)
        shutil.rmtree(scratch, ignore_errors=True)
        return

    if not args.no_import:
        _bench_baseline(args, csv, postgres, report, stage, save)
    json_runs: list[dict[str, Any]] = []
    for kind, backend in backends.items():
        _bench_backend(args, kind, backend, csv, scratch, report, stage, save, json_runs)
    if crisis_csv is not None:
        _bench_crisis(args, crisis_csv, backends, scratch, report, stage, save)
    shutil.rmtree(scratch, ignore_errors=True)


def _bench_baseline(
    args: argparse.Namespace,
    csv: Path,
    postgres: Backend,
    report: dict[str, Any],
    stage: Stage,
    save: Callable[[], None],
) -> None:
    """The baseline: the fast reader plus PostgreSQL COPY of the same files."""
    log("baseline: fast reader + PostgreSQL COPY")
    samples = [stage("baseline", lambda: baseline(csv, postgres)) for _ in range(args.runs)]
    ok = [s for s in samples if s]
    if ok:
        report["baseline"] = {
            "samples": ok,
            "median": statistics.median(s["seconds"] for s in ok),
            "read_median": statistics.median(s["read_seconds"] for s in ok),
            "copy_median": statistics.median(s["copy_seconds"] for s in ok),
            "rows": ok[0]["rows"],
        }
        save()


def _bench_backend(
    args: argparse.Namespace,
    kind: str,
    backend: Backend,
    csv: Path,
    scratch: Path,
    report: dict[str, Any],
    stage: Stage,
    save: Callable[[], None],
    json_runs: list[dict[str, Any]],
) -> None:
    """Runs on one backend, each `scan --json` then import and two stored scans; the
    last run (or a slow one) is also put under load."""
    runs: list[dict[str, Any]] = []
    report["stored"][kind] = {"runs": runs}
    for index in range(args.runs):
        last = index == args.runs - 1
        log(
            f"{kind}: run {index + 1} of {args.runs}: scan --json, then import and two stored scans"
        )
        one = stage(f"{kind} scan --json", lambda: scan_json(csv, scratch))
        json_runs.append(one)
        report["json_scan"] = summarise(json_runs)
        tag = f"{kind}-{label(args.size)}"
        result = stage(
            f"{kind} import and stored scans",
            partial(import_and_scan, backend, csv, tag, scratch, keep=True),
        )
        if result is None:
            break
        runs.append(result)
        summary = report["stored"][kind]
        for step in ("import", "first_scan", "second_scan"):
            summary[step] = summarise([r.get(step, {}) for r in runs])
        save()
        slow = max(
            result.get(s, {}).get("seconds", 0) for s in ("import", "first_scan", "second_scan")
        )
        if not last and (slow > REPEAT_LIMIT_SECONDS or result["import"]["returncode"] != 0):
            log(f"{kind}: a step took {slow:.0f} s; measured once, not repeated")
            last = True
        if not last:
            backend.drop(result["url"])
            continue
        if not args.no_load and result.get("second_scan", {}).get("returncode") == 0:
            seconds = QUICK_LOAD_SECONDS if args.quick else LOAD_SECONDS
            load = stage(f"{kind} under load", partial(under_load, result["url"], scratch, seconds))
            if load is not None:
                report["load"][kind] = load
        backend.drop(result["url"])
        break


def _bench_crisis_json(
    args: argparse.Namespace,
    csv: Path,
    crisis_csv: Path,
    scratch: Path,
    report: dict[str, Any],
    stage: Stage,
) -> None:
    """Only `scan --json`, of the normal business and of the crisis day taking turns, so
    both are measured in the same run on the same machine (``--crisis-json-only``)."""
    crisis: dict[str, Any] = {
        "csv_megabytes": sum(p.stat().st_size for p in crisis_csv.glob("*.csv")) / 1e6
    }
    report["crisis"] = crisis
    normal: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    for index in range(args.runs):
        log(f"run {index + 1} of {args.runs}: scan --json, normal then crisis")
        normal.append(stage("scan --json", partial(scan_json, csv, scratch)))
        report["json_scan"] = summarise(normal)
        samples.append(stage("crisis scan --json", partial(scan_json, crisis_csv, scratch)))
        crisis["json_scan"] = summarise(samples)
        crisis["json_megabytes"] = max((s["stdout_bytes"] for s in samples if s), default=0) / 1e6


def _bench_crisis(
    args: argparse.Namespace,
    crisis_csv: Path,
    backends: dict[str, Backend],
    scratch: Path,
    report: dict[str, Any],
    stage: Stage,
    save: Callable[[], None],
) -> None:
    """The crisis day: `scan --json`, then an import and a first stored scan per backend."""
    crisis: dict[str, Any] = {
        "csv_megabytes": sum(p.stat().st_size for p in crisis_csv.glob("*.csv")) / 1e6
    }
    report["crisis"] = crisis
    crisis_runs = 1 if args.quick else max(1, min(2, args.runs))
    samples = []
    for _ in range(crisis_runs):
        log("crisis: scan --json")
        samples.append(stage("crisis scan --json", lambda: scan_json(crisis_csv, scratch)))
    crisis["json_scan"] = summarise(samples)
    crisis["json_megabytes"] = max((s["stdout_bytes"] for s in samples if s), default=0) / 1e6
    save()
    for kind, backend in backends.items():
        tag = f"crisis-{kind}-{label(args.size)}"
        result = stage(
            f"crisis {kind}",
            partial(
                import_and_scan,
                backend,
                crisis_csv,
                tag,
                scratch,
                keep=False,
                scans=("first_scan",),
            ),
        )
        if result is not None:
            crisis[kind] = {
                step: summarise([result[step]])
                for step in ("import", "first_scan")
                if step in result
            } | {
                "database_bytes": result.get("database_bytes", 0),
                "summary": result.get("first_scan", {}).get("summary", ""),
            }
        save()


# --------------------------------------------------------------------------- report


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _mb(kb: float | None) -> str:
    return "n/a" if not kb else f"{kb / 1024:,.0f} MB"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def _first(hit: dict[str, Any]) -> str:
    if not hit:
        return "not asked"
    if hit.get("status") == "timeout":
        return "> 60 s"
    return _s(hit.get("seconds")) + ("" if hit.get("status") == 200 else f" ({hit.get('status')})")


def _timed(step: dict[str, Any] | None) -> str:
    if not step:
        return "not run"
    if step.get("failed"):
        return "failed"
    spread = f" ({_s(step['min'])} – {_s(step['max'])})" if step["n"] > 1 else ""
    return f"{_s(step['median'])}{spread}, n={step['n']}"


def render(report: dict[str, Any]) -> str:
    verdicts: list[str] = []
    out = _render_intro(report)
    for section in (_render_import, _render_stored_scan, _render_load, _render_crisis):
        out.extend(section(report, verdicts))
    add = out.append
    add("### Targets")
    add("")
    for verdict in verdicts:
        add(f"- {verdict}")
    add("")
    add(END)
    return "\n".join(out) + "\n"


def _render_intro(report: dict[str, Any]) -> list[str]:
    """The heading, the failures if any, the machine and the business."""
    m = report["machine"]
    n = report["size"]
    out: list[str] = []
    add = out.append
    add(BEGIN)
    add("")
    add("## The stored path: import, stored scan, web under load, a crisis day")
    add("")
    add(
        f"Generated by `python -m bench.stored` (`make bench-stored`) on {report['date']}; "
        f"arguments `{report['arguments']}`. Do not edit by hand: rerun. Raw numbers: "
        f"`bench/data/{raw_name(report)}.json`."
    )
    add("")
    if report["failures"]:
        add("**Some measurements failed in this run**:")
        add("")
        for failure in report["failures"]:
            add(f"- {failure}")
        add("")
    add(
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']:.1f} GB; Python {m['python']}, "
        f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql']} (same machine, default settings), "
        f"SQLAlchemy {m['sqlalchemy']}, Locust {m['locust']}; {m['os']}."
    )
    add(
        f"- Load average (1, 5, 15 min) before the run: {', '.join(f'{x:.2f}' for x in m['load_before'])}; "
        f"after: {', '.join(f'{x:.2f}' for x in report.get('load_after', ()))}. The machine is "
        "shared with other work: a load above the core count means the commands competed for "
        "the CPU, and their times are longer than on a quiet machine."
    )
    add(
        f"- The business: the demo of {n:,} open order lines (seed {SEED}, as of "
        f"{AS_OF.isoformat()}), {report.get('csv_megabytes', 0):,.0f} MB of CSV. Every command "
        "runs in a fresh process, as a user runs it; times are wall clock, the median of the "
        "runs (n) with min – max. Peak memory is the most the command's process tree held at "
        "once (the resident sets of the command and its children added up, sampled every "
        "50 ms; a forked child's shared pages count twice, and the PostgreSQL server's own "
        "processes are not in the tree)."
    )
    add("")
    return out


def _render_import(report: dict[str, Any], verdicts: list[str]) -> list[str]:
    """Import times against the baseline; adds its verdicts."""
    base = report.get("baseline")
    out: list[str] = []
    add = out.append
    add("### Import")
    add("")
    if base:
        add(
            f"Baseline, in a fresh process: the fast reader's validation "
            f"(`fast_reader.read_tables`, {_s(base['read_median'])}) plus PostgreSQL `COPY` of "
            f"the same CSV files into plain tables typed as Arrow infers them, with no keys or "
            f"indexes ({_s(base['copy_median'])}, {base['rows']:,} rows): **{_s(base['median'])}** "
            f"(median of {len(base['samples'])})."
        )
        add("")
    add(
        "| backend | `controltower import` | peak memory | database size | import / baseline | target <= 3x |"
    )
    add("|---|---:|---:|---:|---:|---|")
    for kind, stored in report["stored"].items():
        step = stored.get("import")
        if not step:
            continue
        ratio = step["median"] / base["median"] if base and not step.get("failed") else None
        ok = None if ratio is None else ratio <= IMPORT_RATIO
        size = stored["runs"][-1].get("database_bytes", 0) if stored.get("runs") else 0
        add(
            f"| {kind} | {_timed(step)} | {_mb(step.get('tree_rss_kb'))} | {size / 1e6:,.0f} MB "
            f"| {'n/a' if ratio is None else f'{ratio:.1f}x'} | {_verdict(ok)} |"
        )
        verdicts.append(
            f"import on {kind} <= 3x the baseline: {_verdict(ok)}"
            + (f" ({ratio:.1f}x)" if ratio else "")
        )
    add("")
    return out


def _render_stored_scan(report: dict[str, Any], verdicts: list[str]) -> list[str]:
    """Stored scan times against `scan --json`; adds its verdicts."""
    out: list[str] = []
    add = out.append
    add("### Stored scan")
    add("")
    js = report.get("json_scan")
    if js and not js.get("failed"):
        add(
            f"`controltower scan DIR --json --as-of {AS_OF.isoformat()} > file` on the same "
            f"business, taking turns with the stored runs: **{_timed(js)}**, peak "
            f"{_mb(js['tree_rss_kb'])} (its largest process alone: {_mb(js['hwm_kb'])}; it "
            "writes the orders from a forked child). `controltower scan --db --as-of "
            f"{AS_OF.isoformat()}` runs right after the import (first: every case opened) and "
            'again on the unchanged picture (second: nothing to change). "Second no slower" '
            "allows 5% for the noise of a shared machine."
        )
        add("")
    add(
        "| backend | first `scan --db` | second (unchanged picture) | first / `--json` | second / `--json` "
        "| peak memory first / second | targets (<= 2x, second no slower, <= 2 GB) |"
    )
    add("|---|---:|---:|---:|---:|---:|---|")
    for kind, stored in report["stored"].items():
        first, second = stored.get("first_scan"), stored.get("second_scan")
        if not first:
            continue
        ok_first = first and not first.get("failed")
        ok_second = second and not second.get("failed")
        jm = js["median"] if js and not js.get("failed") else None
        r1 = first["median"] / jm if ok_first and jm else None
        r2 = second["median"] / jm if ok_second and jm else None
        fast = None if r1 is None or r2 is None else max(r1, r2) <= SCAN_RATIO
        steady = (
            None if not (ok_first and ok_second) else second["median"] <= first["median"] * 1.05
        )
        peak = max(
            (s.get("tree_rss_kb", 0) for s in (first, second) if s and not s.get("failed")),
            default=0,
        )
        small = None if not peak else peak * 1024 <= PEAK_BYTES
        add(
            f"| {kind} | {_timed(first)} | {_timed(second)} | {'n/a' if r1 is None else f'{r1:.1f}x'} "
            f"| {'n/a' if r2 is None else f'{r2:.1f}x'} "
            f"| {_mb(first.get('tree_rss_kb'))} / {_mb(second.get('tree_rss_kb') if second else None)} "
            f"| {_verdict(fast)}, {_verdict(steady)}, {_verdict(small)} |"
        )
        verdicts.append(
            f"stored scan on {kind}: <= 2x `scan --json` {_verdict(fast)}; second no slower than the first "
            f"{_verdict(steady)}; peak <= 2 GB {_verdict(small)}"
        )
    for kind, stored in report["stored"].items():
        for run in stored.get("runs", []):
            for step in ("import", "first_scan", "second_scan"):
                if run.get(step, {}).get("returncode", 0) != 0:
                    add("")
                    add(
                        f"- {kind} {step.replace('_', ' ')} failed: `{run[step]['stderr'][-400:]!r}`"
                    )
    add("")
    return out


def _started(load: dict[str, Any]) -> str:
    """How the load test's users started: at once, or over a ramp, counted after it."""
    ramp = load.get("ramp_seconds")
    if not ramp:
        return "started at once"
    return f"started over {ramp} s and counted once all of them run (`--reset-stats`)"


def _render_load(report: dict[str, Any], verdicts: list[str]) -> list[str]:
    """The web app and the API under load; adds its verdicts."""
    out: list[str] = []
    add = out.append
    add("### The web app and the API under load")
    add("")
    any_load = next(iter(report["load"].values()), None)
    if any_load:
        add(
            f"`controltower serve` (one process) on the stored business after its scans; Locust "
            f"headless (`FastHttpUser`, its lighter client) with {any_load['users']} users {_started(any_load)}, each asking for the next "
            f"URL of the list as soon as it has read the last answer and paused "
            f"{any_load['think_seconds']:.1f} s on average (0.5 – 1.5 s, someone reading a "
            f"page), for {any_load['seconds']} s, on the same 2 cores as the server. The URLs are "
            "discovered from the running app (`bench/load.py`); every user walks the whole list, "
            'so each URL gets about the same share. "first" is the URL asked once, alone, '
            "before the load."
        )
        add("")
    for kind, load in report["load"].items():
        add(
            f"**{kind}** (server peak memory {_mb(load.get('server_tree_rss_kb'))}; Locust exit status {load['returncode']}):"
        )
        add("")
        add("| URL | requests | errors | first | p50 | p95 | p99 | p95 <= 200 ms |")
        add("|---|---:|---:|---:|---:|---:|---:|---|")
        worst: list[str] = []
        for target in load["targets"]:
            name = target["name"]
            s = load["per_url"].get(name)
            first = load["first_hits"].get(name, {})
            if not s:
                worst.append(name)
                add(
                    f"| `{target['path']}` | 0 | | {_first(first)} | none completed | | | {_verdict(False)} |"
                )
                continue
            ok = (
                s["p95_ms"] is not None and s["p95_ms"] <= P95_SECONDS * 1000 and s["failures"] == 0
            )
            if not ok:
                worst.append(name)
            add(
                f"| `{target['path']}` | {s['requests']:,} | {s['failures']:,} | {_first(first)} "
                f"| {s['p50_ms']:,.0f} ms | {s['p95_ms']:,.0f} ms | {s['p99_ms']:,.0f} ms | {_verdict(ok)} |"
            )
        total = load["per_url"].get("Aggregated")
        if total:
            add(
                f"| **all** | **{total['requests']:,}** | **{total['failures']:,}** | | {total['p50_ms']:,.0f} ms "
                f"| {total['p95_ms']:,.0f} ms | {total['p99_ms']:,.0f} ms | {total['rps']:,.1f} requests/s |"
            )
        add("")
        verdicts.append(
            f"web and API on {kind}, p95 <= 200 ms on every URL: "
            + (_verdict(not worst) if load["per_url"] else "n/a")
            + (f" (missed on {len(worst)} of {len(load['targets'])} URLs)" if worst else "")
        )
    return out


def _render_crisis(report: dict[str, Any], verdicts: list[str]) -> list[str]:
    """The crisis day, when it was measured; adds its verdicts."""
    out: list[str] = []
    add = out.append
    crisis = report.get("crisis")
    if crisis:
        add("### A crisis day")
        add("")
        summary = next(
            (crisis[k]["summary"] for k in report["stored"] if crisis.get(k, {}).get("summary")), ""
        )
        add(
            f"The same size of business on its worst day (`controltower demo --scenario crisis`, "
            f'`generate_business(..., scenario="crisis")`: a supplier-wide slip, stock counts '
            f"collapsing, unconfirmed POs, a wave of credit holds, customers chasing; "
            f"{crisis['csv_megabytes']:,.0f} MB of CSV; the `scan --json` document is "
            f"{crisis.get('json_megabytes', 0):,.0f} MB)."
            + (f' Its first stored scan: "{summary}"' if summary else "")
        )
        add("")
        add(
            "| scan | crisis day | peak memory | the normal business | crisis / normal | targets (<= 3x, <= 2 GB) |"
        )
        add("|---|---:|---:|---:|---:|---|")
        rows = [("`scan --json`", crisis.get("json_scan"), report.get("json_scan"))]
        for kind in report["stored"]:
            if kind in crisis:
                rows.append(
                    (
                        f"`scan --db`, first, {kind}",
                        crisis[kind].get("first_scan"),
                        report["stored"][kind].get("first_scan"),
                    )
                )
                rows.append(
                    (
                        f"`scan --db`, second, {kind}",
                        crisis[kind].get("second_scan"),
                        report["stored"][kind].get("second_scan"),
                    )
                )
        for name, hit, normal in rows:
            if not hit:
                continue
            good = normal is not None and not hit.get("failed") and not normal.get("failed")
            ratio = hit["median"] / normal["median"] if good and normal else None
            fast = None if ratio is None else ratio <= CRISIS_RATIO
            small = None if hit.get("failed") else hit["tree_rss_kb"] * 1024 <= PEAK_BYTES
            add(
                f"| {name} | {_timed(hit)} | {_mb(hit.get('tree_rss_kb'))} | "
                f"{_s(normal['median']) if good and normal else 'n/a'} | {'n/a' if ratio is None else f'{ratio:.1f}x'} "
                f"| {_verdict(fast)}, {_verdict(small)} |"
            )
            verdicts.append(
                f"crisis {name}: <= 3x the normal business {_verdict(fast)}, <= 2 GB {_verdict(small)}"
            )
        add("")
        for kind in report["stored"]:
            imp = crisis.get(kind, {}).get("import")
            if imp:
                add(
                    f"- Importing the crisis business on {kind} (not a target): {_timed(imp)}, peak {_mb(imp.get('tree_rss_kb'))}."
                )
        add("")
    return out


def splice(text: str, section: str) -> str:
    """``text`` with its stored-path section replaced by ``section`` (appended if absent)."""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + section.rstrip("\n") + tail
    return text.rstrip("\n") + "\n\n" + section


def kept_section(text: str) -> str:
    """The stored-path section of ``text`` with its markers ('' if none): what
    ``bench/run.py`` carries over when it rewrites the report."""
    if BEGIN in text and END in text:
        return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"
    return ""


def raw_name(report: dict[str, Any]) -> str:
    """The raw numbers' file name: a ``--crisis-json-only`` run keeps its own, so it never
    replaces a full run's."""
    only = "crisis-json-" if report.get("crisis_json_only") else ""
    return f"stored-{only}{label(report['size'])}"


def write_report(report: dict[str, Any], out: Path) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    raw = DATA / f"{raw_name(report)}.json"
    raw.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    existing = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    out.write_text(splice(existing, render(report)), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stored", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--size", type=parse_size, default=parse_size("1m"), help="open order lines (default 1m)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="one run of each step and a 10 s load test"
    )
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="sqlite, postgresql or both (default both)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Markdown report (default docs/benchmarks.md; with --crisis-json-only "
        "bench/data/stored-crisis-json-<size>.md)",
    )
    parser.add_argument("--no-import", action="store_true", help="skip the import baseline")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--no-crisis", action="store_true", help="skip the crisis day")
    parser.add_argument(
        "--crisis-json-only",
        action="store_true",
        help="only `scan --json` of the normal and the crisis business, taking turns "
        "(reported under bench/data unless --out is given)",
    )
    parser.add_argument(
        "--from-raw", type=Path, default=None, help="only render --out again from a raw report"
    )
    args = parser.parse_args(argv)
    if args.out is None:
        only = args.crisis_json_only
        args.out = (
            DATA / f"stored-crisis-json-{label(args.size)}.md"
            if only
            else ROOT / "docs" / "benchmarks.md"
        )
    if args.from_raw is not None:
        write_report(json.loads(args.from_raw.read_text(encoding="utf-8")), args.out)
        return 0
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    if args.quick:
        args.runs = 1
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    report: dict[str, Any] = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "arguments": " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)",
        "size": args.size,
        "crisis_json_only": args.crisis_json_only,
        "stored": {},
        "load": {},
        "failures": [],
    }
    bench(args, report, lambda: write_report(report, args.out))
    report["load_after"] = os.getloadavg()
    write_report(report, args.out)
    log(f"wrote {args.out}")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""The stored-path benchmark's pieces: its report section, its URL discovery, its meters.

The benchmark itself runs for minutes on a million lines; these tests check what it is
made of on small inputs, and never a wall-clock time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

# ``bench`` is a top-level folder of the project, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench import load, sizes, stored


def test_sizes_read_and_print_the_way_every_benchmark_takes_them() -> None:
    assert sizes.parse_size("100k") == 100_000
    assert sizes.parse_size("1m") == 1_000_000
    assert sizes.parse_size("2_500") == 2_500
    assert sizes.label(1_000_000) == "1M"
    assert sizes.label(100_000) == "100k"
    assert sizes.label(2_500) == "2500"
    with pytest.raises(argparse.ArgumentTypeError, match="a size must be positive"):
        sizes.parse_size("0")


def test_the_section_is_spliced_between_its_markers_and_kept_by_a_rewrite() -> None:
    engine_report = "# Benchmarks\n\nengine numbers\n"
    first = stored.splice(engine_report, f"{stored.BEGIN}\nstored v1\n{stored.END}\n")
    assert first.startswith(engine_report.rstrip("\n"))
    assert "stored v1" in first

    second = stored.splice(first, f"{stored.BEGIN}\nstored v2\n{stored.END}\n")
    assert "stored v1" not in second
    assert second.count(stored.BEGIN) == second.count(stored.END) == 1
    assert stored.kept_section(second) == f"{stored.BEGIN}\nstored v2\n{stored.END}\n"
    assert stored.kept_section(engine_report) == ""


def test_the_engine_report_keeps_the_stored_section(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from bench import run

    out = tmp_path / "benchmarks.md"
    out.write_text(f"# old\n\n{stored.BEGIN}\nstored numbers\n{stored.END}\n", encoding="utf-8")
    raw = {
        "machine": {
            "cpu": "test",
            "cores": 2,
            "memory_gb": 1.0,
            "python": "3",
            "numpy": "2",
            "duckdb": "1",
            "os": "test",
            "load_before": (0.0, 0.0, 0.0),
        },
        "date": "today",
        "arguments": "(defaults)",
        "repeat": 1,
        "sizes": [],
        "failures": [],
        "load_after": (0.0, 0.0, 0.0),
    }
    monkey_data = tmp_path / "data"
    original = run.DATA
    run.DATA = monkey_data
    try:
        run.write_report(raw, out)
    finally:
        run.DATA = original
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert f"{stored.BEGIN}\nstored numbers\n{stored.END}" in text


def _report() -> dict[str, Any]:
    step = {
        "median": 2.0,
        "min": 1.5,
        "max": 2.5,
        "n": 3,
        "samples": [1.5, 2.0, 2.5],
        "tree_rss_kb": 500_000,
        "hwm_kb": 400_000,
    }
    load_stats = {
        "requests": 40,
        "failures": 0,
        "rps": 1.3,
        "p50_ms": 80.0,
        "p95_ms": 150.0,
        "p99_ms": 300.0,
        "max_ms": 310.0,
        "mean_ms": 90.0,
    }
    return {
        "machine": {
            "cpu": "test cpu",
            "cores": 2,
            "memory_gb": 8.0,
            "python": "3.11",
            "os": "linux",
            "postgresql": "15",
            "sqlite": "3.40",
            "sqlalchemy": "2",
            "locust": "2",
            "load_before": (1.0, 1.0, 1.0),
        },
        "load_after": (2.0, 2.0, 2.0),
        "date": "2026-11-25 10:00",
        "arguments": "--size 100k",
        "size": 100_000,
        "csv_megabytes": 12.0,
        "failures": [],
        "baseline": {
            "samples": [{}],
            "median": 1.0,
            "read_median": 0.4,
            "copy_median": 0.6,
            "rows": 250_000,
        },
        "json_scan": step | {"median": 1.0},
        "stored": {
            "sqlite": {
                "runs": [{"database_bytes": 10_000_000}],
                "import": step,
                "first_scan": step,
                "second_scan": step | {"median": 1.9},
            }
        },
        "load": {
            "sqlite": {
                "users": 20,
                "seconds": 30,
                "think_seconds": 1.0,
                "returncode": 0,
                "server_tree_rss_kb": 300_000,
                "targets": [
                    {"name": "/ (overview)", "path": "/"},
                    {"name": "GET /api/orders", "path": "/api/orders"},
                ],
                "first_hits": {"/ (overview)": {"status": 200, "seconds": 0.1, "bytes": 10}},
                "per_url": {"/ (overview)": load_stats, "Aggregated": load_stats},
            }
        },
        "crisis": {
            "csv_megabytes": 13.0,
            "json_megabytes": 40.0,
            "json_scan": step | {"median": 2.5},
            "sqlite": {
                "import": step,
                "first_scan": step | {"median": 7.0},
                "second_scan": step,
                "summary": "Scan run 1: ...",
            },
        },
    }


def test_the_section_reports_every_part_and_judges_the_targets() -> None:
    text = stored.render(_report())
    assert text.startswith(stored.BEGIN)
    assert text.rstrip().endswith(stored.END)
    for heading in (
        "### Import",
        "### Stored scan",
        "### The web app and the API under load",
        "### A crisis day",
        "### Targets",
    ):
        assert heading in text
    assert "import on sqlite <= 3x the baseline: **met** (2.0x)" in text
    # 2.0 s against 1.0 s is exactly 2x, which meets "<= 2x"
    assert "stored scan on sqlite: <= 2x `scan --json` **met**" in text
    # a URL nobody got an answer from under load misses the target
    assert "| `/api/orders` | 0 |" in text
    assert "missed on 1 of 2 URLs" in text
    # the crisis's first stored scan took 3.5x the normal one
    assert "3.5x | **missed**, **met**" in text


def test_a_report_renders_again_from_its_raw_numbers(tmp_path: Path) -> None:
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps(_report()), encoding="utf-8")
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nengine\n", encoding="utf-8")
    original = stored.DATA
    stored.DATA = tmp_path / "data"
    try:
        assert stored.main(["--from-raw", str(raw), "--out", str(out)]) == 0
    finally:
        stored.DATA = original
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nengine\n")
    assert stored.BEGIN in text


def test_a_command_is_timed_with_the_peak_memory_of_its_process_tree(tmp_path: Path) -> None:
    child = "x = bytearray(120_000_000); import time; time.sleep(0.5)"
    parent = (
        "import subprocess, sys; "
        f"subprocess.run([sys.executable, '-c', {child!r}], check=True); print('done')"
    )
    result = stored.run_command([sys.executable, "-c", parent], tmp_path / "out.txt")
    assert result["returncode"] == 0
    assert result["summary"] == "done"
    assert result["tree_rss_kb"] > 100_000  # the child's 120 MB, seen through the parent
    assert result["seconds"] > 0


PAGE_ORDERS = """
<a href="/orders?show=all">All</a> <a href="/orders?show=at_risk&amp;page=2">Next 100</a>
<a href="/orders/export.csv?show=at_risk">Download</a>
<a href="/orders/SO100001">SO100001</a> <a href="/orders/SO100002">SO100002</a>
"""
PAGE_CASES = """
<select name="type"><option value="">Any</option><option value="order_at_risk">x</option></select>
<select name="severity"><option value="">Any</option><option value="critical">c</option></select>
<a href="/exceptions/cases/7">a case</a>
"""
SPEC = {
    "paths": {
        "/api/orders/export": {"get": {"parameters": []}},
        "/api/orders": {
            "get": {
                "parameters": [
                    {"name": "at_risk", "in": "query"},
                    {"name": "limit", "in": "query"},
                    {"name": "offset", "in": "query"},
                ]
            }
        },
        "/api/orders/{order_id}": {"get": {}},
        "/api/exceptions": {
            "get": {
                "parameters": [
                    {"name": "view", "in": "query", "schema": {"enum": ["cases", "incidents"]}}
                ]
            }
        },
        "/api/search": {"get": {"parameters": [{"name": "q", "in": "query", "required": True}]}},
        "/api/needs-two": {
            "get": {
                "parameters": [
                    {"name": "a", "in": "query", "required": True},
                    {"name": "b", "in": "query", "required": True},
                ]
            }
        },
        "/docs": {"get": {}},
    }
}


def _app(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/openapi.json":
        return httpx.Response(200, json=SPEC)
    if path == "/orders":
        return httpx.Response(200, text=PAGE_ORDERS)
    if path == "/exceptions":
        return httpx.Response(200, text=PAGE_CASES)
    if path == "/orders/SO100001":
        return httpx.Response(200, text='<a href="/customers/C%231">Acme</a>')
    if path == "/api/orders":
        return httpx.Response(200, json={"orders": [{"order_id": "SO100001"}]})
    if path == "/api/exceptions":
        return httpx.Response(200, json={"cases": [{"id": 7}]})
    return httpx.Response(200, text="")


def test_the_urls_are_discovered_from_the_running_app(monkeypatch: pytest.MonkeyPatch) -> None:
    real_client = httpx.Client

    def client(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.MockTransport(_app), **kwargs)

    monkeypatch.setattr(httpx, "Client", client)
    targets = {t.name: t.path for t in load.discover_targets("http://testserver")}
    assert targets["/ (overview)"] == "/"
    assert targets["/orders (all open)"] == "/orders?show=all"
    assert targets["/orders (at risk, page 2)"] == "/orders?show=at_risk&page=2"
    assert targets["/orders (at risk, page 11)"] == "/orders?show=at_risk&page=11"
    assert targets["/orders/{order_id}"] == "/orders/SO100001"
    assert (
        targets["/exceptions (cases, type=order_at_risk)"]
        == "/exceptions?view=cases&type=order_at_risk"
    )
    assert (
        targets["/exceptions (cases, severity=critical)"]
        == "/exceptions?view=cases&severity=critical"
    )
    assert targets["/exceptions/cases/{case_id}"] == "/exceptions/cases/7"
    assert targets["/my-work"] == "/my-work"
    assert targets["/warehouse-work"] == "/warehouse-work"
    assert targets["/search?q={order_id}"] == "/search?q=SO100001"
    assert targets["/customers/{code}"] == "/customers/C%231"
    assert targets["GET /api/orders"] == "/api/orders"
    assert targets["GET /api/orders?at_risk=true"] == "/api/orders?at_risk=true"
    assert targets["GET /api/orders (page 11)"] == "/api/orders?limit=100&offset=1000"
    assert targets["GET /api/exceptions?view=incidents"] == "/api/exceptions?view=incidents"
    assert targets["GET /api/orders/{order_id}"] == "/api/orders/SO100001"
    assert targets["GET /api/exceptions/cases/{case_id}"] == "/api/exceptions/cases/7"
    # a required query is given (a search asks for an order's id), never left out
    assert targets["GET /api/search?q={order_id}"] == "/api/search?q=SO100001"
    assert "GET /api/search" not in targets
    assert not any("needs-two" in path for path in targets.values())
    assert "/docs" not in targets.values()
    assert not any("export" in path for path in targets.values())
    assert not any("{" in path for path in targets.values())


def test_locust_statistics_are_read_per_url(tmp_path: Path) -> None:
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,/ (overview),10,1,50,60,10,300,1000,0.5,0.05,50,60,70,80,90,120,200,250,300,300,300\n"
        ",Aggregated,10,1,50,60,10,300,1000,0.5,0.05,50,60,70,80,90,120,200,250,300,300,300\n",
        encoding="utf-8",
    )
    read = load._read_stats(stats)
    assert read["/ (overview)"]["requests"] == 10
    assert read["/ (overview)"]["failures"] == 1
    assert (read["/ (overview)"]["p50_ms"], read["/ (overview)"]["p95_ms"]) == (50, 120)
    assert read["/ (overview)"]["p99_ms"] == 250
    assert "Aggregated" in read

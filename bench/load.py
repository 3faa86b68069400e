"""The web app and the API under load: which URLs, and Locust driving them.

:func:`discover_targets` is the one place that decides what a load test visits. It asks
a running ``controltower serve`` for its first pages and builds the list from what they
link to, so the list follows the app as its URLs change:

- the overview ``/``;
- the at-risk orders page ``/orders``, its "All open orders" tab and its next pages;
- the case queue ``/exceptions`` (by root cause, all cases, a later page where there is
  one, and each filter the page offers: a type, an owner, a severity, resolved too);
- one order page and one case page, taken from the first links of those lists;
- every list endpoint the OpenAPI document declares under ``/api`` (``GET`` without a
  path parameter), with each value of an enumerated ``view``, ``at_risk=true`` and a
  later page where it takes ``offset``, a search for an order's id, plus one order and
  one case by id.

:func:`run_locust` runs ``bench/locustfile.py`` headless against them and reads the
per-URL statistics Locust writes as CSV.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
#: how far into a list "a later page" is
LATER_PAGE = 10
#: the users start over this many seconds, and are counted once all of them run
RAMP_SECONDS = 5
#: a request of the load test slower than this fails; the run waits this long at its end
#: for the requests still going, so that slow ones are counted, not dropped
REQUEST_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Target:
    """One URL of the load test and the name its statistics are reported under."""

    name: str
    path: str


def _links(page: str, prefix: str) -> list[str]:
    """The distinct ``href`` targets of ``page`` starting with ``prefix``, in page order."""
    found = (html.unescape(h) for h in re.findall(r'href="([^"]+)"', page))
    return list(dict.fromkeys(h for h in found if h.startswith(prefix)))


def _is_download(path: str) -> bool:
    """A file download (CSV or Excel export): measured on its own, not as a page."""
    return "/export" in path


def _select_options(page: str) -> dict[str, list[str]]:
    """The non-blank option values of each ``<select name=...>`` on ``page``."""
    options: dict[str, list[str]] = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        values = [html.unescape(v) for v in re.findall(r'<option[^>]*value="([^"]*)"', body)]
        options[name] = [v for v in values if v]
    return options


def _with(path: str, **params: Any) -> str:
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query))
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return f"{parts.path}?{urlencode(query)}" if query else parts.path


def _page_link(links: list[str]) -> str | None:
    """A link to the next page of a list (``page=2``), if the list has one."""
    return next((link for link in links if "page=2" in link), None)


def _work_targets(
    client: httpx.Client, page: Callable[[str], str], one_order: str | None
) -> list[Target]:
    """A person's queues, search, and the pages of what one order names (customer,
    product, supplier, purchase order): the pages people work from."""
    targets = [
        Target(path, path)
        for path in ("/my-work", "/warehouse-work")
        if client.get(path).status_code == 200
    ]
    if one_order is None:
        return targets
    code = one_order.rsplit("/", 1)[-1].split("?", 1)[0]
    targets.append(Target("/search?q={order_id}", _with("/search", q=code)))
    detail = page(one_order)
    for prefix in ("/customers/", "/products/", "/suppliers/", "/purchase-orders/"):
        link = next(iter(_links(detail, prefix)), None)
        if link:
            targets.append(Target(f"{prefix}{{code}}", link))
    return targets


def _api_targets(client: httpx.Client, order_id: str | None) -> list[Target]:
    """Every list endpoint under /api with its variants, from the OpenAPI document.

    An endpoint that needs a query (``q``: the search) is asked for ``order_id`` (the
    first open order), as someone pasting an order number would; without an order it
    is left out, since it would only answer 422."""
    spec = client.get("/openapi.json").raise_for_status().json()
    targets: list[Target] = []
    for path, operations in sorted(spec.get("paths", {}).items()):
        get = operations.get("get")
        if get is None or not path.startswith("/api") or "{" in path or _is_download(path):
            continue
        params = {p["name"]: p for p in get.get("parameters", []) if p.get("in") == "query"}
        required = [name for name, p in params.items() if p.get("required")]
        if required:
            if required != ["q"] or order_id is None:
                continue
            targets.append(Target(f"GET {path}?q={{order_id}}", _with(path, q=order_id)))
            continue
        targets.append(Target(f"GET {path}", path))
        if "view" in params:
            schema = params["view"].get("schema", {})
            values = schema.get("enum") or [
                v for option in schema.get("anyOf", []) for v in option.get("enum", [])
            ]
            targets.extend(Target(f"GET {path}?view={v}", _with(path, view=v)) for v in values)
        if "at_risk" in params:
            targets.append(Target(f"GET {path}?at_risk=true", _with(path, at_risk="true")))
        if "offset" in params:
            limit = 100
            targets.append(
                Target(
                    f"GET {path} (page {LATER_PAGE + 1})",
                    _with(
                        path, limit=limit if "limit" in params else None, offset=limit * LATER_PAGE
                    ),
                )
            )
    return targets


def auth_headers(token: str | None) -> dict[str, str]:
    """The header that signs a load-test request in (the app answers nothing without)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def discover_targets(base_url: str, token: str | None = None) -> list[Target]:
    """The URLs a load test visits, read from the running app's first pages."""
    with httpx.Client(
        base_url=base_url, timeout=900, follow_redirects=True, headers=auth_headers(token)
    ) as client:

        def page(path: str) -> str:
            return client.get(path).raise_for_status().text

        targets = [Target("/ (overview)", "/")]

        orders_page = page("/orders")
        targets.append(Target("/orders (at risk)", "/orders"))
        order_links = _links(orders_page, "/orders")
        every = next((link for link in order_links if "show=all" in link), None)
        if every:
            targets.append(Target("/orders (all open)", every))
        later = _page_link(order_links)
        if later:
            targets.append(Target("/orders (at risk, page 2)", later))
            targets.append(
                Target(
                    f"/orders (at risk, page {LATER_PAGE + 1})", _with(later, page=LATER_PAGE + 1)
                )
            )
        one_order = next(
            (
                link
                for link in order_links
                if re.match(r"/orders/[^/?]+", link) and not _is_download(link)
            ),
            None,
        )
        if one_order:
            targets.append(Target("/orders/{order_id}", one_order))

        queue = page("/exceptions")
        targets.append(Target("/exceptions (by root cause)", "/exceptions"))
        cases = page("/exceptions?view=cases")
        targets.append(Target("/exceptions (all cases)", "/exceptions?view=cases"))
        later = _page_link(_links(cases, "/exceptions?"))
        if later:
            targets.append(Target("/exceptions (all cases, page 2)", later))
        for name, values in sorted(_select_options(cases).items()):
            if name in ("view", "company") or not values:
                continue
            targets.append(
                Target(
                    f"/exceptions (cases, {name}={values[0]})",
                    _with("/exceptions", view="cases", **{name: values[0]}),
                )
            )
        case_link = next(
            iter(_links(queue, "/exceptions/cases/") or _links(cases, "/exceptions/cases/")), None
        )
        if case_link:
            targets.append(Target("/exceptions/cases/{case_id}", case_link))
        targets.extend(_work_targets(client, page, one_order))

        first = client.get("/api/orders", params={"limit": 1}).json()
        orders = first.get("orders") or first.get("items") or []
        targets.extend(_api_targets(client, orders[0]["order_id"] if orders else None))
        if orders:
            targets.append(
                Target("GET /api/orders/{order_id}", f"/api/orders/{orders[0]['order_id']}")
            )
        queue_json = client.get("/api/exceptions").json()
        rows = (
            queue_json
            if isinstance(queue_json, list)
            else queue_json.get("cases") or queue_json.get("items") or []
        )
        if rows:
            targets.append(
                Target(
                    "GET /api/exceptions/cases/{case_id}", f"/api/exceptions/cases/{rows[0]['id']}"
                )
            )
    return list({t.name: t for t in targets}.values())


def first_hits(
    base_url: str,
    targets: list[Target],
    *,
    timeout: float = 60,
    budget: float = 300,
    token: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Each URL once, one after another, before the load: status, time and size. A URL
    slower than ``timeout`` seconds is recorded as timed out; once ``budget`` seconds
    have gone, the remaining URLs are left out."""
    import time

    seen: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=timeout, headers=auth_headers(token)) as client:
        for target in targets:
            if time.perf_counter() - began > budget:
                break
            start = time.perf_counter()
            try:
                response = client.get(target.path)
            except httpx.TimeoutException:
                seen[target.name] = {"status": "timeout", "seconds": None, "bytes": 0}
                continue
            seen[target.name] = {
                "status": response.status_code,
                "seconds": time.perf_counter() - start,
                "bytes": len(response.content),
            }
    return seen


def run_locust(
    base_url: str,
    targets: list[Target],
    scratch: Path,
    *,
    users: int,
    seconds: int,
    think_seconds: float,
    token: str | None = None,
) -> dict[str, Any]:
    """Locust headless with ``users`` clients for ``seconds``; statistics per URL name
    (each client signed in with the bearer ``token``)."""
    scratch.mkdir(parents=True, exist_ok=True)
    plan = scratch / "targets.json"
    plan.write_text(json.dumps([t.__dict__ for t in targets], indent=1), encoding="utf-8")
    prefix = scratch / "locust"
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        f"{users / RAMP_SECONDS:g}",
        # counted from when every user is running: a load test measures the steady
        # state, not twenty first requests landing in the same millisecond
        "--reset-stats",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        str(REQUEST_TIMEOUT_SECONDS),
        "--csv",
        str(prefix),
        "--host",
        base_url,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = os.environ | {
        "BENCH_TARGETS_FILE": str(plan),
        "BENCH_THINK_SECONDS": str(think_seconds),
        "BENCH_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT_SECONDS),
        "BENCH_TOKEN": token or "",
    }
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=seconds + 3 * REQUEST_TIMEOUT_SECONDS,
    )
    stats = _read_stats(Path(f"{prefix}_stats.csv"))
    return {
        "users": users,
        "ramp_seconds": RAMP_SECONDS,
        "seconds": seconds,
        "think_seconds": think_seconds,
        "returncode": done.returncode,
        "stderr": done.stderr[-2000:],
        "per_url": stats,
        "failures": _read_failures(Path(f"{prefix}_failures.csv")),
    }


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _read_stats(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    rows: dict[str, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": _number(row["Requests/s"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": _number(row["Max Response Time"]),
                "mean_ms": _number(row["Average Response Time"]),
            }
    return rows


def _read_failures(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [dict(row) for row in csv.DictReader(handle)][:20]

"""The sync's own process in ``bench.odoo_sync``: syncs timed phase by phase.

Run by the bench, never by hand::

    python -m bench.sync_process once URL DB LOGIN KEY SETTINGS DATABASE full|changes
    python -m bench.sync_process worker URL DB LOGIN KEY SETTINGS DATABASE

``once`` is ``controltower sync odoo`` run by hand: one sync in a fresh process, timed
from the interpreter's start (imports included), its marks printed as one JSON line.
``worker`` syncs as the background worker does, keeping its mirror in memory: one sync,
then ``ready``; then for every non-empty line read (Odoo changed meanwhile) one more
sync, its marks as one JSON line, then the memory the process holds as another.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports, which a fresh process pays for

import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from controltower.cli.odoo_sync import KeptMirror, sync_odoo  # noqa: E402
from controltower.connectors.odoo.client import OdooConnection  # noqa: E402
from controltower.connectors.odoo.settings import OdooSettings, load_odoo_settings  # noqa: E402


def timed_sync(
    connection: OdooConnection,
    settings: OdooSettings,
    database: str,
    *,
    started: float,
    imported: float = 0.0,
    full: bool = False,
    kept: KeptMirror | None = None,
) -> dict[str, Any]:
    """One sync; its phases in seconds since ``started`` (the last record read, the first
    row stored, the end) and what it did."""
    marks: dict[str, Any] = {"imported": imported, "read_end": 0.0, "store_start": 0.0}

    def read(_model: str, _count: int) -> None:
        marks["read_end"] = time.perf_counter() - started

    def store(_name: str, _done: int, _total: int) -> None:
        if not marks["store_start"]:
            marks["store_start"] = time.perf_counter() - started

    summary = sync_odoo(
        connection, settings, database, full=full, progress=read, storing=store, kept=kept
    )
    marks["end"] = time.perf_counter() - started
    marks["records_read"] = sum(summary.records_read.values())
    marks["unmapped"] = len(summary.unmapped)
    marks["patched"] = summary.patched
    marks["remapped_because"] = summary.remapped_because
    return marks


def _resident_mb() -> float:
    """The memory the process holds, after a full collection."""
    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str]) -> None:
    mode, url, db, login, key, settings_file, database, *rest = argv
    connection = OdooConnection(url=url, db=db, login=login, api_key=key)
    settings = load_odoo_settings(Path(settings_file))
    if mode == "once":
        imported = time.perf_counter() - STARTED
        marks = timed_sync(
            connection,
            settings,
            database,
            started=STARTED,
            imported=imported,
            full=rest == ["full"],
        )
        print(json.dumps(marks), flush=True)
        return
    kept = KeptMirror()
    sync_odoo(connection, settings, database, kept=kept)  # the worker's first cycle
    print("ready", flush=True)
    while sys.stdin.readline().strip():
        marks = timed_sync(connection, settings, database, started=time.perf_counter(), kept=kept)
        print(json.dumps(marks), flush=True)
        # after the answer: the memory the worker holds between its syncs
        print(json.dumps({"resident_mb": _resident_mb()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

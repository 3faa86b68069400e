"""``controltower sync odoo`` against the fake Odoo server, as a user runs it.

Every test drives the command line over real HTTP (JSON-RPC, and XML-RPC where the
protocol matters) on the seeded business of ``fake_odoo.business``, on Odoo 17 and 18
field names, and checks what a person would: the exported dataset, the stored picture,
the messages, and that nothing is stored when a sync does not complete.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from controltower.cli.main import app
from fake_odoo import FakeOdoo
from fake_odoo.business import Business
from helpers.odoo_cli import connection_args, run_odoo_command


def sync(
    odoo: FakeOdoo, business: Business, database_url: str, *extra: str, key: str | None = None
) -> Result:
    """``controltower sync odoo`` with the key in ``ODOO_API_KEY``, as the docs advise."""
    connection = connection_args(odoo.url, odoo.db, business.login, database_url)
    return run_odoo_command("sync", connection, key or business.api_key, *extra)


def export(database_url: str, folder: Path) -> dict[str, list[dict[str, str]]]:
    result = CliRunner().invoke(app, ["export", str(folder), "--database-url", database_url])
    assert result.exit_code == 0, result.output
    return {
        path.stem: list(csv.DictReader(path.open(encoding="utf-8")))
        for path in sorted(folder.glob("*.csv"))
    }


def rows_by(
    dataset: dict[str, list[dict[str, str]]], name: str, key: str
) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in dataset[name]}


def test_a_full_sync_stores_the_business_and_exports_a_dataset_import_accepts(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    result = sync(odoo, business, database_url)
    assert result.exit_code == 0, result.output
    assert "Full sync of" in result.stdout
    assert business.api_key not in result.output

    dataset = export(database_url, tmp_path / "out")
    orders = rows_by(dataset, "sales_orders", "order_id")
    assert set(orders) == set(business.sale_order_names.values()) - {
        name for key, name in business.sale_order_names.items() if key in ("draft", "cancelled")
    }
    assert {row["code"] for row in dataset["warehouses"]} == {"WH", "EAST"}
    # Odoo's references, never ids, except where Odoo has none
    assert all(not row["order_id"].isdigit() for row in dataset["sales_orders"])
    assert any(row["sku"].startswith("product-") for row in dataset["products"])
    assert sum(row["sku"].startswith("DUP#") for row in dataset["products"]) == 2
    # a contact's order belongs to its company
    customers = {row["code"] for row in dataset["customers"]}
    assert all(row["customer"] in customers for row in dataset["sales_orders"])

    again = tmp_path / "again.db"
    imported = CliRunner().invoke(
        app, ["import", str(tmp_path / "out"), "--database-url", f"sqlite:///{again}"]
    )
    assert imported.exit_code == 0, imported.output
    assert export(f"sqlite:///{again}", tmp_path / "round") == dataset


def test_the_same_business_over_xml_rpc(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    json_db = f"sqlite:///{tmp_path / 'json.db'}"
    assert sync(odoo, business, json_db).exit_code == 0
    result = sync(odoo, business, database_url, "--protocol", "xmlrpc")
    assert result.exit_code == 0, result.output
    assert export(database_url, tmp_path / "xml") == export(json_db, tmp_path / "json")


def test_a_later_sync_reads_only_what_changed_and_applies_it(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    assert sync(odoo, business, database_url).exit_code == 0
    odoo.tick(seconds=60)
    first = business.sale_orders["acme"]
    name = odoo.record("sale.order", first)["name"]
    odoo.write("sale.order", first, {"commitment_date": "2026-12-20 10:00:00"})
    odoo.requests.clear()

    result = sync(odoo, business, database_url)
    assert result.exit_code == 0, result.output
    assert "Sync of" in result.stdout
    assert "Full sync" not in result.stdout
    watermarked = [
        request
        for request in odoo.requests
        if request.method == "search_read" and request.model == "sale.order"
    ]
    assert watermarked, "the orders are read"
    assert all(
        "write_date" in repr(request.kw) or "write_date" in repr(request) for request in watermarked
    )
    assert "mapped again" not in result.stdout
    orders = rows_by(export(database_url, tmp_path / "out"), "sales_orders", "order_id")
    assert orders[name]["promised_date"] == "2026-12-20"

    odoo.tick(seconds=60)
    odoo.write("res.partner", business.customers["strategic"], {"ref": "C-ACME-2"})
    result = sync(odoo, business, database_url)
    assert result.exit_code == 0, result.output
    assert "The whole mirror was mapped again: res.partner changed." in result.stdout


def test_a_deleted_line_and_a_cancelled_order_leave_the_picture(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    assert sync(odoo, business, database_url).exit_code == 0
    before = export(database_url, tmp_path / "before")
    gone = before["sales_order_lines"][0]
    odoo.tick(seconds=60)
    odoo.unlink("sale.order.line", int(gone["line"]))
    other = business.sale_orders["east"]
    odoo.write("sale.order", other, {"state": "cancel"})
    other_name = odoo.record("sale.order", other)["name"]

    assert sync(odoo, business, database_url).exit_code == 0
    after = export(database_url, tmp_path / "after")
    assert gone["line"] not in {row["line"] for row in after["sales_order_lines"]}
    assert len(after["sales_order_lines"]) < len(before["sales_order_lines"])
    assert rows_by(before, "sales_orders", "order_id")[other_name]["status"] == "open"
    assert rows_by(after, "sales_orders", "order_id")[other_name]["status"] == "cancelled"


def test_an_interrupted_sync_keeps_the_last_picture_and_the_next_one_resumes(
    odoo: FakeOdoo,
    business: Business,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert sync(odoo, business, database_url).exit_code == 0
    before = export(database_url, tmp_path / "before")
    odoo.tick(seconds=60)
    order_id = min(business.sale_orders.values())
    name = odoo.record("sale.order", order_id)["name"]
    odoo.write("sale.order", order_id, {"commitment_date": "2026-12-24 10:00:00"})

    from controltower.connectors.odoo import reader

    original = reader._Run.search

    def network_drops_midway(
        self: reader._Run, model: str, *args: object, **kwargs: object
    ) -> object:
        if model == "sale.order.line":
            odoo.fail_next(10_000, "reset")
        return original(self, model, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader._Run, "search", network_drops_midway)
    result = sync(odoo, business, database_url, "--give-up-after", "0.3")
    assert result.exit_code == 1
    assert "Nothing was stored" in result.stderr
    assert "Traceback" not in result.output
    assert export(database_url, tmp_path / "during") == before

    monkeypatch.setattr(reader._Run, "search", original)
    odoo.clear_failures()
    result = sync(odoo, business, database_url)
    assert result.exit_code == 0, result.output
    after = rows_by(export(database_url, tmp_path / "after"), "sales_orders", "order_id")
    assert after[name]["promised_date"] == "2026-12-24"


def test_a_sync_has_at_most_four_requests_in_flight_at_once(
    odoo: FakeOdoo, business: Business, database_url: str
) -> None:
    """Counted by the fake from a request's arrival to its answer's first byte."""
    odoo.latency = 0.02
    odoo.reset_in_flight()
    assert sync(odoo, business, database_url).exit_code == 0
    odoo.tick(seconds=60)
    odoo.write("sale.order", business.sale_orders["acme"], {"commitment_date": False})
    assert sync(odoo, business, database_url).exit_code == 0
    assert 2 <= odoo.max_in_flight <= 4


def test_a_field_the_login_may_not_read_is_left_out_with_a_warning(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    odoo.deny_field("res.partner", "credit_limit")
    result = sync(odoo, business, database_url)
    assert result.exit_code == 0, result.output
    assert "credit_limit" in result.stderr
    customers = export(database_url, tmp_path / "out")["customers"]
    assert all(row["credit_limit"] == "" for row in customers)


def test_a_wrong_key_is_named_and_nothing_is_stored(
    odoo: FakeOdoo, business: Business, database_url: str
) -> None:
    result = sync(odoo, business, database_url, key="not-the-key")
    assert result.exit_code == 1
    assert business.login in result.stderr
    assert "not-the-key" not in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_odoo_gives_up_with_a_clear_message(database_url: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "sync",
            "odoo",
            "--url",
            "http://127.0.0.1:9",
            "--db",
            "odoo",
            "--login",
            "ct",
            "--give-up-after",
            "0.2",
            "--database-url",
            database_url,
        ],
        env={"ODOO_API_KEY": "secret-key"},
    )
    assert result.exit_code == 1
    assert "127.0.0.1:9" in result.stderr
    assert "secret-key" not in result.output
    assert "Traceback" not in result.output


def test_a_bad_url_is_refused_before_anything_runs(database_url: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "sync",
            "odoo",
            "--url",
            "erp.example.com",
            "--db",
            "x",
            "--login",
            "y",
            "--database-url",
            database_url,
        ],
        env={"ODOO_API_KEY": "k"},
    )
    assert result.exit_code == 2
    assert "http://" in result.stderr


def test_a_record_that_cannot_be_mapped_is_named_and_the_rest_goes_on(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    line = next(
        row
        for row in odoo.records("sale.order.line")
        if row.get("product_id") and not row.get("display_type")
    )
    odoo.write("sale.order.line", line["id"], {"product_id": False})
    result = sync(odoo, business, database_url)
    assert result.exit_code == 0, result.output
    assert f"not mapped: sale.order.line {line['id']}" in result.stderr
    assert export(database_url, tmp_path / "out")["sales_orders"]


def test_settings_fill_what_odoo_lacks(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    settings = tmp_path / "odoo.toml"
    settings.write_text(
        "[odoo]\npick_capacity = { WH = 300 }\n"
        '[[odoo.transfer_lanes]]\nfrom_warehouse = "WH"\nto_warehouse = "EAST"\ntransit_days = 2\n',
        encoding="utf-8",
    )
    result = sync(odoo, business, database_url, "--settings", str(settings))
    assert result.exit_code == 0, result.output
    dataset = export(database_url, tmp_path / "out")
    assert rows_by(dataset, "warehouses", "code")["WH"]["pick_capacity_lines_per_day"] == "300"
    assert dataset["transfer_lanes"] == [
        {"from_warehouse": "WH", "to_warehouse": "EAST", "transit_days": "2"}
    ]


def test_a_broken_settings_file_is_named(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    settings = tmp_path / "odoo.toml"
    settings.write_text("[odoo]\npick_capacity = { WH = -1 }\n", encoding="utf-8")
    result = sync(odoo, business, database_url, "--settings", str(settings))
    assert result.exit_code == 1
    assert str(settings) in result.stderr


def test_a_changed_move_re_reads_its_line_and_order(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    """Odoo recomputes a line's delivered quantity without touching its ``write_date``."""
    assert sync(odoo, business, database_url).exit_code == 0
    before = export(database_url, tmp_path / "before")
    line = next(row for row in before["sales_order_lines"] if row["qty_shipped"] == "0")
    move = next(
        row
        for row in odoo.records("stock.move")
        if row.get("sale_line_id") == int(line["line"])
        and row.get("state") not in ("done", "cancel")
    )
    stored = odoo.record("sale.order.line", int(line["line"]))
    odoo.tick(seconds=60)
    odoo.write("stock.move", move["id"], {"state": "done"})
    # the recompute Odoo does: same write_date as before
    odoo.write(
        "sale.order.line",
        stored["id"],
        {"qty_delivered": float(line["qty"]), "write_date": stored["write_date"]},
    )
    assert sync(odoo, business, database_url).exit_code == 0
    after = {
        row["line"]: row for row in export(database_url, tmp_path / "after")["sales_order_lines"]
    }
    assert after[line["line"]]["qty_shipped"] == line["qty"]


def test_a_quotation_confirmed_since_the_last_sync_comes_with_its_lines(
    odoo: FakeOdoo, business: Business, database_url: str, tmp_path: Path
) -> None:
    """Confirming a quotation writes the order, not its lines: they are read all the same."""
    assert sync(odoo, business, database_url).exit_code == 0
    draft = business.sale_orders["draft"]
    odoo.tick(seconds=60)
    odoo.write("sale.order", draft, {"state": "sale"})
    name = odoo.record("sale.order", draft)["name"]

    assert sync(odoo, business, database_url).exit_code == 0
    dataset = export(database_url, tmp_path / "out")
    assert name in rows_by(dataset, "sales_orders", "order_id")
    assert any(row["order_id"] == name for row in dataset["sales_order_lines"])


def test_an_unchanged_odoo_is_not_read_again(
    odoo: FakeOdoo, business: Business, database_url: str
) -> None:
    """Records stamped in the watermark's second are not read again on the next run."""
    assert sync(odoo, business, database_url).exit_code == 0
    odoo.requests.clear()
    assert sync(odoo, business, database_url).exit_code == 0
    watermarked = {"sale.order", "sale.order.line", "stock.move", "stock.quant", "res.partner"}
    read = sum(
        request.returned_records
        for request in odoo.requests
        if request.method in ("search_read", "read") and request.model in watermarked
    )
    assert read == 0

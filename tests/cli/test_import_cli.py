"""The import-side commands through the CLI: JSON shapes, clean errors, never a traceback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app

runner = CliRunner()
GOOD = "order_id,date,customer,sku,qty,price\n1,2024-01-01,a@x.com,A,1,5.00\n2,2024-01-02,b,B,1,x\n"


def run(*args: str):
    return runner.invoke(app, list(args))


def test_import_json_and_status(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = run("--workspace", str(tmp_path / "ws"), "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    for key in ("file", "format", "rows_read", "accepted", "rejected", "duplicates", "new_lines",
                "rejects_path"):  # fmt: skip
        assert key in report
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (2, 1, 1)
    again = json.loads(run("-w", str(tmp_path / "ws"), "import", str(path), "--json").output)
    assert again[0]["new_lines"] == 0 and again[0]["duplicates"] == 1
    status = json.loads(run("-w", str(tmp_path / "ws"), "status", "--json").output)
    for key in ("lines", "orders", "customers", "open_orders", "first_order", "last_order",
                "sources", "net_revenue"):  # fmt: skip
        assert key in status
    assert status["net_revenue"] == {"unknown": 5.0}  # no currency column, none configured
    # the customer table says the same, not a made-up dollar
    customers = json.loads(run("-w", str(tmp_path / "ws"), "customers", "--json").output)
    assert [c["currency"] for c in customers] == ["unknown"]
    assert "(unknown)" in run("-w", str(tmp_path / "ws"), "customers").output
    assert any("no currency column" in w for w in report["warnings"])
    assert status["lines"] == 1 and status["sources"] == ["generic"]


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = run("-w", str(tmp_path / "ws"), "import", str(path), "--dry-run")
    assert result.exit_code == 0
    assert not (tmp_path / "ws" / "order_lines.parquet").exists()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), [], "binary"),
        (b"", [], "empty"),
        (b"order_id,date,customer,sku,qty,price\n", [], "no rows"),
        (b"alpha,beta\n1,2\n", [], "unknown layout"),
        (b"Bon,Wann\n1,2024-01-01\n", ["--map", "ordered_at"], "Bad --map"),
        (b"Bon,Wann\n1,2024-01-01\n", ["--map", "order_id=Nope"], "not in the file"),
        (b"Name,Email\n#1,a@x.com\n", ["--format", "shopify"], "Columns missing"),
        (b"a,b\n1,2\n", ["--format", "nope"], "Unknown format"),
    ],
)
def test_bad_input_is_one_paragraph_exit_2(tmp_path, content, args, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    result = run("-w", str(tmp_path / "ws"), "import", str(path), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert "input.csv" in result.output or "--map" in result.output or "format" in result.output


def test_missing_file_and_bad_as_of(tmp_path):
    result = run("-w", str(tmp_path / "ws"), "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = run("-w", str(tmp_path / "ws"), "status", "--as-of", "yesterday")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_where_and_formats(tmp_path):
    result = run("-w", str(tmp_path / "ws"), "where")
    assert result.exit_code == 0 and "shopinsight.toml" in result.output
    assert (tmp_path / "ws" / "shopinsight.toml").read_text().startswith("# ShopInsight")
    formats = json.loads(run("formats", "--json").output)
    names = {f["name"] for f in formats}
    assert {"shopify", "shopify-customers", "generic"} <= names


def test_help_is_complete():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("import", "status", "where", "formats", "demo"):
        assert command in result.output


def test_reimport_after_a_settings_change_says_updated_not_nothing_new(tmp_path):
    """The same file again with a currency now set updates its lines: the import must say so,
    not "already imported; nothing new" beside an "updated" count."""
    path = tmp_path / "orders.csv"
    path.write_text(GOOD, encoding="utf-8")
    ws = str(tmp_path / "ws")
    assert run("-w", ws, "import", str(path)).exit_code == 0
    same = run("-w", ws, "import", str(path), "--json")
    assert json.loads(same.output)[0]["skipped"] is True
    toml = tmp_path / "ws" / "shopinsight.toml"
    toml.write_text(toml.read_text().replace('currency = ""', 'currency = "EUR"', 1))
    result = run("-w", ws, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "nothing new" not in result.output
    assert "imported before; 1 of its lines updated" in " ".join(result.output.split())
    status = json.loads(run("-w", ws, "status", "--json").output)
    assert status["net_revenue"] == {"EUR": 5.0}


def test_one_anonymous_order_is_said_in_the_singular(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price\n1,2024-01-01,a@x.com,A,1,5.00\n"
        "2,2024-01-02,,B,1,4.00\n",
        encoding="utf-8",
    )
    report = json.loads(run("-w", str(tmp_path / "ws"), "import", str(path), "--json").output)[0]
    said = [w for w in report["warnings"] if "buyer identity" in w]
    assert said == ["1 order has no buyer identity; it counts in revenue only."]


def test_status_says_which_cancelled_orders_revenue_leaves_out(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price,currency,status\n"
        "1,2024-01-01,a@x.com,A,1,5.00,EUR,paid\n"
        "2,2024-01-02,b@x.com,B,2,7.50,EUR,cancelled\n",
        encoding="utf-8",
    )
    assert run("-w", str(tmp_path / "ws"), "import", str(path)).exit_code == 0
    status = json.loads(run("-w", str(tmp_path / "ws"), "status", "--json").output)
    assert status["gross_revenue"] == {"EUR": 5.0}
    assert (status["cancelled_orders"], status["cancelled_value"]) == (1, {"EUR": 15.0})
    shown = run("-w", str(tmp_path / "ws"), "status").output
    assert "Cancelled orders" in shown and "1 (15.00 EUR, not in revenue)" in shown


def test_reimport_with_the_other_date_order_moves_the_orders_instead_of_refusing(tmp_path):
    """A file whose dates read either way, imported again after date_order was set: the same
    orders on their right days, not "another store's export"."""
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price,currency\n"
        "1,01/02/2024,a@x.com,A,1,10.00,EUR\n"
        "2,03/04/2024,b@x.com,A,1,10.00,EUR\n",
        encoding="utf-8",
    )
    ws = str(tmp_path / "ws")
    first = run("-w", ws, "import", str(path))
    assert first.exit_code == 0, first.output
    assert "taken month first" in " ".join(first.output.split())
    assert json.loads(run("-w", ws, "status", "--json").output)["first_order"].startswith(
        "2024-01-02"
    )
    toml = tmp_path / "ws" / "shopinsight.toml"
    toml.write_text(toml.read_text().replace('date_order = "auto"', 'date_order = "day-first"'))
    again = run("-w", ws, "import", str(path))
    assert again.exit_code == 0, again.output
    assert "2 of its lines updated" in " ".join(again.output.split())
    status = json.loads(run("-w", ws, "status", "--json").output)
    assert status["first_order"].startswith("2024-02-01")
    assert status["orders"] == 2

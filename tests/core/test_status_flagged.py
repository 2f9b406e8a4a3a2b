"""status.flagged_orders: the exclusion rules run on the columns they read, their flags set
beside every column of the orders: the same frame as the rules over the whole orders."""

from __future__ import annotations

from pathlib import Path

from polars.testing import assert_frame_equal

from shopinsight.core.exclusions import customer_tags, flag_exclusions, load_manual, save_manual
from shopinsight.core.importers import import_files
from shopinsight.core.orders import orders_frame
from shopinsight.core.status import _overrides, flagged_orders
from shopinsight.core.workspace import Workspace


def test_flagged_orders_are_the_rules_over_every_column(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price,currency\n"
        "1,2024-01-01,owner@shop.com,A,1,10.00,USD\n"
        "2,2024-01-02,ann@x.com,A,1,10.00,USD\n"
        "2,2024-01-02,ann@x.com,B,2,5.00,USD\n"
        "3,2024-01-03,bob@x.com,A,1,10.00,USD\n"
        "4,2024-01-04,cy@x.com,A,1,900.00,EUR\n"
        "5,2024-01-05,,A,1,10.00,USD\n",
        encoding="utf-8",
    )
    import_files(ws, [path])
    (ws.root / "shopinsight.toml").write_text(
        '[exclusions]\ntest_emails = ["owner@shop.com"]\n', encoding="utf-8"
    )
    save_manual(ws, "customer", "bob@x.com", "my brother")
    got = flagged_orders(ws, ws.lines())
    orders = orders_frame(ws.lines()).drop("product_skus").collect()
    tags = customer_tags(ws.customer_attrs().collect(), _overrides(ws))
    want = flag_exclusions(orders, ws.config(), load_manual(ws), tags)
    assert_frame_equal(got, want)
    assert got.get_column("excluded").to_list() == [True, False, True, False, False]

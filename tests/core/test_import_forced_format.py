"""`--format NAME` on a file of another layout names the missing columns (red team)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import load_file

REPO = Path(__file__).resolve().parents[2]


# -- 8: --format naming another layout ---------------------------------------------------------


def test_a_forced_format_names_the_missing_columns_instead_of_no_rows(tmp_path):
    path = REPO / "sample_exports" / "generic_orders.csv"
    with pytest.raises(InputError) as err:
        load_file(path, "shopify")
    assert "no rows" not in err.value.title + err.value.detail
    assert "Columns missing: name, financial status" in err.value.detail
    assert "It looks like Generic" in err.value.detail and "(--format generic)" in err.value.detail
    with pytest.raises(InputError, match="olist-items|order_item_id"):
        load_file(path, "olist-items")

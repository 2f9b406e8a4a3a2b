"""Tag exports against hand normalisation (red team, round 2)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import customer_profiles
from shopinsight.core.exporters import export_tags
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA
from tests.factories import make_lines

AS_OF = dt.date(2024, 6, 30)


def test_shopify_phone_is_e164():
    # phones as a Shopify customers export gives them (enavant: "(255) 379-6203" for a US
    # customer, "'+34 726 78719497"): the import file had them as written, which Shopify
    # cannot read without a country; now E.164, and as written only when no country says how
    def o(oid: str, who: str, country: str) -> dict[str, object]:
        return {"order_id": oid, "customer_id": who, "email": who, "ordered_at": "2024-06-01",
                "product_name": "Mug", "country": country}  # fmt: skip

    lines = make_lines(
        [o("1", "us@x.com", "US"), o("2", "es@x.com", "US"),
         o("3", "gb@x.com", "United Kingdom"), o("4", "nowhere@x.com", "")]
    )  # fmt: skip
    attrs = pl.DataFrame(
        [
            {"customer_id": "us@x.com", "email": "us@x.com", "phone": "(255) 379-6203"},
            {"customer_id": "es@x.com", "email": "es@x.com", "phone": "'+34 726 78719497"},
            {"customer_id": "gb@x.com", "email": "gb@x.com", "phone": "07700 900123"},
            {"customer_id": "nowhere@x.com", "email": "nowhere@x.com", "phone": "555 0100"},
        ],
        schema=CUSTOMER_ATTR_SCHEMA,
    )
    prof = customer_profiles(lines.lazy(), AS_OF, defaults(), attrs)
    frame = export_tags(prof, "shopify").frame
    phones = dict(frame.select("Email", "Phone").iter_rows())
    assert phones == {
        "us@x.com": "'+12553796203",  # the leading ' as in Shopify's own exports
        "es@x.com": "'+3472678719497",
        "gb@x.com": "'+447700900123",
        "nowhere@x.com": "555 0100",  # no country: left as written, never a guessed code
    }

"""Tag-list exports against golden files, plus the rules each format must keep.

Regenerate the golden files after an intended change with
    SHOPINSIGHT_UPDATE_GOLDEN=1 pytest tests/core/test_exporters.py
and review the diff before committing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import CustomerProfiles, customer_profiles
from shopinsight.core.errors import InputError
from shopinsight.core.exporters import export_tags, safe_cell, write_export
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA
from tests.factories import make_lines

GOLDEN = Path(__file__).parent / "golden"
AS_OF = dt.date(2024, 6, 30)

SHOPIFY_IMPORT_HEADER = (  # FORMATS.md §1.3, typed out so a typo in the code cannot hide
    "First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,"
    "Default Address Province Code,Default Address Country Code,Default Address Zip,"
    "Default Address Phone,Phone,Accepts SMS Marketing,Tags,Note,Tax Exempt"
)


def shop() -> CustomerProfiles:
    def o(oid: str, cid: str | None, day: str, **kw: object) -> dict:
        return dict(order_id=oid, customer_id=cid, ordered_at=day, **kw)

    rows = [
        o("1", "anna@x.com", "2024-06-01", customer_name="Anna Rossi", unit_price=80.0),
        o("2", "anna@x.com", "2024-06-10", customer_name="Anna Rossi", unit_price=80.0),
        o("3", "anna@x.com", "2024-06-20", customer_name="Anna Rossi", unit_price=80.0),
        o("4", "bob@x.com", "2024-06-25", customer_name='=HYPERLINK("http://x.test","hi")',
          accepts_marketing=False),
        o("5", "carla@x.com", "2024-01-05", customer_name="Carla Bianchi", unit_price=30.0),
        o("6", "etsy:778", "2024-05-01", source="etsy", email=None, customer_name="-Dee"),
        o("7", "dan@x.com", "2023-08-01", customer_name="Dan Wu", country="DE"),
    ]  # fmt: skip
    attrs = pl.DataFrame(
        [
            dict(customer_id="anna@x.com", email="anna@x.com", first_name="Anna",
                 last_name="Rossi", phone="+39 333 1234567", accepts_marketing=True,
                 existing_tags=["VIP", "si:at_risk", "wholesale"]),
            dict(customer_id="carla@x.com", email="carla@x.com", first_name="Carla",
                 last_name="Bianchi", existing_tags=["gift_buyer", "Friends & Family"]),
        ],
        schema=CUSTOMER_ATTR_SCHEMA,
    )  # fmt: skip
    overrides = pl.DataFrame(
        {
            "customer_id": ["dan@x.com"],
            "tag": ["@wholesale"],
            "action": ["add"],
            "created_at": ["2024-06-01 09:00"],
        }  # fmt: skip
    )
    return customer_profiles(make_lines(rows).lazy(), AS_OF, defaults(), attrs, overrides)


@pytest.fixture(scope="module")
def prof() -> CustomerProfiles:
    return shop()


CASES = {
    "shopify.csv": dict(target="shopify"),
    "shopify_namespaced.csv": dict(target="shopify", namespace="si:"),
    "klaviyo.csv": dict(target="klaviyo"),
    "klaviyo_lists.csv": dict(target="klaviyo", klaviyo_lists=True),
    "mailchimp.csv": dict(target="mailchimp"),
    "mailchimp_unsubscribed.csv": dict(target="mailchimp", include_unsubscribed=True),
    "plain.csv": dict(target="csv"),
    "tags.json": dict(target="json"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(prof: CustomerProfiles, tmp_path: Path, name: str) -> None:
    kw = dict(CASES[name])
    export = export_tags(prof, kw.pop("target"), **kw)
    files = write_export(export, tmp_path / name)
    for path in files:
        golden = GOLDEN / path.name
        text = path.read_text(encoding="utf-8")
        if os.environ.get("SHOPINSIGHT_UPDATE_GOLDEN"):
            GOLDEN.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.exists(), f"missing golden file {golden.name}"
        assert text == golden.read_text(encoding="utf-8"), path.name


def test_shopify_header_and_tag_cell_format(prof: CustomerProfiles, tmp_path: Path) -> None:
    [path] = write_export(export_tags(prof, "shopify", namespace="si:"), tmp_path / "s.csv")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw  # UTF-8, no BOM, \n
    assert raw.decode().splitlines()[0] == SHOPIFY_IMPORT_HEADER
    rows = {r["Email"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    # the full tag set: the merchant's own tags kept, our old namespaced tag replaced
    anna = rows["anna@x.com"]["Tags"].split(", ")
    assert anna[:2] == ["VIP", "wholesale"]
    assert "si:at_risk" not in anna and "si:potential_loyalists" in anna
    assert rows["anna@x.com"]["Phone"] == "'+393331234567"  # E.164, spreadsheet-safe
    assert rows["bob@x.com"]["First Name"].startswith("'=")


def test_own_old_tags_are_replaced_without_namespace(prof: CustomerProfiles) -> None:
    frame = export_tags(prof, "shopify").frame
    carla = frame.filter(pl.col("Email") == "carla@x.com").get_column("Tags")[0].split(", ")
    assert "Friends & Family" in carla
    assert "gift_buyer" not in carla  # an earlier shopinsight tag she no longer earns


def test_email_tools_need_consent_and_an_email(prof: CustomerProfiles) -> None:
    export = export_tags(prof, "mailchimp")
    assert export.selected == 5
    assert export.left_out == {"no email address": 1, "no email-marketing consent": 1}
    assert "1 customer left out: no email-marketing consent." in export.notes
    emails = export.frame.get_column("Email Address").to_list()
    assert "bob@x.com" not in emails
    everyone = export_tags(prof, "klaviyo", include_unsubscribed=True)
    assert "bob@x.com" in everyone.frame.get_column("Email").to_list()
    assert everyone.left_out == {"no email address": 1}


def test_shopify_needs_an_email_or_phone(prof: CustomerProfiles) -> None:
    export = export_tags(prof, "shopify")
    assert export.written == 4
    assert export.left_out == {"no email or phone (Shopify matches customers by them)": 1}


def test_filters_by_segment_and_tag(prof: CustomerProfiles) -> None:
    seg = export_tags(prof, "csv", segments=["potential loyalists"])
    assert seg.frame.get_column("customer_id").to_list() == ["anna@x.com"]
    tagged = export_tags(prof, "json", tags=["international", "@wholesale"])
    assert tagged.frame.get_column("customer_id").to_list() == ["dan@x.com"]
    with pytest.raises(InputError, match="No segment 'VIPs'"):
        export_tags(prof, "csv", segments=["VIPs"])
    with pytest.raises(InputError, match="No tag 'vipp'"):
        export_tags(prof, "csv", tags=["vipp"])
    with pytest.raises(InputError, match="Unknown export target 'hubspot'"):
        export_tags(prof, "hubspot")


def test_json_keeps_every_tag_reason(prof: CustomerProfiles, tmp_path: Path) -> None:
    [path] = write_export(export_tags(prof, "json"), tmp_path / "t.json")
    data = {d["customer_id"]: d for d in json.loads(path.read_text(encoding="utf-8"))}
    dan = {t["tag"]: t for t in data["dan@x.com"]["tag_reasons"]}
    assert dan["@wholesale"] == {"tag": "@wholesale", "reason": "added by you 2024-06-01",
                                 "origin": "manual"}  # fmt: skip
    assert (
        dan["international"]["reason"] == "ships to DE (shop country US, where most customers are)"
    )


def test_safe_cell() -> None:
    values = ["=1+1", "+39", "-5", "@x", "\tx", "\rx", "ok", "a=b", None]
    out = pl.select(safe_cell(pl.Series(values, dtype=pl.Utf8))).to_series().to_list()
    assert out == ["'=1+1", "'+39", "'-5", "'@x", "'\tx", "'\rx", "ok", "a=b", None]


def test_missing_folder_is_a_clear_error(prof: CustomerProfiles, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_export(export_tags(prof, "csv"), tmp_path / "nope" / "x.csv")


def test_shopify_export_reimports_with_the_same_tags(
    prof: CustomerProfiles, tmp_path: Path
) -> None:
    from shopinsight.core.importers import load_file

    [path] = write_export(export_tags(prof, "shopify", namespace="si:"), tmp_path / "s.csv")
    loaded = load_file(path)  # detected as a Shopify customers file
    assert loaded.format.name == "shopify-customers"
    back = dict(loaded.lines.select("email", "existing_tags").rows())
    expected = export_tags(prof, "shopify", namespace="si:").frame
    for email, cell in expected.select("Email", "Tags").rows():
        assert back[email] == cell.split(", ")


def test_every_tag_list_is_sorted_and_matches_the_long_frame(prof: CustomerProfiles) -> None:
    lists = dict(prof.table.select("customer_id", "tags").rows())
    assert all(tags == sorted(tags) for tags in lists.values())
    long = prof.tags.group_by("customer_id").agg(pl.col("tag").sort())
    assert dict(long.rows()) == {cid: tags for cid, tags in lists.items() if tags}


def test_amazon_relay_addresses_never_reach_marketing_tools():
    """Amazon's anonymised buyer-email may key a customer but may not be used for marketing."""
    from shopinsight.core.config import defaults
    from shopinsight.core.customers.profiles import customer_profiles
    from tests.factories import make_lines

    relay = "x1y2z3@marketplace.amazon.com"
    lines = make_lines(
        [
            dict(order_id=1, customer_id=relay, ordered_at="2024-01-01", sku="A"),
            dict(order_id=2, customer_id="ann@x.com", ordered_at="2024-01-02", sku="A"),
        ]
    )
    prof = customer_profiles(lines.lazy(), lines["ordered_at"].max().date(), defaults())
    for target in ("shopify", "mailchimp", "klaviyo", "csv"):
        out = export_tags(prof, target, include_unsubscribed=True)
        assert relay not in out.frame.write_csv()
        assert out.left_out["Amazon relay address (not allowed for marketing)"] == 1

"""`shopinsight export audience`: customer lists for Meta custom audiences and Google
Customer Match (layouts and rules in docs/audiences.md; the logic in core.audiences)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopinsight.cli.app import AsOfOpt, CurrencyOpt, console, open_shop
from shopinsight.cli.customer_options import SegmentOpt, TagOpt, _profiles_of, write_and_report
from shopinsight.cli.tags import export_app

PLATFORMS = {"meta": "Meta", "google": "Google Customer Match"}
UPLOAD_HINT = {
    "meta": "Upload it in Meta Ads Manager: Audiences → Create audience → Custom audience → "
    "Customer list.",
    "google": "Upload it in Google Ads: Tools → Shared library → Audience manager → "
    "Your data segments → + → Customer list.",
}


@export_app.command("audience")
def export_audience_cmd(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="PLATFORM",
            help="meta (a Meta custom-audience customer list) or google (a Google Ads "
            "Customer Match list).",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="File to write (replaced if there).")
    ],
    segment: SegmentOpt = None,
    tag: TagOpt = None,
    hashed: Annotated[
        bool,
        typer.Option(
            "--hashed",
            help="Write SHA-256 hashes of the normalised identifiers instead of plain text "
            "(Google keeps Country and Zip plain, as it requires).",
        ),
    ] = False,
    include_unsubscribed: Annotated[
        bool,
        typer.Option(
            "--include-unsubscribed",
            help="Keep customers who did not accept marketing (only if you may advertise to them).",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
) -> None:
    """Write a customer list for an ad platform: Meta custom audiences or Google Customer Match.

    Emails, phones (E.164), names, city, state, postcode and country are normalised the way
    each platform documents. Customers without marketing consent are left out unless
    --include-unsubscribed; Amazon relay addresses never go in.

    Example: shopinsight export audience --to meta --segment Champions -o champions-meta.csv

    Example: shopinsight export audience --to google --hashed -o customer-match.csv
    """
    from shopinsight.core.audiences import build_audience

    shop = open_shop(as_of, currency)
    prof = _profiles_of(shop)
    addresses = shop.addresses()  # the Export screen's addresses: one computation, cached
    export = build_audience(
        prof.as_core(),
        to,
        addresses=addresses,
        segments=segment,
        tags=tag,
        hashed=hashed,
        include_unsubscribed=include_unsubscribed,
    )
    write_and_report(export, out, PLATFORMS[export.target])
    if export.written:
        console.print(UPLOAD_HINT[export.target])
    else:
        console.print("The file has only its header: nobody in this selection can be sent.")

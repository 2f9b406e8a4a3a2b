"""Tag subcommands: tag add|remove|reset|list (the merchant's own tags) and export tags."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from shopinsight.cli.app import (
    AsOfOpt,
    CurrencyOpt,
    JsonOpt,
    app,
    console,
    open_shop,
    print_json,
    workspace,
)
from shopinsight.cli.customer_options import SegmentOpt, TagOpt, _profiles_of, write_and_report
from shopinsight.render import frame_table

if TYPE_CHECKING:
    from shopinsight.core.workspace import Workspace

EXPORT_TARGETS = ("shopify", "klaviyo", "mailchimp", "csv", "json")
"""`core.exporters.TARGETS`, named here so `--help` does not import the exporters."""


# -- tag overrides ------------------------------------------------------------------------------

tag_app = typer.Typer(
    help="Add or remove a tag on one customer by hand; kept across re-imports, shown by explain "
    "and written by export tags.\n\nExample: shopinsight tag add ann@example.com wholesale",
    no_args_is_help=True,
)
CustomerArg = Annotated[
    str, typer.Argument(help="Email or customer id (as `shopinsight customers` shows it).")
]
TagArg = Annotated[
    str, typer.Argument(help="Tag name: a built-in tag (e.g. gift_buyer) or your own word.")
]
app.add_typer(tag_app, name="tag")


def _customer_id(ws: Workspace, key: str) -> str:
    """The customer_id for what the merchant typed, among the imported orders' customers
    (core.customer_lookup: the id, an email, the id in their export, a name)."""
    from shopinsight.core.customer_lookup import find_customer_key

    return find_customer_key(
        ws.lines(), key, "No imported order has that customer id, email or name."
    )


def _override(customer: str, tag: str, action: str, message: str) -> None:
    """Record the merchant's add/remove of a tag; it survives re-imports."""
    from shopinsight.core.customers.tags import save_override, validate_tag

    ws = workspace()
    cid = _customer_id(ws, customer)
    save_override(ws, cid, validate_tag(tag), action)
    _done(message.format(tag=tag.strip(), cid=cid), cid, tag)


@tag_app.command("add")
def tag_add(customer: CustomerArg, tag: TagArg) -> None:
    """Give CUSTOMER the tag TAG, whatever the rules say.

    Example: shopinsight tag add ann@example.com wholesale
    """
    _override(customer, tag, "add", "Added '{tag}' to {cid}.")


@tag_app.command("remove")
def tag_remove(customer: CustomerArg, tag: TagArg) -> None:
    """Take TAG off CUSTOMER and keep it off, even when a rule would give it.

    Example: shopinsight tag remove ann@example.com discount_hunter
    """
    _override(customer, tag, "remove", "Removed '{tag}' from {cid}.")


@tag_app.command("reset")
def tag_reset(customer: CustomerArg, tag: TagArg) -> None:
    """Forget your add/remove of TAG on CUSTOMER: the rules decide again.

    Example: shopinsight tag reset ann@example.com wholesale
    """
    from shopinsight.core.customers.tags import clear_override

    ws = workspace()
    cid = _customer_id(ws, customer)
    if clear_override(ws, cid, tag.strip()):
        console.print(Text(f"The rules decide '{tag.strip()}' for {cid} again."))
    else:
        console.print(Text(f"You had not changed '{tag.strip()}' on {cid}."))


def _done(message: str, cid: str, tag: str) -> None:
    """What changed, then the undo command on a line of its own (whole, to copy and paste)."""
    console.print(Text(message))
    undo = f"shopinsight tag reset {shlex.quote(cid)} {shlex.quote(tag.strip())}"
    console.print(Text(f"Undo with: {undo}"), soft_wrap=True)


@tag_app.command("list")
def tag_list(as_json: JsonOpt = False) -> None:
    """Every tag you added or removed by hand.

    Example: shopinsight tag list
    """
    from shopinsight.core.customers.tags import load_overrides

    overrides = load_overrides(workspace())
    if as_json:
        print_json(overrides.to_dicts())
    elif overrides.height == 0:
        console.print("No tag changes by hand yet (shopinsight tag add|remove CUSTOMER TAG).")
    else:
        console.print(frame_table(overrides, title="Your tag changes"))


# -- export tags --------------------------------------------------------------------------------


def _export_group() -> typer.Typer:
    """The shared `export` group: reuse it when another module registered it first."""
    for group in app.registered_groups:
        if group.name == "export" and group.typer_instance is not None:
            return group.typer_instance
    group = typer.Typer(
        help="Write import-ready files: tag lists for your shop and email tools, customer "
        "lists for ad platforms.\n\n"
        "Example: shopinsight export tags --to csv -o customers.csv",
        no_args_is_help=True,
    )
    app.add_typer(group, name="export")
    return group


export_app = _export_group()


@export_app.command("tags")
def export_tags_cmd(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="TARGET",
            help=f"{', '.join(EXPORT_TARGETS)}: a Shopify customer import file, a Klaviyo or "
            "Mailchimp contact import, or every customer with tags and reasons as CSV or JSON.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="File to write (replaced if there).")
    ],
    segment: SegmentOpt = None,
    tag: TagOpt = None,
    include_unsubscribed: Annotated[
        bool,
        typer.Option(
            "--include-unsubscribed",
            help="Klaviyo and Mailchimp files leave out customers who did not accept email "
            "marketing; this keeps them in (only if you may email them).",
        ),
    ] = False,
    namespace: Annotated[
        bool,
        typer.Option(
            "--namespace",
            help="Prefix the tags ShopInsight writes (tags.export_namespace in shopinsight.toml, "
            "default 'si:') to tell them from your own tags.",
        ),
    ] = False,
    klaviyo_lists: Annotated[
        bool,
        typer.Option(
            "--klaviyo-lists",
            help="With --to klaviyo: one file per segment (FILE's name plus the segment), to "
            "import as lists.",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    currency: CurrencyOpt = None,
) -> None:
    """Export customers' tags and segments for Shopify, Klaviyo, Mailchimp, CSV or JSON.

    Example: shopinsight export tags --to shopify --namespace -o shopify_tags.csv

    Example: shopinsight export tags --to mailchimp --segment Champions -o champions.csv

    Example: shopinsight export tags --to klaviyo --klaviyo-lists -o klaviyo.csv
    """
    from shopinsight.core.exporters import export_tags

    shop = open_shop(as_of, currency)
    prof = _profiles_of(shop)
    tags_cfg = shop.settings().get("tags") or {}
    prefix = str(tags_cfg.get("export_namespace") or "si:") if namespace else None
    export = export_tags(
        prof.as_core(),
        to,
        segments=segment,
        tags=tag,
        include_unsubscribed=include_unsubscribed,
        namespace=prefix,
        klaviyo_lists=klaviyo_lists,
    )
    write_and_report(export, out, export.target)
    if export.target == "shopify":
        console.print(
            "Import it in Shopify: Customers → Import, tick 'Overwrite existing customers'. "
            "Tags already on a customer (from your customers export) are kept; consent is "
            "written only as 'yes' where the customer opted in, never as 'no'."
        )

"""What the customer commands share: the segment and tag filters, the profiles they read and
how a written customer file is reported.

Holds no commands; `customers`, `tags` and `audiences` import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from shopinsight.cli.app import console, open_shop, print_notes
from shopinsight.cli.warm import profiles_of as _profiles_of

if TYPE_CHECKING:
    from pathlib import Path

    from shopinsight.core.exporters import TagExport
    from shopinsight.core.results import ProfilesResult

SegmentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--segment",
        "-s",
        metavar="NAME",
        help='Only this segment, e.g. "At Risk" (repeat for several; `shopinsight segments` '
        "lists them).",
        show_default=False,
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        "-t",
        metavar="TAG",
        help="Only customers with this tag (repeat: any of them).",
        show_default=False,
    ),
]


def _profiles(as_of: str | None, currency: str | None) -> ProfilesResult:
    """The customer analysis for the CLI (through `Shop`); no customers is an error the
    merchant can act on."""
    return _profiles_of(open_shop(as_of, currency))


def write_and_report(export: TagExport, out: Path, target: str) -> None:
    """Write a customer export and say how many were written, where, and what was left out."""
    from rich.markup import escape

    from shopinsight.core.exporters import write_export
    from shopinsight.core.words import plural

    files = write_export(export, out)
    console.print(
        f"Wrote {export.written:,} of {plural(export.selected, 'selected customer')} for "
        f"{target} to {escape(', '.join(str(f) for f in files))}."
    )
    print_notes(export.notes)

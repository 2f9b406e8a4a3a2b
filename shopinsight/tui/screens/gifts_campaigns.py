"""The Campaigns tab of Gifts & notes: did the gifts bring customers back?

A campaign gives today's plan's gifts to most customers and holds back a random control group
(core.campaigns); its report compares the two groups since the start, in plain words.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.dialogs import ConfirmDialog
from shopinsight.tui.widgets.frame_table import Col, FrameTable

CAMPAIGN_COLS = [
    Col("id", "#", "int"),
    Col("started_on", "Started"),
    Col("days", "Days", "int"),
    Col("gift", "Gifted", "int"),
    Col("control", "Control", "int"),
]


class CampaignsPart(SectionScreen):
    """The campaigns tab's widgets and actions (the gifts screen builds on it)."""

    gifts: Any = None

    def compose_campaigns(self) -> ComposeResult:
        yield Static(
            "A campaign gives the gifts in today's plan to most customers and holds "
            "back a random control group, so you can see later whether gifts bring "
            "customers back.",
            classes="hint",
        )
        yield FrameTable(
            CAMPAIGN_COLS, key="id", id="campaign-table", empty="No gift campaign yet."
        )
        yield Static("", id="campaign-report")
        with Horizontal(classes="button-row"):
            yield Button("Start a campaign from today's plan", id="campaign-start", compact=True)

    # -- campaigns -------------------------------------------------------------------------
    def load_campaigns(self) -> None:
        from shopinsight.core.gifts.campaigns import list_campaigns

        shop = self.data

        def read() -> pl.DataFrame:
            return list_campaigns(shop)

        self.run_task(
            "campaigns",
            read,
            self.query_one("#campaign-table", FrameTable).load,
            "Reading campaigns…",
        )

    @on(FrameTable.RowHighlighted, "#campaign-table")
    def _campaign_highlighted(self, event: FrameTable.RowHighlighted) -> None:
        if event.key is None:
            return
        from shopinsight.core.gifts.campaigns import report_for_shop

        shop, cid = self.data, int(event.key)
        self.run_task(
            "campaign-report",
            lambda: report_for_shop(shop, cid),
            self.show_campaign_report,
            "Measuring the campaign…",
        )

    def show_campaign_report(self, report: Any) -> None:
        lines = [
            f"[b]Campaign #{report.campaign_id}[/b] since {report.started_on} "
            f"({(report.as_of - report.started_on).days} days)"
        ]
        lines += [str(s) for s in report.summary]
        self.query_one("#campaign-report", Static).update("\n".join(lines))

    @on(Button.Pressed, "#campaign-start")
    def action_start_campaign(self) -> None:
        if self.gifts is None:
            return
        from shopinsight.core.gifts.campaigns import campaign_settings, start_for_shop

        shop = self.data
        settings = campaign_settings(shop.settings())

        def start() -> int:
            return start_for_shop(shop)[0]

        def started(cid: int) -> None:
            self.notify(f"Started gift campaign #{cid}.", timeout=5)
            self.shop_app.data_changed(full=False, keys=("gifts", "detail"))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_task("campaign-start", start, started, "Starting the campaign…")

        share = settings["control_share"]
        self.app.push_screen(
            ConfirmDialog(
                "Start a gift campaign from today's plan?",
                f"{share:.0%} of each segment's customers in the plan are held back as a "
                f"control group (no gift) for {settings['days']} days.",
                "Start",
            ),
            confirmed,
        )

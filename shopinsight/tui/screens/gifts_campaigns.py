"""The Campaigns tab of Gifts & notes: did the gifts bring customers back?

A campaign gives today's plan's gifts to most customers and holds back a random control group
(core.campaigns); its report compares the two groups since the start, in plain words.
"""

from __future__ import annotations

import datetime as dt
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
        ws = self.shop_app.workspace

        def read() -> pl.DataFrame:
            from shopinsight.core.gifts.campaigns import ensure_tables

            with ws.db() as conn:
                ensure_tables(conn)
                rows = conn.execute(
                    "SELECT c.id, c.started_on, c.days, "
                    "SUM(m.arm = 'gift'), SUM(m.arm = 'control') FROM gift_campaigns c "
                    "LEFT JOIN gift_campaign_members m ON m.campaign_id = c.id "
                    "GROUP BY c.id ORDER BY c.id DESC"
                ).fetchall()
            schema = {
                "id": pl.Int64,
                "started_on": pl.Utf8,
                "days": pl.Int64,
                "gift": pl.Int64,
                "control": pl.Int64,
            }
            return pl.DataFrame(rows, schema=schema, orient="row")

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
        from shopinsight.core.gifts.campaigns import report_for_workspace

        ws, day, cid = self.shop_app.workspace, self.data.known_as_of(), int(event.key)
        self.run_task(
            "campaign-report",
            lambda: report_for_workspace(ws, cid, day),
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
        from shopinsight.core.gifts.campaigns import campaign_settings, start_campaign

        ws, plan, cur = self.shop_app.workspace, self.gifts.plan, self.gifts.currency
        day: dt.date = self.data.as_of()
        settings = campaign_settings(self.data.config())

        def start() -> int:
            with ws.db() as conn:
                cid, _ = start_campaign(
                    conn,
                    plan,
                    day,
                    cur,
                    settings["control_share"],
                    settings["seed"],
                    settings["days"],
                )
            return cid

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

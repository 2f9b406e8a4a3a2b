"""The Customers screen's hand-made changes: tags added or removed by hand (stored as
overrides), and customers excluded from every analysis or brought back (core.exclusions, as
`shopinsight exclude` / `include` do). Each saves in a worker, then the app recomputes what
depends on it."""

from __future__ import annotations

from typing import Any

import polars as pl

from shopinsight.tui.fmt import escape
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.dialogs import InputDialog, PickDialog
from shopinsight.tui.widgets.frame_table import FrameTable

NAME_COLUMNS = ["customer_name", "email"]
"""The order columns a customer's name is read from."""


class CustomerChanges(SectionScreen):
    """Tag, untag, exclude, include: the customers screen builds on this."""

    profiles: Any = None
    selected: str | None = None
    table_frame: pl.DataFrame | None = None

    def highlighted(self) -> str | None:
        """The customer under the cursor now (None when the table is empty). The detail panel
        (`selected`) follows the cursor a moment later (it waits while keys repeat), so a key
        pressed right after a move must not act on the customer the panel still shows."""
        return self.query_one("#customers-table", FrameTable).cursor_key

    # -- tags by hand -------------------------------------------------------------------------
    def action_add_tag(self) -> None:
        cid = self.highlighted()
        if cid is None:
            self.notify("Highlight a customer first.", timeout=3)
            return

        def done(tag: str | None) -> None:
            if tag:
                self.change_tag(cid, tag, "add")

        self.app.push_screen(
            InputDialog(f"Add a tag to {self.name_of(cid)}", "e.g. vip_friend, wholesale"), done
        )

    def action_remove_tag(self) -> None:
        cid = self.highlighted()
        if cid is None or self.profiles is None:
            self.notify("Highlight a customer first.", timeout=3)
            return
        tags = self.profiles.tags.filter(pl.col("customer_id") == cid)
        if tags.height == 0:
            self.notify(escape(f"{self.name_of(cid)} has no tags."), timeout=3)
            return
        options = [(r["tag"], f"{r['tag']} — {r['reason']}") for r in tags.iter_rows(named=True)]

        def done(tag: str | None) -> None:
            if tag:
                origin = tags.filter(pl.col("tag") == tag)["origin"][0]
                self.change_tag(cid, tag, "clear" if origin == "manual" else "remove")

        self.app.push_screen(PickDialog(f"Remove a tag from {self.name_of(cid)}", options), done)

    def change_tag(self, customer_id: str, tag: str, action: str) -> None:
        """Store the override, then recompute what depends on tags."""
        from shopinsight.core.customers.tags import clear_override, save_override

        ws = self.shop_app.workspace
        who = self.name_of(customer_id)  # as the dialog said it: name and id

        def work() -> str:
            if action == "clear":
                clear_override(ws, customer_id, tag)
                return f"Removed your tag '{tag}' from {who}."
            save_override(ws, customer_id, tag, action)
            verb = "Added" if action == "add" else "Removed"
            return f"{verb} tag '{tag}' {'to' if action == 'add' else 'from'} {who}."

        def saved(message: str) -> None:
            self.notify(escape(message), timeout=4)
            self.shop_app.data_changed(
                full=False,
                keys=("profiles", "segment_summary", "gifts", "churn", "bundles", "detail"),
            )

        self.run_task("tag", work, saved, "Saving the tag…")

    def name_of(self, customer_id: str) -> str:
        """The customer's name (or email) with their id, as the dialogs say it."""
        frame = self.table_frame
        if frame is None:
            return customer_id
        hit = frame.filter(pl.col("customer_id") == customer_id)["display_name"]
        name = hit[0] if hit.len() else None
        return f"{name} ({customer_id})" if name and name != customer_id else customer_id

    # -- exclusions and export ----------------------------------------------------------------
    def action_exclude(self) -> None:
        cid = self.highlighted()
        if cid is None:
            self.notify("Highlight a customer first.", timeout=3)
            return
        from shopinsight.core.exclusions import save_manual

        ws = self.shop_app.workspace

        who = self.name_of(cid)

        def answered(reason: str | None) -> None:
            if reason is None:
                return

            def done(_: None) -> None:
                self.notify(
                    escape(f"Excluded {who}: their orders are left out of every analysis. ")
                    + "X brings them back.",
                    timeout=6,
                )
                self.shop_app.data_changed(full=True)

            self.run_task(
                "exclude", lambda: save_manual(ws, "customer", cid, reason), done, "Excluding…"
            )

        self.app.push_screen(
            InputDialog(
                f"Exclude {who} from every analysis? Why (optional; Esc cancels)",
                "e.g. my own orders, a reseller",
                allow_empty=True,
            ),
            answered,
        )

    def action_include(self) -> None:
        from shopinsight.core.exclusions import delete_manual, load_manual

        ws = self.shop_app.workspace
        manual = load_manual(ws).filter(pl.col("kind") == "customer")
        if manual.height == 0:
            self.notify("No customer is excluded by hand.", timeout=3)
            return
        manual = manual.filter(pl.col("key").is_not_null())
        keys = manual.get_column("key").to_list()
        data = self.data

        def names() -> dict[str, str]:  # they are in no table now: named from their orders
            from shopinsight.tui.screens.customers_view import names_with_ids

            return names_with_ids(data.order_columns(["customer_id", *NAME_COLUMNS]), keys)

        def pick(named: dict[str, str]) -> None:
            options = [
                (key, f"{named.get(key, key)} — {reason or 'no reason given'}")
                for key, reason in manual.select("key", "reason").iter_rows()
            ]

            def picked(key: str | None) -> None:
                if not key:
                    return

                def done(_: bool) -> None:
                    who = named.get(key, key)
                    self.notify(escape(f"{who} is back in the analyses."), timeout=4)
                    self.shop_app.data_changed(full=True)

                self.run_task(
                    "include", lambda: delete_manual(ws, "customer", key), done, "Including…"
                )

            self.app.push_screen(PickDialog("Bring back an excluded customer", options), picked)

        self.run_task("include-names", names, pick, "Reading names…")

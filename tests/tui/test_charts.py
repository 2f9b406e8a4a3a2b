"""The overview's bar chart keeps segment names whole at 80 columns, bars shrinking first."""

from __future__ import annotations

from textual.app import App, ComposeResult

from shopinsight.tui.widgets.charts import BarChart

ROWS = [
    ("Potential Loyalists", 7.0, "7 0%"),
    ("About to Sleep", 864.0, "864 44%"),
    ("Hibernating", 1059.0, "1,059 53%"),
]


class ChartApp(App[None]):
    CSS = "BarChart { width: 36; }"  # the Segments panel's inside at 80 columns

    def compose(self) -> ComposeResult:
        yield BarChart(id="chart")


async def test_names_stay_whole_when_counts_are_wide():
    app = ChartApp()
    async with app.run_test(size=(80, 10)) as pilot:
        chart = app.query_one(BarChart)
        chart.set_rows(ROWS, "none")
        await pilot.pause()
        lines = str(chart.render()).splitlines()
    assert [line[:19] for line in lines] == ["Potential Loyalists", "About to Sleep     ",
                                             "Hibernating        "]  # fmt: skip
    assert all(line.endswith(shown) for line, (_, _, shown) in zip(lines, ROWS, strict=True))
    assert "█" in lines[2]  # the bars are still drawn


def test_customers_without_name_or_email_show_their_own_id():
    import polars as pl

    from shopinsight.tui.screens.customers_view import with_display_name

    table = pl.DataFrame(
        {
            "customer_id": ["generic:14646", "etsy:katie", "shopify:a@x.com"],
            "customer_name": [None, "Katie Kim", None],
            "email": [None, None, "a@x.com"],
        }
    )
    assert with_display_name(table)["display_name"].to_list() == ["14646", "Katie Kim", "a@x.com"]


class ShortChartApp(App[None]):
    CSS = "BarChart { width: 36; height: 3; }"  # room for two bars and the '+N more' line

    def compose(self) -> ComposeResult:
        yield BarChart(id="chart")


async def test_a_short_chart_keeps_its_biggest_bars_and_names_the_rest():
    """Fewer lines than rows (the Segments panel at 80×24): the biggest rows stay, in their
    order, and the line under them names the others; the first rows were kept, which hid
    the biggest segments ('+2 more' over Hibernating, 53%)."""
    app = ShortChartApp()
    async with app.run_test(size=(80, 10)) as pilot:
        chart = app.query_one(BarChart)
        chart.set_rows([("Champions", 5.0, "5 0%"), *ROWS], "none")
        await pilot.pause()
        lines = [line.rstrip() for line in str(chart.render()).splitlines()]
    assert [line.split("  ")[0] for line in lines[:2]] == ["About to Sleep", "Hibernating"]
    assert lines[2] == "+2 more: Champions, Potential Loyalists"

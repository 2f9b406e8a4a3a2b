"""The import screen's picker: a path field with completion, the parent folder and Downloads,
every file shown with why it cannot be imported; messages in the app's words; a re-import
says only that nothing is new."""

from __future__ import annotations

from types import SimpleNamespace

from textual.widgets import Input, OptionList

from shopinsight.tui.screens.importer import app_words, import_summary, report_lines
from tests.tui.conftest import SIZE, go, settle
from tests.tui.test_app import text_of


def _prompts(app) -> list[str]:
    listing = app.screen.query_one("#import-files", OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_the_picker_lists_everything_and_moves_around(
    demo_ws, make_app, exports_dir, tmp_path, monkeypatch
):
    (exports_dir / "orders.xlsx").write_bytes(b"PK\x03\x04")
    (exports_dir / "invoice.pdf").write_bytes(b"%PDF")
    downloads = tmp_path / "home" / "Downloads"
    downloads.mkdir(parents=True)
    (downloads / "shopify_orders.csv").write_text(
        (exports_dir / "more_orders.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "i")
        prompts = _prompts(app)
        assert prompts[0].startswith("↑ ..")
        assert any(p.startswith("⌂ Downloads") for p in prompts)
        assert any("more_orders.csv" in p for p in prompts)
        xlsx = next(p for p in prompts if "orders.xlsx" in p)
        assert "spreadsheet" in xlsx
        assert any("invoice.pdf" in p and "PDF" in p for p in prompts)

        # highlight the spreadsheet: the full reason is said
        listing = app.screen.query_one("#import-files", OptionList)
        listing.focus()
        listing.highlighted = prompts.index(xlsx)
        await settle(pilot)
        assert "save it as CSV" in text_of(app, "#import-why")

        # the parent folder, then Downloads by its place row
        listing.highlighted = 0
        await go(pilot, "enter")
        assert any("shop-exports/" in p for p in _prompts(app))
        prompts = _prompts(app)
        listing.highlighted = next(i for i, p in enumerate(prompts) if p.startswith("⌂ Downloads"))
        await go(pilot, "enter")
        assert any("shopify_orders.csv" in p for p in _prompts(app))

        # a path typed in the field, completed, then Enter picks the file
        field = app.screen.query_one("#import-path", Input)
        field.focus()
        await settle(pilot)
        field.value = str(exports_dir.resolve()) + "/m"
        field.cursor_position = len(field.value)
        await go(pilot, "o")
        await go(pilot, "right")  # accepts the completion
        assert field.value.endswith("/more_orders.csv")
        await go(pilot, "enter")
        assert "Generic order lines" in text_of(app, "#import-detected")
        assert "more_orders.csv" in text_of(app, "#import-batch")

        await go(pilot, "ctrl+s")
        assert "3 new lines" in text_of(app, "#import-report")

        app.screen.add_file(exports_dir / "more_orders.csv")  # the same file again
        await settle(pilot)
        await go(pilot, "ctrl+s")
        report = text_of(app, "#import-report")
        assert "nothing new" in report and "updated" not in report


def test_messages_in_the_apps_words():
    text = app_words(
        "Columns not found: order_id. Name them with --map, e.g. "
        '`--map ordered_at="Order Date" --map order_id="Order No"`. Or use --format generic.'
    )
    assert "--" not in text and "`" not in text
    assert "column mapping" in text and "Generic format" in text


def test_reports_never_say_updated_and_already_imported_together():
    def report(**kw):
        base = dict(file="a.csv", format_title="Generic", rows_read=10, accepted=10, rejected=0,
                    duplicates=0, new_lines=0, updated=0, rejects_path=None, warnings=[],
                    skipped=False)  # fmt: skip
        return SimpleNamespace(**{**base, **kw})

    skipped = " ".join(report_lines(report(skipped=True, updated=10)))
    assert "already imported" in skipped and "updated" not in skipped
    again = " ".join(report_lines(report(duplicates=10)))
    assert "nothing new" in again and "updated" not in again
    fresh = " ".join(report_lines(report(new_lines=7, updated=3)))
    assert "7 new lines, 3 updated" in fresh and "nothing new" not in fresh
    assert import_summary([report(skipped=True, updated=10)]).startswith("Nothing new")
    assert import_summary([report(new_lines=7)]) == "Imported 1 file: 7 new lines."


async def test_a_big_folder_is_listed_whole_and_only_what_shows_is_drawn(
    demo_ws, make_app, exports_dir
):
    """A folder of 1,200 files is listed whole at once, folders first; only the entries drawn
    have their text made (this fails if the list makes every entry's text to measure it, the
    cost of a big folder); the keys and the mouse reach every entry."""
    from shopinsight.tui.widgets.file_picker import EntryOption

    orders = [f"orders_{i:04d}.csv" for i in range(1200)]
    for name in orders:
        (exports_dir / name).write_text("a,b\n1,2\n", encoding="utf-8")
    (exports_dir / "zz_invoice.pdf").write_bytes(b"%PDF")
    (exports_dir / "sub").mkdir()
    (exports_dir / "sub" / "inside.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "i")
        listing = app.screen.query_one("#import-files", OptionList)
        entries = [o for o in listing.options if isinstance(o, EntryOption)]
        assert [o.entry.name for o in entries] == [
            "sub",
            "more_orders.csv",
            *orders,
            "zz_invoice.pdf",
        ]
        drawn = [o for o in entries if o._text is not None]
        assert 0 < len(drawn) <= listing.size.height
        assert listing.virtual_size.height == len(listing.options) - len(entries) + sum(
            o.lines for o in entries
        )

        listing.focus()
        await go(pilot, "end")
        assert listing.highlighted == listing.option_count - 1
        assert "zz_invoice.pdf cannot be imported: a PDF" in text_of(app, "#import-why")
        lines = [listing.render_line(y).text.rstrip() for y in range(listing.size.height)]
        assert lines[-2].strip() == "zz_invoice.pdf" and "✗ a PDF" in lines[-1]  # whole
        await go(pilot, "pageup")
        at = listing.highlighted
        assert listing.option_count - 1 - listing.size.height <= at < listing.option_count - 1
        await go(pilot, "up")
        assert listing.highlighted == at - 1
        assert listing.options[at - 1].entry.name in text_of(app, "#import-why")
        await go(pilot, "pagedown", "home")
        assert listing.highlighted == 0
        assert len([o for o in entries if o._text is not None]) < 3 * listing.size.height

        # a click on the folder opens it
        lines = [listing.render_line(y).text for y in range(listing.size.height)]
        row = next(i for i, line in enumerate(lines) if "📁 sub/" in line)
        await pilot.click(listing, offset=(3, row))
        await settle(pilot)
        assert [o.entry.name for o in listing.options if isinstance(o, EntryOption)] == [
            "inside.csv"
        ]


async def test_long_names_stay_on_their_line_and_show_whole_below(demo_ws, make_app, exports_dir):
    """At 80 columns a long folder or file name is cut with "…" on its one line (not wrapped
    under its icon); highlighted, the line below the list says it whole."""
    folder = "a folder whose name is much longer than the list is wide at eighty columns"
    file = "orders_export_from_the_shop_between_january_and_december_2026_final_v2.csv"
    (exports_dir / folder).mkdir()
    (exports_dir / file).write_text(
        (exports_dir / "more_orders.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "i")
        listing = app.screen.query_one("#import-files", OptionList)
        lines = [listing.render_line(y).text.rstrip() for y in range(listing.size.height)]
        at = next(i for i, line in enumerate(lines) if "📁 a folder whose" in line)
        assert lines[at].endswith("…") and folder not in lines[at]
        assert not any("columns" in line for line in lines)  # its rest never wraps below
        at = next(i for i, line in enumerate(lines) if "orders_export_from" in line)
        assert lines[at].endswith("…") and not any("v2.csv" in line for line in lines)
        assert lines[at + 1].strip().endswith("B")  # its size, on the line below

        # each entry's height, counted, is the one Textual finds by laying it out
        from textual.content import Content

        from shopinsight.tui.widgets.file_picker import Listed

        width = listing.scrollable_content_region.width
        for i in range(listing.option_count):
            option = listing.get_option_at_index(i)
            prompt = option.prompt
            assert isinstance(prompt, Listed)
            for w in (width, 12, 200):
                laid_out = Content.get_height(prompt, listing.styles, w)
                assert prompt.get_height(listing.styles, w) == laid_out
                # as the list measures it (an entry's before its text is made)
                assert listing._get_visual(option).get_height(listing.styles, w) == laid_out

        prompts = _prompts(app)
        listing.focus()
        for name in (folder, file):
            listing.highlighted = next(i for i, p in enumerate(prompts) if name in p)
            await settle(pilot)
            assert name in text_of(app, "#import-why").replace("\n", "")

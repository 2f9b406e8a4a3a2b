"""What the import screen says: one file's import report (the importer's messages in the app's
words, `fmt.in_app`: no `--map` or `--format`, which belong to the command line), the
notification after an import, and the first rejected rows read back from the saved reject
files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from textual.markup import escape

from shopinsight.tui.fmt import in_app


def report_lines(r: Any) -> list[str]:
    """One file's import in words: a file imported before says only that (no counts of
    "updated" lines next to "nothing new"); otherwise what was new, updated, repeated."""
    name = escape(Path(r.file).name)
    if r.skipped:
        return [f"[b]{name}[/b]: already imported before, nothing new; the workspace is unchanged."]
    if getattr(r, "format", "") == "not imported" and r.warnings:  # a companion (Olist) file
        return [f"[b]{name}[/b]: not imported — {escape(in_app(r.warnings[0]))}"]
    rejected = f"[red]{r.rejected:,} rejected[/red]" if r.rejected else "0 rejected"
    merged = getattr(r, "merged", 0)
    if r.new_lines == 0 and r.updated == 0 and not merged:
        state = "nothing new: every line was already imported"
    else:
        parts = [f"{r.new_lines:,} new lines"]
        if r.updated:
            parts.append(f"{r.updated:,} updated")
        if r.duplicates:
            parts.append(f"{r.duplicates:,} already there")
        if merged:
            parts.append(f"{merged:,} order rows merged into their items")
        state = ", ".join(parts)
    lines = [
        f"[b]{name}[/b] ({r.format_title}): {r.rows_read:,} rows read, {r.accepted:,} accepted, "
        f"{rejected} · {state}"
    ]
    if r.rejects_path:
        lines.append(f"  rejected rows saved to {escape(r.rejects_path)}")
    lines += [f"  [yellow]• {escape(in_app(w))}[/yellow]" for w in r.warnings]
    return lines


def import_summary(reports: list[Any]) -> str:
    """The notification after an import: what changed, or that nothing did."""
    new = sum(r.new_lines for r in reports if not r.skipped)
    updated = sum(r.updated for r in reports if not r.skipped)
    if new == 0 and updated == 0:
        return "Nothing new: these files were already imported."
    files = f"{len(reports)} file" + ("s" if len(reports) != 1 else "")
    return f"Imported {files}: {new:,} new lines" + (f", {updated:,} updated." if updated else ".")


def reject_rows(reports: list[Any], limit: int = 500) -> pl.DataFrame:
    """file, row, reason of the rejected rows (first `limit`), read from the saved reject files."""
    frames = []
    for r in reports:
        if not r.rejects_path or not Path(r.rejects_path).exists():
            continue
        rej = pl.read_csv(r.rejects_path, infer_schema=False, n_rows=limit)
        cols = [c for c in ("row", "reason") if c in rej.columns]
        if len(cols) < 2:
            continue
        frames.append(
            rej.select(
                pl.lit(Path(r.file).name).alias("file"),
                pl.col("row").cast(pl.Int64, strict=False),
                pl.col("reason"),
            )
        )
    if not frames:
        return pl.DataFrame(schema={"file": pl.Utf8, "row": pl.Int64, "reason": pl.Utf8})
    return pl.concat(frames).head(limit)

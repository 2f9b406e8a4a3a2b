"""Reading an export file into a text frame: encoding, delimiter, header row, row numbers.

Marketplace exports come in UTF-8 with or without BOM, UTF-16 (Excel "Unicode text"),
GBK/GB18030 (Taobao, JD) and cp1252 (Amazon, Excel re-saves); with `,`, `;` or tab; and
sometimes with preamble lines above the header (eBay, Excel's `sep=,`). All of that is detected,
never asked. Every value is read as text; importers parse and cast.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from shopinsight.core.errors import InputError

ROW = "__row"
"""Record number of a data row in its file: 1 is the first record after the header."""

SNIFF_BYTES = 256 * 1024


_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Column-name key for matching: BOM and quotes gone, trimmed, case-folded, single spaces."""
    name = name.replace("\ufeff", "").strip().strip('"').strip()
    return _SPACES.sub(" ", name).casefold()


@dataclass(frozen=True)
class Sniffed:
    """How a file is laid out."""

    encoding: str
    delimiter: str
    header_line: int  # 0-based line of the header within the decoded text
    columns: list[str]  # header as written
    headerless: bool = False
    """The file starts with data (every field of its first line a number or a date): its
    columns are `column_1`, `column_2`… and `header_line` is its first data line."""


def _fail(path: Path, what: str, todo: str) -> InputError:
    return InputError(f"Cannot import {path.name}", f"{what} {todo}")


def detect_encoding(head: bytes, path: Path) -> str:
    """Pick the text encoding from the first bytes of a file."""
    for magic, what, todo in PACKED:
        if head.startswith(magic):
            raise _fail(path, f"It is {what}, not a CSV export.", todo)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without BOM: every other byte of ASCII text is NUL.
        even_nuls = sample[0::2].count(b"\x00")
        odd_nuls = sample[1::2].count(b"\x00")
        third, tenth = len(sample) // 3, len(sample) // 10
        if odd_nuls > third and even_nuls < tenth:
            return "utf-16-le"
        if even_nuls > third and odd_nuls < tenth:
            return "utf-16-be"
        raise _fail(path, "It looks like a binary file, not a CSV export.", _EXPORT_HINT)
    if b"\x00" in sample:
        raise _fail(path, "It looks like a binary file, not a CSV export.", _EXPORT_HINT)
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut at the sniff boundary
            return "utf-8"
    try:
        text = head[: len(head) - 2].decode("gb18030")
        high = [c for c in text if ord(c) > 127]
        cjk = sum(1 for c in high if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
        # Accented Latin read as GBK gives CJK wedged inside Latin words ("Cr鑝e br鹟閑").
        wedged = len(re.findall(r"[A-Za-z][\u3000-\u9fff]{1,2}[A-Za-z]", text))
        runs = len(re.findall(r"[\u3000-\u9fff\uff00-\uffef]+", text))
        if high and cjk / len(high) > 0.9 and wedged <= runs // 4:
            return "gb18030"
    except UnicodeDecodeError:
        pass
    return "cp1252"


PACKED = [
    (b"\x1f\x8b", "a gzip-compressed file", "Unpack it first (e.g. `gunzip FILE`) and import "
     "the CSV inside."),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)", "Unzip it, or open the "
     "workbook and save it as CSV (UTF-8), then import that file."),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)", "Open it and save it as CSV (UTF-8), "
     "then import that file."),
]  # fmt: skip
"""Packed files merchants often download instead of the CSV: magic bytes, name, what to do."""

_EXPORT_HINT = (
    "Download the orders export from your marketplace as CSV (or tab-separated text) and "
    "import that file; `shopinsight formats` lists what is supported."
)


def _decode(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="replace")


def sniff(path: Path, known_columns: Iterable[str]) -> Sniffed:
    """Find encoding, delimiter and the header line (the first line naming known columns)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except IsADirectoryError:
        raise _fail(
            path, "It is a folder, not a file.", "Pass the export files themselves."
        ) from None
    except OSError as exc:
        raise _fail(path, f"The file cannot be read ({exc.strerror}).", "Check the path.") from None
    if not head.strip():
        raise _fail(path, "The file is empty.", _EXPORT_HINT)
    encoding = detect_encoding(head, path)
    text = _decode(head, encoding)
    if encoding == "cp1252" and _control_ratio(text) > 0.05:
        raise _fail(path, "It looks like a binary file, not a CSV export.", _EXPORT_HINT)
    lines = text.splitlines()[:40]
    known = {normalise_name(c) for c in known_columns}
    best: tuple[int, int, str, list[str]] | None = None
    for i, line in enumerate(lines):
        for delim in ("\t", ",", ";", "|"):
            if delim not in line:
                continue
            cols = _fields(line, delim)
            score = sum(1 for c in cols if normalise_name(c) in known)
            if len(cols) >= 2 and (best is None or score > best[0]):
                best = (score, i, delim, cols)
    if best is None:
        aligned = _aligned(lines, cut=len(head) == SNIFF_BYTES)
        if aligned is None:
            raise _fail(path, "No delimited header row was found.", _EXPORT_HINT)
        line_no, cols = aligned
        return _maybe_headerless(Sniffed(encoding, SPACES, line_no, cols))
    score, line_no, delim, cols = best
    if score == 0:
        # Unknown layout: take the first line with the most fields as the header.
        counts = [(max(len(line.split(d)) for d in ",;\t|"), i) for i, line in enumerate(lines)]
        _, line_no = max(counts, key=lambda t: (t[0], -t[1]))
        delim = max(",;\t|", key=lambda d: lines[line_no].count(d))
        cols = _fields(lines[line_no], delim)
        first = next(i for i, line in enumerate(lines) if line.strip())
        if line_no == first:  # data above any other line: no header
            return _maybe_headerless(Sniffed(encoding, delim, line_no, cols))
    return Sniffed(encoding, delim, line_no, cols)


SPACES = " "
"""The `delimiter` of a file whose columns are aligned with runs of blanks (CDNOW's
`CDNOW_master.txt`: ` 00001 19970101  1   11.77`): any run of spaces or tabs separates two
fields, and blanks at either end of a line are not fields."""

_DATA = re.compile(r"^[-+]?[\d.,:/]*\d[\d.,:/]*$")
"""A field that is a number, an id of digits or a date (`00004`, `19970101`, `29.33`,
`2014-03-08` needs the dash: see `_is_data`), never a column name."""


def _is_data(field: str) -> bool:
    text = field.strip().strip('"').strip()
    return bool(_DATA.match(text) or _DATA.match(text.replace("-", "")))


def _maybe_headerless(sn: Sniffed) -> Sniffed:
    """`sn` as a file without a header when every field of its would-be header is a number or
    a date: no export names its columns so. Only asked of files that name no known column."""
    fields = [c for c in sn.columns]
    if len(fields) < 2 or not all(_is_data(c) for c in fields):
        return sn
    names = [f"column_{i + 1}" for i in range(len(fields))]
    return Sniffed(sn.encoding, sn.delimiter, sn.header_line, names, headerless=True)


def _aligned(lines: list[str], cut: bool) -> tuple[int, list[str]] | None:
    """A file of columns aligned with blanks: its first non-empty line and that line's fields,
    when that line has 2 or more blank-separated fields and so do at least three in four of
    the lines after it (up to 40; the last one may be cut by the sniff; a line of another
    width is rejected when the file is read). None otherwise."""
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        return None
    rows = [line.split() for line in lines[start:] if line.strip()]
    if cut and len(rows) > 2:
        rows = rows[:-1]
    width, after = len(rows[0]), rows[1:]
    if width < 2 or not after or sum(len(r) == width for r in after) * 4 < len(after) * 3:
        return None
    return start, rows[0]


def _fields(line: str, delim: str) -> list[str]:
    """One line split as CSV; a line with a field over the csv module's 128 KiB limit (a long
    note or description, never a header) is split plainly instead of failing the import."""
    try:
        return next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return line.split(delim)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for c in text[:20000] if ord(c) < 32 and c not in "\r\n\t")
    return bad / min(len(text), 20000)


def read_raw(
    path: Path, sn: Sniffed, keep: Iterable[str] | None = None, data: bytes | None = None
) -> pl.DataFrame:
    """Data rows as text, with normalised column names and a `__row` record number.

    `keep` (normalised names) limits parsing to the columns an importer uses: on a wide export
    that is most of the reading time. UTF-8 files go straight to Polars' reader (from the file,
    unless `data` holds its bytes); other encodings are transcoded first. A file Polars
    refuses (ragged rows, stray quotes) is read record by record by Python's csv module so
    each bad row can still be reported with its number.
    """
    names = _unique_names([normalise_name(c) for c in sn.columns])
    wanted = set(keep) if keep is not None else None
    indices = [i for i, n in enumerate(names) if wanted is None or n in wanted]
    if sn.delimiter == SPACES:
        frame = _read_aligned(path.read_bytes() if data is None else data, sn, names, indices)
        return frame.with_columns(pl.col(ROW).cast(pl.Int64))
    direct = data is None and sn.encoding in ("utf-8", "utf-8-sig") and not sn.header_line
    if direct:  # Polars maps the file itself: no copy of it in memory
        with open(path, "rb") as fh:
            head = fh.read(65536)
    else:
        data = path.read_bytes() if data is None else data
        if sn.encoding != "utf-8":
            data = _decode(data, sn.encoding).encode("utf-8")
        if sn.header_line:
            data = _skip_lines(data, sn.header_line)
        head = data[:65536]
    quote = None if sn.delimiter == "\t" and b'\t"' not in head else '"'
    reach = len(names)
    if reach > WIDE_HEADER:  # columns past the longest record are empty: never parse them
        text = (path.read_bytes() if direct else data or b"").decode("utf-8", errors="replace")
        reach = min(reach, _longest_record(text, sn.delimiter, quote))
    read = [i for i in indices if i < reach]
    try:
        frame = pl.read_csv(
            path if data is None else data,  # data is None exactly when direct
            separator=sn.delimiter,
            quote_char=quote,
            infer_schema=False,
            has_header=not sn.headerless,
            new_columns=names,
            columns=None if wanted is None and reach == len(names) else read,
            row_index_name=ROW,
            row_index_offset=1,
            raise_if_empty=False,
            ignore_errors=False,
            truncate_ragged_lines=False,
        )
        if wanted is not None or reach < len(names):
            frame = frame.rename(
                dict(zip(frame.columns[1:], [names[i] for i in read], strict=True))
            )
        if reach < len(names):
            blank = pl.Series("", [None] * frame.height, dtype=pl.Utf8)
            frame = pl.DataFrame(
                [frame[ROW]]
                + [frame[names[i]] if i < reach else blank.alias(names[i]) for i in indices]
            )
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError, pl.exceptions.PolarsError):
        if data is None:  # direct
            data = _decode(path.read_bytes(), sn.encoding).encode("utf-8")
        frame = _read_with_csv_module(
            data, sn.delimiter, names, quote, indices, header=not sn.headerless
        )
        if wanted is not None:
            frame = frame.select(ROW, *(names[i] for i in indices), BAD_FIELDS)
    return frame.with_columns(pl.col(ROW).cast(pl.Int64))


def read_rows(path: Path, sn: Sniffed, rows: pl.Series) -> pl.DataFrame | None:
    """`read_raw(path, sn)` of only these records (every column, as text), kept as the file
    streams by: reading all of a million-line export's columns held 1.6 GB to show a few
    rejected rows. None where `read_raw` must do it (a transcoded, preambled or very wide
    file, or one Polars refuses)."""
    names = _unique_names([normalise_name(c) for c in sn.columns])
    if sn.encoding not in ("utf-8", "utf-8-sig") or sn.header_line or len(names) > WIDE_HEADER:
        return None
    if sn.delimiter == SPACES or sn.headerless:
        return None
    wanted = rows.cast(pl.Int64).implode()
    try:
        return (
            scan_text(path, sn, names).filter(pl.col(ROW).is_in(wanted)).collect(engine="streaming")
        )
    except pl.exceptions.PolarsError:
        return None


def scan_text(path: Path, sn: Sniffed, names: list[str]) -> pl.LazyFrame:
    """A lazy scan of a UTF-8 export without preamble: every column as text under `names`,
    `ROW` (Int64) numbering the records from 1, as the rejects file names them. Tab files
    with no quoted field are read without a quote character (a stray " in a title must not
    swallow the lines after it)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    quote = None if sn.delimiter == "\t" and b'\t"' not in head else '"'
    return pl.scan_csv(
        path,
        separator=sn.delimiter,
        quote_char=quote,
        infer_schema=False,
        has_header=True,
        new_columns=names,
        row_index_name=ROW,
        row_index_offset=1,
        raise_if_empty=False,
        truncate_ragged_lines=False,
    ).with_columns(pl.col(ROW).cast(pl.Int64))


WIDE_HEADER = 512
"""Headers wider than this are checked for columns no record reaches (a 20,000-column header
over short rows would otherwise cost rows × header width)."""


def _longest_record(text: str, delimiter: str, quote: str | None) -> int:
    """The most fields in any record, header included (csv's C reader; no Python per row).
    A field over the csv module's limit gives up and answers "unbounded"."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        strict=False,
    )
    next(reader, None)  # the header
    try:
        return max(map(len, reader), default=0)
    except csv.Error:
        return 1 << 30


def _skip_lines(data: bytes, n: int) -> bytes:
    pos = 0
    for _ in range(n):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return b""
        pos = nxt + 1
    return data[pos:]


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"column_{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


BAD_FIELDS = "__bad_fields"


def _read_with_csv_module(
    data: bytes,
    delimiter: str,
    names: list[str],
    quote: str | None,
    indices: list[int] | None = None,
    header: bool = True,
) -> pl.DataFrame:
    """Slow, forgiving path: keeps rows whose field count is wrong, marked for rejection.
    `header`: the text starts with the header row (skipped), else with the first record.

    Only the `indices` columns wanted are built, and only up to the longest record: columns
    past it are shared null columns. The cost follows the file's size, not rows × header
    width (a 20,000-column header over short records no longer takes minutes).
    """
    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        strict=False,
    )
    width = len(names)
    try:
        if header:
            next(reader, None)
        records = list(reader)
    except csv.Error as exc:  # a field over 128 KiB in a file Polars could not read
        raise InputError(
            "Cannot import the file: a record cannot be read",
            f"Near record {reader.line_num - 1}: {exc}. An order export has no field that long; "
            "check that this is the right file, or re-export it.",
        ) from None
    n = len(records)
    lengths = list(map(len, records))
    longest = max(lengths, default=0)
    wanted = range(width) if indices is None else indices
    # columns past the longest record are empty: made as nulls, never looped over
    filled = {
        names[j]: pl.Series(
            names[j], [(r[j] or None) if j < len(r) else None for r in records], dtype=pl.Utf8
        )
        for j in wanted
        if j < longest
    }
    empty = pl.Series("", [None] * n, dtype=pl.Utf8)
    frame = pl.DataFrame(
        [pl.int_range(1, n + 1, eager=True, dtype=pl.Int64).alias(ROW)]
        + [filled.get(names[j], empty.alias(names[j])) for j in wanted]
    )
    # a record with more fields than the header cannot be placed; a shorter one can
    count = pl.col(BAD_FIELDS)
    bad = pl.when(count > width).then(pl.format(f"has {{}} fields, the header has {width}", count))
    return frame.with_columns(pl.Series(BAD_FIELDS, lengths, dtype=pl.Int64)).with_columns(
        bad.cast(pl.Utf8).alias(BAD_FIELDS)
    )


def _read_aligned(data: bytes, sn: Sniffed, names: list[str], indices: list[int]) -> pl.DataFrame:
    """A file of blank-aligned columns (`SPACES`) as text columns, `ROW` numbering its lines
    after the header (the first line, for a file without a header); blank lines are no
    records. A line with more or fewer fields than the header cannot be placed (a missing
    value shifts the others): `BAD_FIELDS` says so and it is rejected. Split by Polars."""
    text = _decode(data, sn.encoding)
    skip = sn.header_line + (0 if sn.headerless else 1)
    lines = pl.Series("__line", text.splitlines()[skip:], dtype=pl.Utf8)
    width = len(names)
    fields = pl.col("__line").str.extract_all(r"\S+")
    count = pl.col("__n")
    what = "the file's lines have" if sn.headerless else "the header has"
    frame = (
        pl.DataFrame([pl.int_range(1, lines.len() + 1, eager=True, dtype=pl.Int64).alias(ROW)])
        .with_columns(lines)
        .filter(pl.col("__line").str.strip_chars() != "")
        .with_columns(fields.alias("__fields"))
        .with_columns(pl.col("__fields").list.len().alias("__n"))
    )
    return frame.select(
        ROW,
        *(pl.col("__fields").list.get(j, null_on_oob=True).alias(names[j]) for j in indices),
        pl.when(count != width)
        .then(pl.format(f"has {{}} fields, {what} {width}", count))
        .cast(pl.Utf8)
        .alias(BAD_FIELDS),
    )

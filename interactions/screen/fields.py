"""Read a block of lines into fields with polars, and say which lines could not be read.

polars reads the block whole; a line counts as read when it is plainly well-formed: without
quotes, its fields and delimiters add up to its length; with quotes, one pattern says every field
is bare or cleanly quoted. The rest (quotes in odd places, wrong field counts, overlong or
undecodable lines) go one by one through tabular.parse_line, which reads them as Python's csv
module does or says why not. Both layouts read their blocks this way (wide.py, long.py), and so
does the external sort (sort.py), whose blocks are lines already decoded (Lines).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import polars as pl

from .tabular import MAX_LINE_CHARS, Layout, RowError, decode_lines, parse_line

# What str.strip() strips: every character for which str.isspace() is true.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass
class Lines:
    """Lines already cut and decoded, and why those that cannot be read cannot (by offset)."""

    texts: list[str]
    problems: dict[int, str] = field(default_factory=dict)


@dataclass
class Fields:
    """A block's lines: ``table`` (p, the line's offset in the block, and f0, f1, ... its
    fields) for the lines that could be read, the reasons for those that could not (by offset),
    the raw lines (for rejects), the number of blank lines, and the block as UTF-8 bytes when
    polars read it whole (else None)."""

    lines: pl.Series | list[str]
    table: pl.DataFrame
    problems: dict[int, str]
    blank: int
    data: bytes | None


def read_fields(block: bytes | Lines, layout: Layout, encoding: str) -> Fields:
    if isinstance(block, Lines):
        lines, bad, data = block.texts, block.problems, None
    else:
        lines, bad, data = _lines(block, encoding)
    raw = pl.Series("raw", lines, dtype=pl.String)
    names = [f"f{i}" for i in range(layout.width)]
    parsed = _read_whole(data, layout, names, len(raw))
    plain = _plain(raw, layout, parsed)
    if len(raw) and raw.str.len_bytes().max() > MAX_LINE_CHARS:
        plain = plain & (raw.str.len_chars() <= MAX_LINE_CHARS)
    if bad:
        plain = plain & ~pl.int_range(len(raw), dtype=pl.UInt32, eager=True).is_in(list(bad))
    problems: dict[int, str] = {}
    if parsed is not None and plain.all():
        table = parsed
    else:
        table = _fields(raw, plain, layout, names, bad, problems, parsed)
    return Fields(lines, table, problems, int((raw == "").sum()), data)


def _read(data: bytes, layout: Layout, names: list[str]) -> pl.DataFrame:
    return pl.read_csv(data, has_header=False, separator=layout.delimiter, quote_char='"',
                       infer_schema=False, empty_string_is_null=False, new_columns=names)


def _read_whole(data: bytes | None, layout: Layout, names: list[str],
                lines: int) -> pl.DataFrame | None:
    """p and the fields of every line, when polars reads the block as one row per line (a
    quote left open joins lines; a line with too many fields stops it); else None. Which rows
    can be trusted is _plain's to say."""
    if data is None:
        return None
    try:
        found = _read(data, layout, names)
    except pl.exceptions.PolarsError:
        return None
    return found.with_row_index("p") if found.height == lines else None


def _lines(block: bytes, encoding: str) -> tuple[
        pl.Series | list[str], dict[int, str], bytes | None]:
    """The block's lines (as tabular.decode_lines cuts them), the undecodable ones' reasons, and
    the lines as UTF-8 bytes when they could be read whole. The common case (decodable, no stray
    carriage return or NUL) is cut by polars at every newline (no quote character is set), and
    polars checks that UTF-8 is valid; its lines and their newlines must add up to the block's
    bytes, so that none was dropped (cheaper than counting the newlines in Python, a pass over
    the block under Python's lock)."""
    data = block
    if codecs.lookup(encoding).name != "utf-8":
        try:
            data = block.decode(encoding).encode()
        except UnicodeDecodeError:
            return (*decode_lines(block, encoding), None)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if data and b"\r" not in data and b"\x00" not in data:
        try:
            found = pl.read_csv(data, has_header=False, separator="\x00", quote_char=None,
                                infer_schema=False, empty_string_is_null=False,
                                new_columns=["raw"]).get_column("raw")
        except pl.exceptions.ComputeError:  # not valid UTF-8: decode_lines says where
            found = None
        if found is not None and found.str.len_bytes().sum() + len(found) == \
                len(data) + (not data.endswith(b"\n")):
            return found, {}, data
    return (*decode_lines(block, encoding), None)


def _plain(raw: pl.Series, layout: Layout, parsed: pl.DataFrame | None) -> pl.Series:
    """Lines that are plainly well-formed: without quotes, the right number of fields; with
    quotes, every field bare or cleanly quoted (a pattern, tried on those lines only). Where
    polars has read the line, a line without quotes has the right number of fields when its
    fields and delimiters add up to its length (polars pads a short line with empty fields)."""
    quoted = raw.str.contains('"', literal=True)
    if parsed is None:
        fits = raw.str.count_matches(layout.delimiter, literal=True) == layout.width - 1
    else:
        length = pl.sum_horizontal(pl.all().exclude("p").str.len_bytes().fill_null(0))
        fits = raw.str.len_bytes() == parsed.select(length + (layout.width - 1)).to_series()
    plain = ~quoted & fits
    if quoted.any():
        at = quoted.arg_true()
        plain = plain.scatter(at.filter(raw.gather(at).str.contains(_line_pattern(layout))), True)
    return plain


def _line_pattern(layout: Layout) -> str:
    """A line of exactly ``width`` fields, each bare (no quote) or cleanly quoted."""
    d = {"\t": r"\t", "|": r"\|"}.get(layout.delimiter, re.escape(layout.delimiter))
    field = f'(?:"(?:[^"\\r]|"")*"|[^"\\r{d}]*)'
    return f"^{field}(?:{d}{field}){{{layout.width - 1}}}$"


def _fields(raw: pl.Series, plain: pl.Series, layout: Layout, names: list[str],
            bad: dict[int, str], problems: dict[int, str],
            parsed: pl.DataFrame | None) -> pl.DataFrame:
    """p and the fields of every line that can be read; the others' reasons in problems."""
    schema = {"p": pl.UInt32, **{n: pl.String for n in names}}
    frame = pl.DataFrame({"raw": raw, "plain": plain}).with_row_index("p")
    parts = []
    if parsed is not None:
        parts.append(parsed.filter(plain))
    elif plain.any():  # polars could not read the block whole: the plain lines again, alone
        good = frame.filter(pl.col("plain"))
        data = (good.get_column("raw").str.join("\n").item() + "\n").encode()
        parts.append(_read(data, layout, names).with_columns(good.get_column("p"))
                     .select(list(schema)))
    odd = []
    for k, text in frame.filter(~pl.col("plain") & (pl.col("raw") != "")).select(
            "p", "raw").iter_rows():
        try:
            if k in bad:
                raise RowError(bad[k])
            odd.append((k, *parse_line(text, layout)))
        except RowError as exc:
            problems[k] = str(exc)
    if odd:
        parts.append(pl.DataFrame(odd, schema=schema, orient="row"))
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).sort("p") if len(parts) > 1 else parts[0]



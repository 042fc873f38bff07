"""Read a block of wide-layout lines into the tables columnar.py screens, and the rejects.

In two halves: parse_wide needs nothing but the block (lines, fields, medication cells split),
resolve_wide asks the Screener (pieces and cells resolved, rows checked). polars reads the block
whole; a line counts as read when it is plainly well-formed: without quotes, its fields and
delimiters add up to its length; with quotes, one pattern says every field is bare or cleanly
quoted. The rest (quotes in odd places, wrong field counts, overlong or undecodable lines) go
one by one through tabular.parse_line, which reads them as Python's csv module does or says
why not.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import polars as pl

from .columnar import Tables, item_counts, memo, resolve_pieces
from .screening import Screener, parse_age, parse_sex
from .tabular import MAX_LINE_CHARS, Layout, RowError, decode_lines, parse_line

# What str.strip() strips: every character for which str.isspace() is true.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
ROLES = ("patient", "medications", "conditions", "egfr", "pregnant", "age", "sex")
CONTEXT_ROLES = ("conditions", "egfr", "pregnant")  # the cells a patient's context is made of


@dataclass
class Parsed:
    """A block's lines read into fields, before anything is asked of the Screener: ``fields``
    (p and one column per field but the medication cells, for the lines that could be read),
    ``pieces`` (p, pos, piece: the medication cells split), the reasons for the lines that could
    not be read, the raw lines (for rejects) and the number of blank lines."""

    layout: Layout
    first_line: int
    lines: pl.Series | list[str]
    fields: pl.DataFrame
    pieces: pl.DataFrame
    problems: dict[int, str]
    blank: int


def parse_wide(block: bytes, first_line: int, layout: Layout, encoding: str) -> Parsed:
    """The first half of reading a block: needs nothing but the block."""
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
        fields = parsed
    else:
        fields = _fields(raw, plain, layout, names, bad, problems, parsed)
    first, *others = layout.item_separators
    meds = _column(layout, "medications")
    for sep in others:
        if data is None or sep.encode() in data:  # a scan of the bytes is cheaper than a copy
            meds = meds.str.replace_all(sep, first, literal=True)
    pieces = fields.select("p", piece=meds.str.split(first)).explode("piece").with_row_index("pos")
    if "medications" in layout.columns:  # split into pieces: the cells are not needed again
        fields = fields.drop(f"f{layout.columns['medications']}")
    return Parsed(layout, first_line, lines, fields, pieces, problems, int((raw == "").sum()))


def resolve_wide(parsed: Parsed, screener: Screener) -> Tables:
    """The second half: pieces and cells resolved (once per distinct value), rows checked."""
    fields, problems, first_line = parsed.fields, dict(parsed.problems), parsed.first_line
    pieces = resolve_pieces(screener, parsed.pieces)
    rows = checked_rows(fields.select(
        "p", pid=_column(parsed.layout, "patient").str.strip_chars(WHITESPACE),
        **{role: _column(parsed.layout, role) for role in ROLES[2:]}).join(
        item_counts(pieces), on="p", how="left", maintain_order="left").with_columns(
        pl.col("items").fill_null(0)), screener,
        tuple(role for role in CONTEXT_ROLES if role in parsed.layout.columns))
    problems.update(rows.filter(pl.col("reason").is_not_null()).select("p", "reason").iter_rows())
    patients = rows.filter(pl.col("reason").is_null()).select(
        "p", "pid", line=(pl.col("p").cast(pl.Int64) + first_line), ctx="ctx", age="age",
        sex="sex", rejected=pl.lit(0, dtype=pl.Int64), items="items")
    if problems:
        pieces = pieces.filter(~pl.col("p").is_in(list(problems)))
    rejects = [(first_line + k, problems[k], parsed.lines[k]) for k in sorted(problems)]
    return Tables(patients, pieces, rejects, parsed.blank, lines=len(parsed.lines))


def _column(layout: Layout, role: str) -> pl.Expr:
    """A role's field, or an empty cell where the file has no such column."""
    return pl.col(f"f{layout.columns[role]}") if role in layout.columns else pl.lit("")


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


def checked_rows(rows: pl.DataFrame, screener: Screener,
                 present: tuple[str, ...] = CONTEXT_ROLES) -> pl.DataFrame:
    """Add ``ctx`` and ``reason`` (the first problem of a row, in the order the checks run:
    patient id, age, sex, conditions/eGFR/pregnancy, medications). ``present``: the context
    roles the rows have cells for (the others are empty, and need no looking up)."""
    ages = _reasons(rows, "age", parse_age)
    sexes = _reasons(rows, "sex", parse_sex)
    on = [role for role in CONTEXT_ROLES if role in present]

    def context(*cells: str) -> list[tuple]:
        found = screener.context_id(*(dict(zip(on, cells)).get(role, "")
                                      for role in CONTEXT_ROLES))
        return [(found, None) if isinstance(found, int) else (None, found)]

    if on:
        rows = memo(screener, "contexts " + ",".join(on), {name: pl.String for name in on},
                    {"ctx": pl.UInt32, "context_reason": pl.String}, context).lookup(rows)
    else:  # no condition, eGFR or pregnancy column: one context for all
        [(ctx, reason)] = context()
        rows = rows.with_columns(ctx=pl.lit(ctx, dtype=pl.UInt32),
                                 context_reason=pl.lit(reason, dtype=pl.String))
    for found in (ages, sexes):
        if found.height:  # a join only when some value is bad
            rows = rows.join(found, on=found.columns[0], how="left", maintain_order="left")
    checks = [pl.when(pl.col("pid") == "").then(pl.lit("empty patient id")),
              *(found.columns[1] for found in (ages, sexes) if found.height), "context_reason",
              pl.when(pl.col("items") == 0).then(pl.lit("empty medication list"))]
    return rows.with_columns(reason=pl.coalesce(checks))


def _reasons(rows: pl.DataFrame, role: str, check) -> pl.DataFrame:
    found = []
    for value in rows.get_column(role).unique().to_list():
        try:
            check(value)
        except RowError as exc:
            found.append((value, str(exc)))
    return pl.DataFrame(found, orient="row",
                        schema={role: pl.String, f"{role}_reason": pl.String})

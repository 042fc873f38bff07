"""Read a block of wide-layout lines into the tables columnar.py screens, and the rejects.

In two halves: parse_wide needs nothing but the block (lines and fields as fields.py reads
them, medication cells split), resolve_wide asks the Screener (pieces and cells resolved, rows
checked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from .cells import contradictions, parse_age, parse_sex
from .columnar import Tables, item_counts, memo, resolve_pieces, with_piece_context
from .fields import WHITESPACE, read_fields
from .screener import Screener
from .tabular import Layout, RowError

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
    found = read_fields(block, layout, encoding)
    fields, data = found.table, found.data
    first, *others = layout.item_separators
    meds = _column(layout, "medications")
    for sep in others:
        if data is None or sep.encode() in data:  # a scan of the bytes is cheaper than a copy
            meds = meds.str.replace_all(sep, first, literal=True)
    pieces = fields.select("p", piece=meds.str.split(first)).explode("piece").with_row_index("pos")
    if "medications" in layout.columns:  # split into pieces: the cells are not needed again
        fields = fields.drop(f"f{layout.columns['medications']}")
    return Parsed(layout, first_line, found.lines, fields, pieces, found.problems, found.blank)


def resolve_wide(parsed: Parsed, screener: Screener) -> Tables:
    """The second half: pieces and cells resolved (once per distinct value), rows checked."""
    fields, problems, first_line = parsed.fields, dict(parsed.problems), parsed.first_line
    pieces = resolve_pieces(screener, parsed.pieces)
    rows, added = with_piece_context(screener, fields.select(
        "p", pid=_column(parsed.layout, "patient").str.strip_chars(WHITESPACE),
        **{role: _column(parsed.layout, role) for role in ROLES[2:]}), pieces)
    present = tuple(role for role in CONTEXT_ROLES if role in parsed.layout.columns
                    or (added and role != "pregnant"))
    rows = checked_rows(rows.join(item_counts(pieces), on="p", how="left", maintain_order="left")
                        .with_columns(pl.col("items", "written").fill_null(0)), screener, present)
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
    odd = contradictions(rows)
    for found in (ages, sexes):
        if found.height:  # a join only when some value is bad
            rows = rows.join(found, on=found.columns[0], how="left", maintain_order="left")
    if odd.height:
        rows = rows.join(odd, on=["pregnant", "age", "sex"], how="left", maintain_order="left")
    checks = [pl.when(pl.col("pid") == "").then(pl.lit("empty patient id")),
              *(found.columns[1] for found in (ages, sexes) if found.height), "context_reason",
              *(["contradiction"] if odd.height else []),
              pl.when(pl.col("written") == 0).then(pl.lit("empty medication list"))]
    return rows.with_columns(reason=pl.coalesce(checks))


def _reasons(rows: pl.DataFrame, role: str, check: Callable[[str], object]) -> pl.DataFrame:
    found = []
    for value in rows.get_column(role).unique().to_list():
        try:
            check(value)
        except RowError as exc:
            found.append((value, str(exc)))
    return pl.DataFrame(found, orient="row",
                        schema={role: pl.String, f"{role}_reason": pl.String})

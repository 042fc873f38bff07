"""Read a clean block of the long layout (a row per patient and medication) as columns.

A block is clean when every line could be read, every row has a patient id and a medication,
every age, sex, eGFR and pregnancy cell is valid, and the patients come in order (order_key).
Its rows are pooled into patients in polars exactly as batch._long pools them one by one:
consecutive rows with one patient id are one patient; medications and conditions are pooled in
order, the lowest eGFR counts, the patient is pregnant if any row says so, and the first age and
sex given count. Any other block is left to batch._long, which says why each bad row is rejected
and where the order breaks.
"""

from __future__ import annotations

import polars as pl

from .columnar import Tables, item_counts, memo, resolve_pieces
from .screen_fields import WHITESPACE, read_fields
from .screening import Screener, parse_age, parse_egfr, parse_pregnant, parse_sex
from .tabular import Layout, RowError

_CHECKS = {"age": parse_age, "sex": parse_sex, "egfr": parse_egfr, "pregnant": parse_pregnant}


def order_key(patient_id: str) -> tuple:
    """Sorted means ascending by this key: numerically when the ids are numbers, else as text."""
    return (0, int(patient_id), patient_id) if patient_id.isdigit() else (1, patient_id)


def read_long(block: bytes, first_line: int, layout: Layout, encoding: str,
              screener: Screener) -> Tables | None:
    """The block's tables, or None when it is not clean."""
    found = read_fields(block, layout, encoding)
    if found.problems or not found.table.height:
        return None
    columns = layout.columns

    def cell(role: str) -> pl.Expr:
        return pl.col(f"f{columns[role]}") if role in columns else pl.lit("")

    rows = found.table.select(
        "p", pid=cell("patient").str.strip_chars(WHITESPACE),
        medication=cell("medication").str.strip_chars(WHITESPACE),
        dose=cell("dose").str.strip_chars(WHITESPACE), conditions=cell("conditions"),
        **{role: cell(role) for role in _CHECKS})
    if ((rows.get_column("pid") == "") | (rows.get_column("medication") == "")).any():
        return None
    values = {}
    for role, check in _CHECKS.items():  # each distinct cell once
        try:
            values[role] = {text: check(text) for text in rows.get_column(role).unique().to_list()}
        except RowError:
            return None
    # q: the patient's number in the block; a patient's first row starts it
    rows = rows.with_columns(start=(pl.col("pid") != pl.col("pid").shift(1)).fill_null(True))
    rows = rows.with_columns(q=(pl.col("start").cum_sum() - 1).cast(pl.UInt32))
    heads = rows.filter("start")
    ids = heads.get_column("pid")
    if not _ascending(ids):
        return None
    patients = heads.select("q", "pid", line=pl.col("p").cast(pl.Int64) + first_line)
    for role in ("age", "sex"):  # the first given
        given = (rows.select("q", pl.col(role).str.strip_chars(WHITESPACE))
                 .filter(pl.col(role) != "").unique("q", keep="first", maintain_order=True))
        patients = patients.join(given, on="q", how="left", maintain_order="left")
    egfr = (rows.select("q", egfr=pl.col("egfr").replace_strict(
        values["egfr"], return_dtype=pl.Float64)).group_by("q").agg(pl.col("egfr").min()))
    pregnant = rows.filter(pl.col("pregnant").replace_strict(
        values["pregnant"], return_dtype=pl.Boolean)).get_column("q").unique()
    patients = (patients.join(egfr, on="q", how="left", maintain_order="left")
                .join(_conditions(rows, screener.separators), on="q", how="left",
                      maintain_order="left")
                .with_columns(pl.col("age", "sex", "conditions").fill_null(""),
                              pregnant=pl.when(pl.col("q").is_in(pregnant.implode()))
                              .then(pl.lit("yes")).otherwise(pl.lit(""))))
    written = {value: repr(value) for value in patients.get_column("egfr").drop_nulls().unique()
               .to_list()}  # as batch._long writes the lowest eGFR for Screener.context_id
    patients = patients.with_columns(egfr=pl.col("egfr").replace_strict(
        written, default=None, return_dtype=pl.String).fill_null(""))
    contexts = memo(screener, "pooled contexts",
                    {"conditions": pl.String, "egfr": pl.String, "pregnant": pl.String},
                    {"ctx": pl.UInt32, "reason": pl.String},
                    lambda *cells: [_context(screener.context_id(*cells))]).lookup(patients)
    if contexts.get_column("reason").is_not_null().any():
        return None
    pieces = resolve_pieces(screener, rows.select(
        p="q", piece=pl.when(pl.col("dose") != "")
        .then(pl.concat_str("medication", pl.lit(" "), "dose"))
        .otherwise("medication")).with_row_index("pos"))
    patients = contexts.select(
        p="q", pid="pid", line="line", ctx="ctx", age="age", sex="sex",
        rejected=pl.lit(0, dtype=pl.Int64)).join(item_counts(pieces), on="p",
                                                 maintain_order="left")
    first, last = ids.item(0), ids.item(-1)
    return Tables(patients, pieces, [], found.blank, rows_screened=rows.height,
                  first_key=order_key(first), last_key=order_key(last))


def _context(found: int | str) -> tuple[int | None, str | None]:
    return (found, None) if isinstance(found, int) else (None, found)


def _conditions(rows: pl.DataFrame, separators: tuple[str, ...]) -> pl.DataFrame:
    """q, conditions: a patient's condition texts, each once in the order first written,
    joined by the first separator (as Screener.split reads a cell)."""
    first, *others = separators
    text = pl.col("conditions")
    for sep in others:
        text = text.str.replace_all(sep, first, literal=True)
    return (rows.select("q", conditions=text.str.split(first)).explode("conditions")
            .with_columns(pl.col("conditions").str.strip_chars(WHITESPACE))
            .filter(pl.col("conditions") != "")
            .unique(maintain_order=True)
            .group_by("q", maintain_order=True).agg("conditions")
            .with_columns(pl.col("conditions").list.join(first)))


def _ascending(ids: pl.Series) -> bool:
    """Whether patient ids are in strictly ascending order_key order, worked out in polars for
    ASCII ids (for others, Python's own isdigit and int decide)."""
    if not ids.str.contains(r"^[\x00-\x7f]*$").all():
        keys = list(map(order_key, ids.to_list()))
        return all(a < b for a, b in zip(keys, keys[1:]))
    frame = pl.DataFrame({"id": ids}).with_columns(
        digits=pl.col("id").str.contains("^[0-9]+$"))
    frame = frame.with_columns(number=pl.when("digits").then(
        pl.col("id").cast(pl.UInt64, strict=False)))
    if (frame.get_column("digits") & frame.get_column("number").is_null()).any():
        keys = list(map(order_key, ids.to_list()))  # too long for 64 bits: Python's int
        return all(a < b for a, b in zip(keys, keys[1:]))
    before = {name: pl.col(name).shift(1) for name in ("id", "digits", "number")}
    after_text = ~before["digits"] & ~pl.col("digits") & (pl.col("id") > before["id"])
    after_number = before["digits"] & (~pl.col("digits") | (pl.col("number") > before["number"])
                                       | ((pl.col("number") == before["number"])
                                          & (pl.col("id") > before["id"])))
    return bool(frame.select((after_text | after_number).slice(1).all()).item())

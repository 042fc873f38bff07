"""Read a block of the long layout (a row per patient and medication) as columns.

Consecutive rows with one patient id are one patient: medications and conditions are pooled in
order, the lowest eGFR counts, the patient is pregnant if any row says so, and the first age and
sex given count. A bad row is rejected with the reason tabular.parse_line or the cell checks
give (each distinct cell is checked once). Blocks come from the file in order (numbered from
their first line) or from the external sort (lines already decoded, each with its own number);
both are read here, by the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ..errors import InputError
from .cells import contradictions, parse_age, parse_egfr, parse_pregnant, parse_sex
from .columnar import Tables, item_counts, memo, resolve_pieces, with_piece_context
from .fields import WHITESPACE, Lines, read_fields
from .screener import Screener
from .tabular import Layout, RowError

_CHECKS = {"age": parse_age, "sex": parse_sex, "egfr": parse_egfr, "pregnant": parse_pregnant}


def order_key(patient_id: str) -> tuple:
    """Sorted means ascending by this key: numerically when the ids are numbers, else as text.
    (isdecimal, not isdigit: '1²' is a digit that int() refuses.)"""
    return (0, int(patient_id), patient_id) if patient_id.isdecimal() else (1, patient_id)


def unsorted_error(key: tuple, before: tuple) -> InputError:
    return InputError(f"patient {key[-1]!r} comes after {before[-1]!r}: the long layout must be "
                      "grouped and sorted by patient id; re-run with --sort (sorts in bounded "
                      "memory with temporary files) or sort the file first")


def read_long(block: bytes | Lines, first_line: int, layout: Layout, encoding: str,
              screener: Screener, numbers: Sequence[int] | None = None) -> Tables:
    """The block's tables. Lines are numbered from ``first_line``, or by ``numbers`` (one per
    line: the sorted blocks'). Patients out of order leave the tables empty but for
    ``violation``, which says where the order breaks."""
    found = read_fields(block, layout, encoding)
    columns = layout.columns

    def line(k: int) -> int:
        return numbers[k] if numbers is not None else first_line + k

    def cell(role: str) -> pl.Expr:
        return pl.col(f"f{columns[role]}") if role in columns else pl.lit("")

    def rejected(frame: pl.DataFrame, reason: pl.Expr | str) -> list[tuple[int, str, str]]:
        return [(line(k), why, found.lines[k])
                for k, why in frame.select("p", reason).iter_rows()]

    rows = found.table.select(
        "p", pid=cell("patient").str.strip_chars(WHITESPACE),
        medication=cell("medication").str.strip_chars(WHITESPACE),
        dose=cell("dose").str.strip_chars(WHITESPACE), conditions=cell("conditions"),
        **{role: cell(role) for role in _CHECKS})
    rejects = [(line(k), why, found.lines[k]) for k, why in found.problems.items()]
    no_id = rows.get_column("pid") == ""
    if no_id.any():  # not a patient's row at all
        rejects += rejected(rows.filter(no_id), pl.lit("empty patient id"))
        rows = rows.filter(~no_id)
    if not rows.height:  # nothing but rejected and blank lines
        empty = pl.DataFrame(schema={"p": pl.UInt32, "piece": pl.String}).with_row_index("pos")
        return Tables(pieces=resolve_pieces(screener, empty), rejects=sorted(rejects),
                      blank=found.blank, rows_screened=0)
    # A row's first problem: an empty medication, then the cells in _CHECKS's order; each
    # distinct cell is checked once.
    checks = [pl.when(pl.col("medication") == "").then(pl.lit("empty medication"))]
    values = {}
    for role, check in _CHECKS.items():
        values[role], bad = {}, {}
        for text in rows.get_column(role).unique().to_list():
            try:
                values[role][text] = check(text)
            except RowError as exc:
                bad[text] = str(exc)
        if bad:
            checks.append(pl.col(role).replace_strict(bad, default=None, return_dtype=pl.String))
    # q: the patient's number in the block; a patient's first row starts it
    rows = rows.with_columns(reason=pl.coalesce(checks),
                             start=(pl.col("pid") != pl.col("pid").shift(1)).fill_null(True))
    rows = rows.with_columns(q=(pl.col("start").cum_sum() - 1).cast(pl.UInt32))
    heads = rows.filter("start")
    ids = heads.get_column("pid")
    if not _ascending(ids):
        return _out_of_order(ids.to_list(), [line(k) for k in heads.get_column("p").to_list()])
    bad_rows = rows.filter(pl.col("reason").is_not_null())
    rejects += rejected(bad_rows, "reason")
    rows = rows.filter(pl.col("reason").is_null())
    starts = (pl.col("p").cast(pl.Int64) + first_line if numbers is None else
              pl.lit(pl.Series(numbers, dtype=pl.Int64)).gather(pl.col("p")))
    patients = heads.select("q", "pid", line=starts).join(
        bad_rows.group_by("q").agg(rejected=pl.len().cast(pl.Int64)), on="q", how="left",
        maintain_order="left")
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
               .to_list()}  # the lowest eGFR as written for Screener.context_id, as a cell
    patients = patients.with_columns(egfr=pl.col("egfr").replace_strict(
        written, default=None, return_dtype=pl.String).fill_null(""))
    pieces = resolve_pieces(screener, rows.select(
        p="q", piece=pl.when(pl.col("dose") != "")
        .then(pl.concat_str("medication", pl.lit(" "), "dose"))
        .otherwise("medication")).with_row_index("pos"))
    contexts, pieces, unusable = _contexts(screener, patients, pieces, rows)
    rejects += rejected(unusable, "reason")
    # The inner join keeps the patients with a row screened (each has a medication).
    patients = contexts.select(
        p="q", pid="pid", line="line", ctx="ctx", age="age", sex="sex",
        rejected=pl.col("rejected").fill_null(0)).join(
        item_counts(pieces).drop("written"), on="p", maintain_order="left")
    return Tables(patients, pieces, sorted(rejects), found.blank,
                  rows_screened=rows.height - unusable.height,
                  first_key=order_key(ids.item(0)), last_key=order_key(ids.item(-1)))


def _contexts(screener: Screener, patients: pl.DataFrame, pieces: pl.DataFrame,
              rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The patients with ``ctx``, their pieces, and the rows (p, reason) of the patients whose
    context cannot be used (an eGFR outside 0-250 written as a medication: they are rejected,
    their pieces dropped). Conditions and eGFR values written as medications join the pooled
    ones, as check.items.read_items adds them."""
    patients, _ = with_piece_context(screener, patients.rename({"q": "p"}), pieces)
    # The cells were checked before, so Screener.context_id answers with a number (a reason
    # only for an eGFR written as a medication outside 0-250).
    contexts = memo(screener, "pooled contexts",
                    {"conditions": pl.String, "egfr": pl.String, "pregnant": pl.String},
                    {"ctx": pl.UInt32, "reason": pl.String},
                    lambda *cells: [(found, None) if isinstance(found, int) else (None, found)
                                    for found in (screener.context_id(*cells),)]
                    ).lookup(patients.rename({"p": "q"}))
    odd = contradictions(contexts)  # pregnant and male, as the patient's rows pool them
    if odd.height:
        contexts = contexts.join(odd, on=["pregnant", "age", "sex"], how="left",
                                 maintain_order="left").with_columns(
            reason=pl.coalesce("reason", "contradiction")).drop("contradiction")
    unusable = contexts.filter(pl.col("reason").is_not_null()).select("q", "reason")
    if not unusable.height:
        return contexts, pieces, pl.DataFrame(schema={"p": pl.UInt32, "reason": pl.String})
    contexts = contexts.filter(pl.col("reason").is_null())
    pieces = pieces.filter(~pl.col("p").is_in(unusable.get_column("q").implode()))
    return contexts, pieces, rows.select("p", "q").join(unusable, on="q", maintain_order="left")


def _out_of_order(ids: list[str], lines: list[int]) -> Tables:
    """Tables that say where the patients' order first breaks (at the first row of the patient
    that comes too late), and whether the block's first patient follows the block before."""
    keys = list(map(order_key, ids))
    at = next(k for k in range(1, len(keys)) if keys[k] <= keys[k - 1])
    return Tables(first_key=keys[0], violation=f"line {lines[at]}: "
                  + str(unsorted_error(keys[at], keys[at - 1])))


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
    """Whether patient ids are in strictly ascending order_key order: worked out in polars for
    ASCII ids whose numbers fit 64 bits, else by order_key itself (Python's isdecimal and int)."""
    if ids.str.contains(r"^[\x00-\x7f]*$").all():
        frame = pl.DataFrame({"id": ids}).with_columns(
            digits=pl.col("id").str.contains("^[0-9]+$"))
        frame = frame.with_columns(number=pl.when("digits").then(
            pl.col("id").cast(pl.UInt64, strict=False)))
        if not (frame.get_column("digits") & frame.get_column("number").is_null()).any():
            before = {name: pl.col(name).shift(1) for name in ("id", "digits", "number")}
            after_text = ~before["digits"] & ~pl.col("digits") & (pl.col("id") > before["id"])
            after_number = before["digits"] & (
                ~pl.col("digits") | (pl.col("number") > before["number"])
                | ((pl.col("number") == before["number"]) & (pl.col("id") > before["id"])))
            return bool(frame.select((after_text | after_number).slice(1).all()).item())
    keys = list(map(order_key, ids.to_list()))
    return all(a < b for a, b in zip(keys, keys[1:]))

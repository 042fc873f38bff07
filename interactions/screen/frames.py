"""Screen a data frame (pandas, Arrow or polars) with the batch engine, inside a data pipeline.

The frame is the wide layout as columns: ``patient_id``, ``medications`` (a delimited string or
a list) and optional ``conditions``, ``egfr``, ``age``, ``sex``, ``pregnant``. The same checks,
tables and joins as ``interactions screen`` run on it (wide.checked_rows, columnar), so the
findings are the file screen's, finding for finding.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import polars as pl

from ..check.engine import Checker
from ..errors import InputError
from .columnar import (
    PATIENT_SCHEMA,
    item_counts,
    resolve_pieces,
    screen_block,
    with_piece_context,
)
from .fields import WHITESPACE
from .formats import REJECT_COLUMNS, frames
from .screener import Screener
from .tabular import ITEM_SEPARATORS
from .wide import ROLES, checked_rows


class FrameResult(NamedTuple):
    findings: Any
    summary: Any
    rejects: Any


_COLUMNS = {"patient": "patient_id", "medications": "medications", "conditions": "conditions",
            "egfr": "egfr", "pregnant": "pregnant", "age": "age", "sex": "sex"}


def screen_frame(batch: Any, checker: Checker | None = None, *,
                 item_separators: tuple[str, ...] = ITEM_SEPARATORS) -> FrameResult:
    """Findings, summary and rejects as frames of the input's kind, with the CSV outputs'
    columns; ``line`` is the 0-based row number; ``item_separators`` split the text cells of
    medications and conditions. pandas and Arrow need ``pip install 'interactions[dataframe]'``."""
    kind = type(batch).__module__.split(".")[0]
    if kind == "pandas":
        frame = pl.from_pandas(batch)
    elif kind == "pyarrow":
        frame = pl.from_arrow(batch)
    elif kind == "polars":
        frame = batch
    else:
        raise InputError(f"screen_frame takes a pandas DataFrame, a pyarrow Table or a polars "
                         f"DataFrame, not {type(batch).__name__}")
    if "patient_id" not in frame.columns or "medications" not in frame.columns:
        raise InputError("screen_frame needs the columns patient_id and medications")
    screener = Screener(checker, item_separators=item_separators)
    first = screener.separators[0]
    cells = {role: _cell(frame, name, first) for role, name in _COLUMNS.items()
             if role != "medications"}
    rows = frame.select(p=pl.int_range(pl.len(), dtype=pl.UInt32),
                        **{role: cells[role] for role in ROLES if role != "medications"})
    pieces = resolve_pieces(screener, rows.select(
        "p", piece=_pieces(frame.get_column("medications"), screener.separators))
        .explode("piece").with_row_index("pos"))
    counts = item_counts(pieces)
    rows, _ = with_piece_context(screener, rows, pieces)
    rows = rows.rename({"patient": "pid"}).with_columns(
        pl.col("pid").str.strip_chars(WHITESPACE)).join(
        counts, on="p", how="left", maintain_order="left").with_columns(
        pl.col("items", "written").fill_null(0).cast(pl.Int64))
    rows = checked_rows(rows, screener)
    patients = rows.filter(pl.col("reason").is_null()).select(
        "p", "pid", line=pl.col("p").cast(pl.Int64), ctx="ctx", age="age", sex="sex",
        rejected=pl.lit(0, dtype=pl.Int64), items="items").cast(PATIENT_SCHEMA)
    bad = rows.filter(pl.col("reason").is_not_null()).select("p", "reason")
    rejects = pl.DataFrame(
        [(k, reason, repr(frame.row(k, named=True))) for k, reason in bad.iter_rows()],
        schema={c: t for c, t in zip(REJECT_COLUMNS, (pl.Int64, pl.String, pl.String))},
        orient="row")
    pieces = pieces.join(patients.select("p"), on="p", maintain_order="left")
    findings, summary = frames(screener.checker.index, screen_block(screener, patients, pieces))
    return FrameResult(*(_as(kind, f) for f in (findings, summary, rejects)))


def _cell(frame: pl.DataFrame, name: str, separator: str) -> pl.Expr:
    """A column as the text a CSV cell would hold: "" for missing, lists joined."""
    if name not in frame.columns:
        return pl.lit("")
    column, dtype = pl.col(name), frame.schema[name]
    if isinstance(dtype, pl.List):
        column = column.list.eval(pl.element().cast(pl.String).fill_null("")).list.join(separator)
    elif dtype.is_float():
        column = column.fill_nan(None).cast(pl.String)
    else:
        column = column.cast(pl.String)
    return column.fill_null("")


def _pieces(column: pl.Series, separators: tuple[str, ...]) -> pl.Series:
    if isinstance(column.dtype, pl.List):
        return column.list.eval(pl.element().cast(pl.String).fill_null("")).fill_null([])
    first, *others = separators
    text = column.cast(pl.String).fill_null("")
    for sep in others:
        text = text.str.replace_all(sep, first, literal=True)
    return text.str.split(first)


def _as(kind: str, frame: pl.DataFrame):
    if kind == "pandas":
        return frame.to_pandas()
    if kind == "pyarrow":
        return frame.to_arrow()
    return frame

"""Screen a Spark DataFrame on a Spark cluster, wide or long layout: ``pip install "interactions[spark]"``.

>>> from interactions.screen.spark import screen
>>> found = screen(spark.read.parquet("claims/")).persist()   # found.findings, .summary, .rejects
>>> found.findings.write.parquet("findings/"); found.summary.write.parquet("summary/")
>>> found.unpersist()

The columns are named as in a patient file (tabular.detect_layout reads the names; ``layout``
and ``columns`` settle what it cannot). Each partition goes through ``mapInArrow``: its Arrow
batches are gathered into blocks and screened by partitions.screen_rows (rendered as CSV lines
by parquet.csv_lines, as the Parquet path renders a file, and read and screened by the file
pipeline's own readers and columnar.screen_block), so the findings are ``screen``'s on the same
table, finding for finding. The rules are compiled once per executor Python process: a
module-level Screener per rules folder (partitions.screener), reused by every partition the
process screens.

Long layout: the rows are repartitioned by patient id (stripped as the readers strip it) and
sorted within each partition as ``screen --sort`` sorts them (long.order_key, then row index),
so a partition holds whole patients, each patient's rows together. ``line`` (summary, rejects)
is the row's 0-based index in the DataFrame, partition by partition as Spark orders them (as
screen_frame and the Parquet path number rows): a first job counts each partition's rows.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from .fields import WHITESPACE
from .parquet import SCHEMAS
from .partitions import KEY, OUTPUTS, ROW, layout_of, screen_rows, screener
from .tabular import Layout

__all__ = ["SparkResult", "screen"]

BLOCK_ROWS = 65_536  # rows screened at once (Spark hands out Arrow batches of 10,000 rows)
_SPARK_TYPES = {pl.String: "string", pl.Int64: "bigint", pl.Float64: "double"}
_POSITION_BITS = 33  # monotonically_increasing_id: partition index << 33 | position in it


@dataclass(frozen=True)
class SparkResult:
    """Findings, summary and rejects (Spark DataFrames with the CSV outputs' columns), all three
    read from ``screened``, one screening with a struct column per output: ``persist()`` before
    computing more than one of them, or each screens the data again."""

    findings: Any
    summary: Any
    rejects: Any
    screened: Any

    def __iter__(self):
        return iter((self.findings, self.summary, self.rejects))

    def persist(self, storage_level: Any = None) -> SparkResult:
        """The screening kept (memory, then disk) once computed, for the three outputs."""
        from pyspark import StorageLevel

        return _result(self.screened.persist(storage_level or StorageLevel.MEMORY_AND_DISK))

    def unpersist(self) -> None:
        self.screened.unpersist()


def screen(df, rules: str | Path | None = None, *, layout: str | None = None,
           columns: dict[str, str | None] | None = None,
           item_separator: str | None = None, block_rows: int = BLOCK_ROWS) -> SparkResult:
    """Findings, summary and rejects of a Spark DataFrame, lazily (nothing is screened until one
    of them is computed; counting the rows to number them runs one job now). ``block_rows``:
    rows screened at once in an executor (more: faster, more memory)."""
    from pyspark.sql import functions as F

    found, used = layout_of(list(df.columns), layout, columns, item_separator)
    frame = df.select(*(_column(name).alias(name) for name in used))
    if found.layout == "long":  # its rows are pooled by id: cast as the key is made
        patient = used[found.columns["patient"]]
        frame = frame.withColumn(patient, F.col(_quoted(patient)).cast("string"))
    frame = _with_row_index(frame)
    if found.layout == "long":
        frame = _grouped(frame, used[found.columns["patient"]])
    rules = str(rules) if rules is not None else None
    work = partial(_screen_partition, layout=found, names=used, rules=rules, block_rows=block_rows)
    return _result(frame.mapInArrow(work, _spark_schema()))


def _result(screened) -> SparkResult:
    return SparkResult(*(screened.where(screened[name].isNotNull()).select(f"{name}.*")
                         for name in OUTPUTS), screened)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _column(name: str):
    from pyspark.sql import functions as F

    return F.col(_quoted(name))


def _with_row_index(frame):
    """ROW: the row's 0-based index, partition by partition (one job counts the partitions'
    rows; the same plan gives the same partitions, so the second pass numbers them alike)."""
    from pyspark.sql import functions as F

    part = F.shiftright(F.monotonically_increasing_id(), _POSITION_BITS)
    counts = dict(frame.select(part.alias("part")).groupBy("part").count().collect())
    offsets, total = [], 0
    for part in range(max(counts, default=-1) + 1):
        offsets.append(total)
        total += counts.get(part, 0)
    if not offsets:
        return frame.withColumn(ROW, F.lit(0).cast("bigint"))
    row = F.col(ROW)  # the id made once per row, then split (each use would be a new counter)
    start = F.element_at(F.array(*(F.lit(o).cast("bigint") for o in offsets)),
                         (F.shiftright(row, _POSITION_BITS) + 1).cast("int"))
    return (frame.withColumn(ROW, F.monotonically_increasing_id())
            .withColumn(ROW, start + row.bitwiseAND(F.lit((1 << _POSITION_BITS) - 1))))


def _grouped(frame, patient: str):
    """Whole patients per partition, their rows together, in the order ``screen --sort`` gives:
    ids that are numbers (str.isdecimal, any script's digits) by value, then as text; the others
    as text after them (Spark compares UTF-8 bytes: code point order, as Python does). The key
    is the id as the reader will see it: CR and LF made spaces (csv_lines), then stripped."""
    from pyspark.sql import functions as F

    space = "".join(f"\\u{ord(c):04x}" for c in WHITESPACE)
    text = F.regexp_replace(F.coalesce(F.col(_quoted(patient)), F.lit("")), "[\\r\\n]", " ")
    frame = frame.withColumn(KEY, F.regexp_replace(text, f"^[{space}]+|[{space}]+$", ""))
    digits = [chr(c) for c in range(128, sys.maxunicode + 1) if chr(c).isdecimal()]
    ascii_digits = F.translate(KEY, "".join(digits), "".join(str(int(d)) for d in digits))
    number = F.when(ascii_digits.rlike("^[0-9]+$"), F.regexp_replace(ascii_digits, "^0+", ""))
    return (frame.repartition(F.col(KEY))
            .sortWithinPartitions(number.isNull(), F.length(number), number, F.col(KEY),
                                  F.col(ROW)))


def _spark_schema() -> str:
    return ", ".join(f"{name} struct<" + ", ".join(
        f"{column}: {_SPARK_TYPES[kind]}" for column, kind in SCHEMAS[name].items()) + ">"
        for name in OUTPUTS)


def _screen_partition(batches: Iterator, layout: Layout, names: list[str], rules: str | None,
                      block_rows: int) -> Iterator:
    """mapInArrow's function: a partition's batches in, the three outputs' rows out."""
    import pyarrow as pa

    arrow = {pl.String: pa.string(), pl.Int64: pa.int64(), pl.Float64: pa.float64()}
    schema = pa.schema([(name, pa.struct([(c, arrow[t]) for c, t in SCHEMAS[name].items()]))
                        for name in OUTPUTS])
    found = screener(rules, layout.item_separators)
    for block in _blocks(batches, layout.layout == "long", block_rows):
        for k, frame in enumerate(screen_rows(block, layout, names, found)):
            if frame.height:
                yield from _output(frame, k).to_arrow().cast(schema).to_batches()


def _blocks(batches: Iterator, whole_patients: bool, size: int) -> Iterator[pl.DataFrame]:
    """Spark's batches gathered into blocks of about ``size`` rows; with ``whole_patients``
    cut before the last patient's rows, which may go on in the next batch."""
    held: list[pl.DataFrame] = []
    rows = 0
    for batch in batches:
        held.append(pl.from_arrow(batch))
        rows += batch.num_rows
        if rows < size:
            continue
        block = pl.concat(held)
        held, rows = [], 0
        if whole_patients:
            keys = block.get_column(KEY)
            last = int((keys == keys[-1]).sum())  # a patient's rows come together
            if last == block.height:
                held, rows = [block], block.height
                continue
            held, rows = [block.tail(last)], last
            block = block.head(block.height - last)
        yield block
    if rows:
        yield pl.concat(held)


def _output(frame: pl.DataFrame, k: int) -> pl.DataFrame:
    """Rows of output ``k`` as the combined schema: its struct column, the others null."""
    typed = frame.cast(SCHEMAS[OUTPUTS[k]])
    return typed.select([pl.struct(pl.all()).alias(name) if i == k
                         else pl.lit(None, dtype=pl.Struct(SCHEMAS[name])).alias(name)
                         for i, name in enumerate(OUTPUTS)])

"""Parquet and Arrow IPC (Feather) in and out for ``screen``.

In: the file is read a record batch at a time (``pyarrow.parquet.ParquetFile.iter_batches``,
``pyarrow.ipc``) and each batch is rendered as CSV lines, one line per row, which the CSV
pipeline then cuts into blocks and screens. So a Parquet file goes through exactly the code a
CSV file does — layouts, long-layout pooling and ordering, checks and rejects — and its findings
are the CSV file's, finding for finding; memory holds one batch and the pipeline's blocks.
List cells are joined with the item separator; CR and LF inside a text cell become spaces
(a CSV record is one physical line).

Out: the pipeline writes JSON lines to a temporary file beside each output; they are then
converted 32 MB of lines at a time (polars parses, pyarrow's Parquet/IPC writer appends) into
typed columns, those of ``screen_frame``, under a temporary name renamed when complete. ``line``
is the 0-based row index of the input when the input is Parquet/Arrow (as ``screen_frame``'s),
the input line number otherwise.

pyarrow is needed (``pip install "interactions[dataframe]"``): polars alone reads a Parquet file
whole or through its lazy engine, neither of which hands out row-group batches that keep the
row order and a bounded memory as the CSV pipeline needs them.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl

from ..errors import InputError
from .formats import FINDING_COLUMNS, REJECT_COLUMNS, SUMMARY_COLUMNS

PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".arrow", ".feather", ".ipc", ".arrows")
COLUMNAR_FORMATS = ("parquet", "arrow")
BATCH_ROWS = 65_536  # rows per record batch read (a row group is read in pieces of this size)
CONVERT_BYTES = 32 << 20  # JSON lines converted to Parquet/Arrow at a time
FIRST_LINE = 2  # the CSV rendering's first data line: the row index is line - FIRST_LINE

_FINDING_TYPES = {"clinical_significance": pl.Int64, "drug_before_hours": pl.Float64,
                  "drug_after_hours": pl.Float64}
SCHEMAS = {
    "findings": {c: _FINDING_TYPES.get(c, pl.String) for c in FINDING_COLUMNS},
    "summary": {c: (pl.String if c in ("patient_id", "highest_severity", "unrecognised_items")
                    else pl.Int64) for c in SUMMARY_COLUMNS},
    "rejects": {"line": pl.Int64, "reason": pl.String, "raw": pl.String},
}
assert tuple(SCHEMAS["rejects"]) == REJECT_COLUMNS


def input_format(source: str | Path) -> str | None:
    """"parquet" or "arrow" when the file's suffix says so, else None (CSV/TSV)."""
    suffix = Path(str(source)).suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in ARROW_SUFFIXES:
        return "arrow"
    return None


def output_format(path: str | Path | None, chosen: str | None) -> str:
    """The output format: the one chosen, else the findings file's suffix, else csv."""
    if chosen:
        return chosen
    if path is None or str(path) == "-":
        return "csv"
    return input_format(path) or "csv"  # only Parquet/Arrow suffixes choose: a CSV is a CSV


def _batches(source: str | Path, kind: str, batch_rows: int) -> tuple[list[str], Iterator]:
    try:
        import pyarrow as pa
        import pyarrow.ipc
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the dataframe extra is missing
        raise InputError('reading Parquet/Arrow needs pyarrow: pip install '
                         '"interactions[dataframe]"') from None
    try:
        if kind == "parquet":
            file = pq.ParquetFile(str(source))
            names = file.schema_arrow.names
            return names, file.iter_batches(batch_size=batch_rows)
        try:
            reader = pa.ipc.open_file(str(source))
            names = reader.schema.names
            return names, (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            stream = pa.ipc.open_stream(str(source))
            return stream.schema.names, iter(stream)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"cannot read {source}: {exc}") from None


def csv_lines(frame: pl.DataFrame, separator: str) -> bytes:
    """One CSV line per row: lists joined, CR/LF in text turned to spaces, nulls empty. The
    Spark and Dask adapters render their partitions with it too (partitions.screen_rows), so
    all read rows alike."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array):
            column = column.cast(pl.List(pl.String)).list.join(separator)
        elif dtype == pl.String or dtype == pl.Categorical or dtype == pl.Enum:
            column = column.cast(pl.String)
        elif dtype.is_float():
            column = column.fill_nan(None).cast(pl.String)
        else:
            column = column.cast(pl.String)
        exprs.append(column.str.replace_all(r"[\r\n]", " ").alias(name))
    return frame.select(exprs).write_csv(include_header=False, line_terminator="\n").encode()


class _Stream(io.RawIOBase):
    """A readable binary stream over a generator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def csv_stream(source: str | Path, kind: str, item_separator: str | None = None,
               batch_rows: int = BATCH_ROWS) -> IO[bytes]:
    """The Parquet/Arrow file as the bytes of a CSV file (header line first), batch by batch."""
    names, batches = _batches(source, kind, batch_rows)
    separator = item_separator or ";"
    header = pl.DataFrame({n: [] for n in names}, schema={n: pl.String for n in names})

    def chunks() -> Iterator[bytes]:
        yield header.write_csv(include_header=True, line_terminator="\n").encode()
        for batch in batches:
            if batch.num_rows:
                yield csv_lines(pl.from_arrow(batch), separator)

    return io.BufferedReader(_Stream(chunks()), buffer_size=1 << 20)


class ColumnarOutput:
    """A Parquet/Arrow output: the pipeline writes JSON lines to ``staging``; ``finish``
    streams them into the target under a temporary name and renames it into place."""

    def __init__(self, target: str | Path, what: str, fmt: str, row_index: bool):
        self.target, self.what, self.fmt, self.row_index = Path(target), what, fmt, row_index
        handle, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".jsonl",
                                        dir=self.target.parent)
        os.close(handle)
        self.staging = Path(name)

    def finish(self) -> None:
        schema = SCHEMAS[self.what]
        read = {c: (pl.List(pl.String) if c == "unrecognised_items" else t)
                for c, t in schema.items()}
        handle, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part",
                                        dir=self.target.parent)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)  # as open() would: mkstemp's 0600 would surprise
        os.close(handle)
        try:
            self._convert(read, name)
            os.replace(name, self.target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        finally:
            self.staging.unlink(missing_ok=True)

    def _convert(self, read: dict, name: str) -> None:
        """JSON lines to Parquet/Arrow a chunk at a time: memory holds one chunk."""
        import pyarrow as pa
        import pyarrow.ipc
        import pyarrow.parquet as pq

        arrow_schema = pl.DataFrame(schema=self._typed(pl.DataFrame(schema=read)).schema
                                    ).to_arrow().schema
        if self.fmt == "parquet":
            writer = pq.ParquetWriter(name, arrow_schema)
        else:
            writer = pa.ipc.new_file(name, arrow_schema)
        with writer, open(self.staging, "rb") as staged:
            while True:
                chunk = staged.read(CONVERT_BYTES)
                if not chunk:
                    break
                chunk += staged.readline()  # whole lines
                frame = self._typed(pl.read_ndjson(io.BytesIO(chunk), schema=read))
                writer.write_table(frame.to_arrow().cast(arrow_schema))

    def _typed(self, frame: pl.DataFrame) -> pl.DataFrame:
        if "unrecognised_items" in frame.columns:
            frame = frame.with_columns(pl.col("unrecognised_items").list.join("; "))
        if self.row_index and "line" in frame.columns:
            frame = frame.with_columns(pl.col("line") - FIRST_LINE)
        return frame

    def discard(self) -> None:
        self.staging.unlink(missing_ok=True)

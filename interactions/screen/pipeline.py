"""Screen a patient file: blocks of lines in, findings, summaries and rejects out, in input order.

The input is cut into blocks of whole lines (blocks.py, sort.py); each block is screened on its
own, in this process or in worker processes (workers.py), and the results are written here, in
block order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from ..errors import InputError
from ..files import AtomicOutput, distinct_outputs
from .blocks import Block, cut_blocks
from .formats import (
    FINDING_COLUMNS,
    FORMATS,
    REJECT_COLUMNS,
    SUMMARY_COLUMNS,
    write_lines,
)
from .long import unsorted_error
from .options import ScreenOptions
from .tabular import Layout, detect_layout, open_input, read_header
from .workers import REJECTS_SHOWN, BlockResult, Counts, results

__all__ = ["ScreenOptions", "ScreenResult", "screen_file"]

Outputs = tuple[IO[bytes], IO[bytes] | None, IO[bytes] | None]  # findings, summary, rejects
# (bytes read, input size when known, patients screened so far): called as the input is read and
# after each block is screened, so the last call has every patient.
Progress = Callable[[int, int | None, int], None]


@dataclass
class ScreenResult:
    """The account of a run: every data row is screened or rejected."""

    layout: str = "wide"
    rows_read: int = 0
    rows_screened: int = 0
    rows_rejected: int = 0
    blank_lines: int = 0
    patients: int = 0
    findings: int = 0
    patients_with_findings: int = 0
    patients_with_unrecognised: int = 0
    first_rejects: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the account cannot vouch for

    @property
    def exit_code(self) -> int:
        """As ``check``: 1 at least one finding; 3 no finding, but unrecognised items or rejected
        rows (not safe either, and a pipeline can tell it from a finding); 0 all clear."""
        if self.findings:
            return 1
        return 3 if self.patients_with_unrecognised or self.rows_rejected else 0

    def account(self) -> str:
        if self.layout == "wide":
            balance = (f"{self.rows_read:,} rows read = {self.patients:,} patients screened + "
                       f"{self.rows_rejected:,} rows rejected")
        else:
            balance = (f"{self.rows_read:,} rows read = {self.rows_screened:,} rows screened "
                       f"({self.patients:,} patients) + {self.rows_rejected:,} rows rejected")
        blank = f"; {_count(self.blank_lines, 'blank line')} skipped" if self.blank_lines else ""
        return (f"screen: {balance}{blank}; {_count(self.findings, 'finding')} for "
                f"{_count(self.patients_with_findings, 'patient')}; "
                f"{_count(self.patients_with_unrecognised, 'patient')} with unrecognised items")


class _Meter:
    """What the caller's progress callback hears: bytes read (from the reader, as it cuts blocks)
    with the patients screened (from the results, block by block). Both come in the thread that
    runs screen_file, so the counts only ever grow."""

    def __init__(self, progress: Progress, size: int | None):
        self.progress, self.size, self.done, self.patients = progress, size, 0, 0

    def read(self, done: int, size: int | None) -> None:
        self.done = done
        self.progress(done, size, self.patients)

    def screened(self, patients: int) -> None:
        self.patients = patients
        self.progress(self.done, self.size, patients)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def screen_file(source: str | Path, findings: str | Path | None = None, *,
                summary: str | Path | None = None, rejects: str | Path | None = None,
                options: ScreenOptions = ScreenOptions(),
                progress: Progress | None = None) -> ScreenResult:
    """Screen a CSV/TSV (optionally gzipped) patient file; outputs are replaced atomically.

    ``findings`` None or "-" writes to stdout. Raises InputError for an unusable file (no header,
    unknown columns, long layout out of patient order without ``sort``). ``progress`` (see
    Progress) hears the bytes read and the patients screened.

    A ``.parquet``/``.arrow``/``.feather`` source is read batch by batch; Parquet/Arrow outputs
    (``output_format`` "parquet"/"arrow", or a findings path with that suffix) see parquet.py."""
    distinct_outputs({"the input": source}, {
        "the findings (-o)": findings,
        **({"--summary": summary} if summary else {}), **({"--rejects": rejects} if rejects else {})})
    from . import parquet

    out_format = parquet.output_format(findings, None if options.output_format == "csv"
                                       else options.output_format)
    kind = parquet.input_format(source)
    if out_format in parquet.COLUMNAR_FORMATS:
        return _screen_columnar(source, findings, summary, rejects, options, progress,
                                out_format, kind is not None)
    for path in (summary, rejects):
        if path and parquet.input_format(path):
            raise InputError(f"{path}: a Parquet/Arrow summary or rejects file needs the "
                             f"findings in Parquet/Arrow too (-o FILE.parquet, --format parquet)")
    if out_format != options.output_format:
        options = replace(options, output_format=out_format)
    if kind is not None:
        stream: IO[bytes] = parquet.csv_stream(source, kind, options.item_separator)
        size = None
    else:
        stream, size = open_input(source)
    try:
        header, header_bytes = read_header(stream, options.encoding)
        layout = detect_layout(header, delimiter=options.delimiter, layout=options.layout,
                               item_separator=options.item_separator, columns=options.columns)
        meter = _Meter(progress, size) if progress else None
        blocks = cut_blocks(stream, layout, options, header_bytes, meter and meter.read, size)
        with AtomicOutput(findings) as f_out, \
                AtomicOutput(summary) if summary else nullcontext() as s_out, \
                AtomicOutput(rejects) if rejects else nullcontext() as r_out:
            result = _run(blocks, layout, options, (f_out, s_out, r_out), meter)
        if size is not None:
            result.warnings += _shrunk(stream, size)
        return result
    finally:
        if str(source) != "-":
            stream.close()


def _shrunk(stream: IO[bytes], size: int) -> list[str]:
    """A warning when the input file is shorter now than when it was opened (cut or replaced by
    another program while it was read): the lines past its new end were never read, so the
    account cannot include them."""
    now = os.fstat(stream.fileno()).st_size
    if now >= size:
        return []
    return [f"the input shrank from {size:,} to {now:,} bytes while it was read: what was past "
            f"byte {now:,} was not read and is not in the account"]


def _screen_columnar(source, findings, summary, rejects, options: ScreenOptions,
                     progress: Progress | None, fmt: str, row_index: bool) -> ScreenResult:
    """Outputs in Parquet/Arrow: JSON lines staged beside each output, then converted."""
    from .parquet import ColumnarOutput

    if findings is None or str(findings) == "-":
        raise InputError(f"{fmt} output needs a findings file (-o FILE), not stdout")
    from .parquet import input_format

    # Each output in its own suffix's format (.parquet, .arrow/.feather), else the chosen one.
    outs = [ColumnarOutput(path, what, input_format(path) or fmt, row_index) if path else None
            for path, what in ((findings, "findings"), (summary, "summary"),
                               (rejects, "rejects"))]
    try:
        result = screen_file(source, outs[0].staging,
                             summary=outs[1].staging if outs[1] else None,
                             rejects=outs[2].staging if outs[2] else None,
                             options=replace(options, output_format="jsonl"), progress=progress)
        for out in outs:
            if out is not None:
                out.finish()
    finally:
        for out in outs:
            if out is not None:
                out.discard()
    return result


def _run(blocks: Iterable[Block], layout: Layout, options: ScreenOptions,
         outs: Outputs, meter: _Meter | None = None) -> ScreenResult:
    result = ScreenResult(layout=layout.layout)
    header = FORMATS[options.output_format].header
    for out, columns in zip(outs, (FINDING_COLUMNS, SUMMARY_COLUMNS, REJECT_COLUMNS)):
        if out is not None:
            out.write(header(columns).encode())
    last_key = None
    # Output is written by a thread of its own, a block behind the screening: the write of one
    # block overlaps the screening of the next, and at most one block waits in memory.
    with ThreadPoolExecutor(max_workers=1) as writer:
        writing: Future[None] | None = None
        for part in results(blocks, layout, options):
            if last_key is not None and part.first_key is not None and part.first_key <= last_key:
                raise unsorted_error(part.first_key, last_key)
            if part.violation:
                raise InputError(part.violation)
            last_key = part.last_key or last_key
            if writing is not None:
                writing.result()
            writing = writer.submit(_write, outs, part)
            _tally(result, part)
            if meter:
                meter.screened(result.patients)
        if writing is not None:
            writing.result()
    result.rows_read = result.rows_screened + result.rows_rejected
    return result


def _write(outs: Outputs, part: BlockResult) -> None:
    made = part.lines() if callable(part.lines) else part.lines
    for out, lines in zip(outs, (*made, part.rejects)):
        if out is not None:
            write_lines(lines, out)


def _tally(result: ScreenResult, part: BlockResult) -> None:
    for name in Counts._fields:  # the same names as ScreenResult's
        setattr(result, name, getattr(result, name) + getattr(part.counts, name))
    room = REJECTS_SHOWN - len(result.first_rejects)
    result.first_rejects += part.first_rejects[:max(room, 0)]

"""Screen a patient file: blocks of lines in, findings, summaries and rejects out, in input order.

The input is cut into blocks of whole lines (whole patients, in the long layout); each block is
screened on its own, in this process or in worker processes, and the results are written in
block order. The same blocks are cut whatever ``jobs`` is, so the output is byte-identical.
"""

from __future__ import annotations

import gc
import heapq
import multiprocessing
import pickle
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polars as pl

from .columnar import Tables, screen_block
from ..errors import InputError
from ..knowledge.index import load_index
from ..check.engine import Checker
from .formats import FINDING_COLUMNS, FORMATS, REJECT_COLUMNS, SUMMARY_COLUMNS, \
    lines_bytes, write_lines
from .fields import WHITESPACE, Lines, read_fields
from .process import collector_settings
from .long import order_key, read_long, unsorted_error
from .wide import parse_wide, resolve_wide
from .screener import CACHE_LIMIT, Screener
from .tabular import AtomicOutput, Layout, RowError, detect_layout, neutralise, open_input, \
    parse_line, raw_for_rejects, read_blocks, read_header

REJECTS_SHOWN = 10


@dataclass(frozen=True)
class ScreenOptions:
    encoding: str = "utf-8"
    delimiter: str | None = None
    layout: str | None = None
    item_separator: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    output_format: str = "csv"
    sort: bool = False
    jobs: int = 1
    rules: Path | None = None
    # Tuning: none of these changes a byte of output.
    block_bytes: int = 6 << 20  # read size and unit of work: bigger blocks screen faster but
    #                             hold more memory
    cache_limit: int = CACHE_LIMIT  # distinct strings the Screener keeps before it starts afresh
    sort_run_lines: int = 200_000  # lines sorted in memory at a time by --sort
    sort_batch: int = 2_000  # lines per pickled batch in a sorted run (what a merge holds per run)
    sorted_block_lines: int = 10_000  # lines per block of sorted input (whole patients)


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

    @property
    def exit_code(self) -> int:
        """As ``check``: 1 when anything needs a look (findings, unrecognised, rejected rows)."""
        return 1 if self.findings or self.patients_with_unrecognised or self.rows_rejected else 0

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


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


@dataclass
class _Block:
    payload: bytes | Lines  # Lines: the external sort's, each numbered in ``numbers``
    # None: the line after the block before's last, found by whoever reads the blocks in order
    # (see _pipelined).
    first_line: int | None
    numbers: list[int] | None = None


@dataclass
class _BlockResult:
    # The findings and summary lines (see screen_format.write_lines), or in this process a
    # function that makes them: the writer thread calls it, so making the output of one block
    # overlaps screening the next.
    lines: Callable[[], tuple] | tuple[bytes | None, bytes | None]
    rejects: bytes
    counts: list[int]  # rows screened, rejected, blank, patients, findings, with findings, unrec
    first_rejects: list[tuple[int, str]]
    first_key: tuple | None = None
    last_key: tuple | None = None
    violation: str | None = None


def screen_file(source: str | Path, findings: str | Path | None = None, *,
                summary: str | Path | None = None, rejects: str | Path | None = None,
                options: ScreenOptions = ScreenOptions(),
                progress: Callable[[int, int | None], None] | None = None) -> ScreenResult:
    """Screen a CSV/TSV (optionally gzipped) patient file; outputs are replaced atomically.

    ``findings`` None or "-" writes to stdout. Raises InputError for an unusable file (no header,
    unknown columns, long layout out of patient order without ``sort``)."""
    stream, size = open_input(source)
    try:
        header, header_bytes = read_header(stream, options.encoding)
        layout = detect_layout(header, delimiter=options.delimiter, layout=options.layout,
                               item_separator=options.item_separator, columns=options.columns)
        blocks = _blocks(stream, layout, options, header_bytes, progress, size)
        with AtomicOutput(findings) as f_out, AtomicOutput(summary) if summary else _Null() as s_out, \
                AtomicOutput(rejects) if rejects else _Null() as r_out:
            return _run(blocks, layout, options, (f_out, s_out, r_out))
    finally:
        if str(source) != "-":
            stream.close()


class _Null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


def _run(blocks: Iterable[_Block], layout: Layout, options: ScreenOptions, outs) -> ScreenResult:
    result = ScreenResult(layout=layout.layout)
    header = FORMATS[options.output_format].header
    for out, columns in zip(outs, (FINDING_COLUMNS, SUMMARY_COLUMNS, REJECT_COLUMNS)):
        if out is not None:
            out.write(header(columns).encode())
    last_key = None
    # Output is written by a thread of its own, a block behind the screening: the write of one
    # block overlaps the screening of the next, and at most one block waits in memory.
    with ThreadPoolExecutor(max_workers=1) as writer:
        writing = None
        for part in _results(blocks, layout, options):
            if last_key is not None and part.first_key is not None and part.first_key <= last_key:
                raise unsorted_error(part.first_key, last_key)
            if part.violation:
                raise InputError(part.violation)
            last_key = part.last_key or last_key
            if writing is not None:
                writing.result()
            writing = writer.submit(_write, outs, part)
            _tally(result, part)
        if writing is not None:
            writing.result()
    result.rows_read = result.rows_screened + result.rows_rejected
    return result


def _write(outs, part: _BlockResult) -> None:
    made = part.lines() if callable(part.lines) else part.lines
    for out, lines in zip(outs, (*made, part.rejects)):
        if out is not None:
            write_lines(lines, out)


def _tally(result: ScreenResult, part: _BlockResult) -> None:
    (screened, rejected, blank, patients, findings, with_findings, unrec) = part.counts
    result.rows_screened += screened
    result.rows_rejected += rejected
    result.blank_lines += blank
    result.patients += patients
    result.findings += findings
    result.patients_with_findings += with_findings
    result.patients_with_unrecognised += unrec
    room = REJECTS_SHOWN - len(result.first_rejects)
    result.first_rejects += part.first_rejects[:max(room, 0)]


# --- cutting the input into blocks ---------------------------------------------------------------

def _blocks(stream, layout: Layout, options: ScreenOptions, done: int, progress,
            size: int | None) -> Iterator[_Block]:
    if layout.layout == "long" and options.sort:
        yield from _sorted_blocks(stream, layout, options, done, progress, size)
        return
    # Wide blocks screened in this process are numbered by the reader, which counts their lines
    # as it cuts them; counting here would be another pass over every byte under Python's lock.
    count = layout.layout == "long" or options.jobs > 1
    line: int | None = 2
    carry = b""
    for data in read_blocks(stream, options.block_bytes):
        done += len(data)
        data = carry + data
        if layout.layout == "long":
            data, carry = _split_tail(data, layout, options.encoding)
            if not data:
                continue
        yield _Block(data, line)
        line = line + data.count(b"\n") if count else None
        if progress:
            progress(done, size)
    if carry:
        yield _Block(carry, line)


def _split_tail(data: bytes, layout: Layout, encoding: str) -> tuple[bytes, bytes]:
    """Cut before the last patient's rows, which may go on in the next block."""
    last = None
    end = len(data)
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        pid = _pid(data[start:end], layout, encoding)
        if pid is not None:
            if last is None:
                last = pid
            elif pid != last:
                return data[:end], data[end:]
        end = start
    return b"", data


def _pid(raw: bytes, layout: Layout, encoding: str) -> str | None:
    try:
        return parse_line(raw.decode(encoding).rstrip("\r\n"),
                          layout)[layout.columns["patient"]].strip() or None
    except (UnicodeDecodeError, RowError):
        return None


def _sorted_blocks(stream, layout: Layout, options: ScreenOptions, done: int, progress,
                   size: int | None) -> Iterator[_Block]:
    """External sort by patient: sorted runs in temporary files, merged lazily. Lines are read
    as long.read_long reads them; those without a patient id (blank, unreadable, or the id
    empty) go ahead as blocks of their own, to be rejected (or counted) with their line
    numbers."""
    pid = pl.col(f"f{layout.columns['patient']}").str.strip_chars(WHITESPACE)
    with tempfile.TemporaryDirectory(prefix="interactions-sort-") as folder:
        runs: list[Path] = []
        run: list[tuple] = []
        line = 2
        for data in read_blocks(stream, options.block_bytes):
            done += len(data)
            found = read_fields(data, layout, options.encoding)
            texts = pl.Series(found.lines, dtype=pl.String)
            rows = found.table.select("p", pid=pid).filter(pl.col("pid") != "")
            for offset, patient, text in zip(rows.get_column("p").to_list(),
                                             rows.get_column("pid").to_list(),
                                             texts.gather(rows.get_column("p")).to_list()):
                run.append((order_key(patient), line + offset, text))
            if rows.height < len(texts):
                lost = pl.int_range(len(texts), dtype=pl.UInt32, eager=True)
                lost = lost.filter(~lost.is_in(rows.get_column("p").implode())).to_list()
                yield _Block(Lines(texts.gather(lost).to_list(),
                                   {k: found.problems[p] for k, p in enumerate(lost)
                                    if p in found.problems}),
                             0, [line + p for p in lost])
            line += len(texts)
            if len(run) >= options.sort_run_lines:
                runs.append(_write_run(run, folder, len(runs), options.sort_batch))
                run = []
            if progress:
                progress(done, size)
        run.sort()
        merged = heapq.merge(*(_read_run(path) for path in runs), run)
        lines, numbers, key = [], [], None
        for item in merged:
            if len(lines) >= options.sorted_block_lines and item[0] != key:
                yield _Block(Lines(lines), 0, numbers)
                lines, numbers = [], []
            key = item[0]
            lines.append(item[2])
            numbers.append(item[1])
        if lines:
            yield _Block(Lines(lines), 0, numbers)


def _write_run(run: list[tuple], folder: str, number: int, batch: int) -> Path:
    run.sort()
    path = Path(folder) / f"run-{number}.pickle"
    with path.open("wb") as fh:
        for start in range(0, len(run), batch):
            pickle.dump(run[start:start + batch], fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read_run(path: Path) -> Iterator[tuple]:
    with path.open("rb") as fh:
        while True:
            try:
                yield from pickle.load(fh)
            except EOFError:
                return


# --- screening blocks, here or in worker processes ----------------------------------------------

_worker: dict = {}


def _same(text: str) -> str:
    return text


def _init_worker(layout: Layout, options: ScreenOptions, inline: bool = False,
                 collector: tuple[tuple[int, ...], bool] | None = None) -> None:
    """Set up screening in this process; ``inline``: here, not in a worker process, which is
    given its parent's ``collector`` settings (see process.py)."""
    if collector is not None:
        gc.set_threshold(*collector[0])
    checker = Checker(load_index(options.rules))
    if collector is not None and collector[1]:
        gc.freeze()  # the rules, as the parent froze what it had loaded
    safe = neutralise if options.output_format == "csv" else _same
    _worker.update(layout=layout, options=options, safe=safe, inline=inline,
                   rows=FORMATS[options.output_format](checker.index),
                   screener=Screener(checker, neutralise=safe,
                                     item_separators=layout.item_separators,
                                     cache_limit=options.cache_limit))


def _results(blocks: Iterable[_Block], layout: Layout, options: ScreenOptions) -> Iterator[_BlockResult]:
    if options.jobs <= 1:
        _init_worker(layout, options, inline=True)
        yield from _pipelined(blocks)
        return
    # Fresh worker processes, never forked ones: a fork copies polars' thread pool in whatever
    # state it is, and can deadlock.
    context = multiprocessing.get_context("spawn")
    with context.Pool(options.jobs, _init_worker,
                      (layout, options, False, collector_settings())) as pool:
        pending: deque = deque()
        for block in blocks:
            pending.append(pool.apply_async(_screen_block, (block,)))
            if len(pending) >= 2 * options.jobs:  # bounded: never read far ahead of the writer
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _pipelined(blocks: Iterable[_Block]) -> Iterator[_BlockResult]:
    """Read a block in this thread while a thread of its own screens the block before (and the
    writer thread writes the one before that, see _run): most of the work is polars', which
    runs outside Python's lock. Reading and screening keep to the Screener state each owns (see
    Screener); when it is full, screening finishes before it is reset."""
    screener: Screener = _worker["screener"]
    line = None  # the first line of the block after the one just read
    with ThreadPoolExecutor(max_workers=1) as screening:
        pending = None
        for block in blocks:
            if screener.full():
                if pending is not None:
                    yield pending.result()
                    pending = None
                screener.reset()
            if block.first_line is None:
                block.first_line = line
            tables = _read_block(block)
            line = block.first_line + tables.lines
            if pending is not None:
                yield pending.result()
            pending = screening.submit(_finish_block, tables)
        if pending is not None:
            yield pending.result()


def _screen_block(block: _Block) -> _BlockResult:
    """A block, read and screened, in a worker process."""
    screener: Screener = _worker["screener"]
    if screener.full():
        screener.reset()
    return _finish_block(_read_block(block))


def _read_block(block: _Block) -> Tables:
    layout: Layout = _worker["layout"]
    encoding = _worker["options"].encoding
    screener: Screener = _worker["screener"]
    if layout.layout == "wide":
        return resolve_wide(parse_wide(block.payload, block.first_line, layout, encoding),
                            screener)
    return read_long(block.payload, block.first_line, layout, encoding, screener, block.numbers)


def _finish_block(tables: Tables) -> _BlockResult:
    """Screen a block's tables; the output lines are made later (in this process, by the writer
    thread) or now (in a worker process, which sends bytes back)."""
    rows = _worker["rows"]
    if tables.violation:  # the run stops here: nothing of this block is written
        return _BlockResult((None, None), b"", [0] * 7, [], tables.first_key, None,
                            tables.violation)
    screened = screen_block(_worker["screener"], tables.patients, tables.pieces)
    if not tables.patients.height:
        lines = (None, None)
    elif _worker["inline"]:
        lines = partial(rows.block, screened)
    else:
        lines = tuple(map(lines_bytes, rows.block(screened)))
    rejects = "".join(rows.reject(line, reason, raw_for_rejects(raw))
                      for line, reason, raw in tables.rejects)
    patients = screened.patients
    counts = [patients.height if tables.rows_screened is None else tables.rows_screened,
              len(tables.rejects), tables.blank, patients.height, screened.matches.height,
              patients.filter(pl.col("findings") > 0).height,
              patients.filter(pl.col("unrecognised") > 0).height]
    return _BlockResult(lines, rejects.encode(), counts,
                        [(line, reason) for line, reason, _ in tables.rejects[:REJECTS_SHOWN]],
                        tables.first_key, tables.last_key, tables.violation)

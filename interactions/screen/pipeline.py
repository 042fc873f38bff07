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

from .columnar import PATIENT_SCHEMA, Tables, item_counts, resolve_pieces, screen_block
from ..errors import InputError
from ..knowledge.index import load_index
from ..check.engine import Checker
from .formats import FINDING_COLUMNS, FORMATS, REJECT_COLUMNS, SUMMARY_COLUMNS, \
    lines_bytes, write_lines
from .long import order_key, read_long
from .wide import parse_wide, resolve_wide
from .screener import Screener, parse_age, parse_egfr, parse_pregnant, parse_sex
from .tabular import AtomicOutput, Layout, RowError, decode_lines, detect_layout, neutralise, \
    open_input, parse_line, raw_for_rejects, read_blocks, read_header

SORT_RUN_LINES = 200_000  # lines sorted in memory at a time by --sort
SORT_BATCH = 2_000  # lines per pickled batch in a sorted run (what a merge holds per run)
SORTED_BLOCK_LINES = 10_000
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
    payload: bytes | list[str]
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
                raise _unsorted(part.first_key, last_key)
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


def _unsorted(key: tuple, before: tuple) -> InputError:
    return InputError(f"patient {key[-1]!r} comes after {before[-1]!r}: the long layout must be "
                      "grouped and sorted by patient id; re-run with --sort (sorts in bounded "
                      "memory with temporary files) or sort the file first")


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
    for data in read_blocks(stream):
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
    """External sort by patient: sorted runs in temporary files, merged lazily. Lines that cannot
    be read at all go ahead as their own block (to be rejected with their line number)."""
    with tempfile.TemporaryDirectory(prefix="interactions-sort-") as folder:
        runs: list[Path] = []
        run: list[tuple] = []
        line = 2
        for data in read_blocks(stream):
            done += len(data)
            lines, bad = decode_lines(data, options.encoding)
            unreadable, unreadable_numbers = [], []
            for offset, text in enumerate(lines):
                pid = None if offset in bad else _pid_of_text(text, layout)
                if pid is None:
                    unreadable.append(text)
                    unreadable_numbers.append(line + offset)
                else:
                    run.append((order_key(pid), line + offset, text))
            line += len(lines)
            if unreadable:
                yield _Block(unreadable, 0, unreadable_numbers)
            if len(run) >= SORT_RUN_LINES:
                runs.append(_write_run(run, folder, len(runs)))
                run = []
            if progress:
                progress(done, size)
        run.sort()
        merged = heapq.merge(*(_read_run(path) for path in runs), run)
        lines, numbers, key = [], [], None
        for item in merged:
            if len(lines) >= SORTED_BLOCK_LINES and item[0] != key:
                yield _Block(lines, 0, numbers)
                lines, numbers = [], []
            key = item[0]
            lines.append(item[2])
            numbers.append(item[1])
        if lines:
            yield _Block(lines, 0, numbers)


def _pid_of_text(text: str, layout: Layout) -> str | None:
    try:
        return parse_line(text, layout)[layout.columns["patient"]].strip() or None
    except RowError:
        return None


def _write_run(run: list[tuple], folder: str, number: int) -> Path:
    run.sort()
    path = Path(folder) / f"run-{number}.pickle"
    with path.open("wb") as fh:
        for start in range(0, len(run), SORT_BATCH):
            pickle.dump(run[start:start + SORT_BATCH], fh, protocol=pickle.HIGHEST_PROTOCOL)
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


def _init_worker(layout: Layout, options: ScreenOptions, inline: bool = False) -> None:
    """Set up screening in this process; ``inline``: here, not in a worker process."""
    checker = Checker(load_index(options.rules))
    _collect_rarely()
    safe = neutralise if options.output_format == "csv" else _same
    _worker.update(layout=layout, options=options, safe=safe, inline=inline,
                   rows=FORMATS[options.output_format](checker.index),
                   screener=Screener(checker, neutralise=safe,
                                     item_separators=layout.item_separators))


def _collect_rarely() -> None:
    """Screening makes many short-lived containers (rows read back from polars, answers for new
    keys) and no reference cycles; long-lived objects (rules, caches) are frozen out of the
    cycle collector's sight, and it runs every 100,000 allocations instead of every 700. No
    collection first: after start-up it finds nothing, and took 10-20 ms to say so."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _results(blocks: Iterable[_Block], layout: Layout, options: ScreenOptions) -> Iterator[_BlockResult]:
    if options.jobs <= 1:
        threshold = gc.get_threshold()
        _init_worker(layout, options, inline=True)
        try:
            yield from _pipelined(blocks)
        finally:
            gc.unfreeze()
            gc.set_threshold(*threshold)
        return
    # Fresh worker processes, never forked ones: a fork copies polars' thread pool in whatever
    # state it is, and can deadlock.
    context = multiprocessing.get_context("spawn")
    with context.Pool(options.jobs, _init_worker, (layout, options)) as pool:
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
    if isinstance(block.payload, bytes):
        tables = read_long(block.payload, block.first_line, layout, encoding, screener)
        if tables is not None:
            return tables
        lines, bad = decode_lines(block.payload, encoding)
    else:
        lines, bad = block.payload, {}
    numbers = block.numbers or range(block.first_line, block.first_line + len(lines))
    return _long(lines, numbers, bad, layout, screener)


def _finish_block(tables: Tables) -> _BlockResult:
    """Screen a block's tables; the output lines are made later (in this process, by the writer
    thread) or now (in a worker process, which sends bytes back)."""
    rows = _worker["rows"]
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


def _optional(fields: list[str], index: int | None) -> str:
    return fields[index] if index is not None else ""


class _Patient:
    __slots__ = ("pid", "line", "pieces", "conditions", "egfr", "pregnant", "rejected", "age", "sex")

    def __init__(self, pid: str, line: int):
        self.pid, self.line = pid, line
        self.pieces: list[str] = []
        self.conditions: dict[str, None] = {}
        self.egfr: float | None = None
        self.pregnant = False
        self.rejected = 0
        self.age = self.sex = ""  # the first row's that gives one


def _long(lines, numbers, bad, layout: Layout, screener: Screener) -> Tables:
    """Consecutive rows with the same patient id are one patient: medications and conditions are
    pooled, the lowest eGFR counts, the patient is pregnant if any row says so, and the first
    age and sex given count."""
    cols = layout.columns
    pid_i, med_i, dose_i = cols["patient"], cols["medication"], cols.get("dose")
    cond_i, egfr_i, preg_i = cols.get("conditions"), cols.get("egfr"), cols.get("pregnant")
    age_i, sex_i = cols.get("age"), cols.get("sex")
    tables = Tables(rows_screened=0)
    patients: list[_Patient] = []
    patient: _Patient | None = None
    for offset, (line, text) in enumerate(zip(numbers, lines)):
        if not text:
            tables.blank += 1
            continue
        try:
            if offset in bad:
                raise RowError(bad[offset])
            fields = parse_line(text, layout)
        except RowError as exc:
            tables.rejects.append((line, str(exc), text))
            continue
        pid = fields[pid_i].strip()
        if not pid:
            tables.rejects.append((line, "empty patient id", text))
            continue
        if patient is None or pid != patient.pid:
            key = order_key(pid)
            if tables.last_key is not None and key <= tables.last_key:
                tables.violation = f"line {line}: " + str(_unsorted(key, tables.last_key))
                break
            patient = _Patient(pid, line)
            patients.append(patient)
            tables.first_key = tables.first_key or key
            tables.last_key = key
        try:
            medication = fields[med_i].strip()
            if not medication:
                raise RowError("empty medication")
            if age_i is not None:
                parse_age(fields[age_i])
            if sex_i is not None:
                parse_sex(fields[sex_i])
            egfr = parse_egfr(_optional(fields, egfr_i))
            pregnant = parse_pregnant(_optional(fields, preg_i))
            conditions = [c.strip() for c in screener.split(_optional(fields, cond_i)) if c.strip()]
        except RowError as exc:
            patient.rejected += 1
            tables.rejects.append((line, str(exc), text))
            continue
        dose = fields[dose_i].strip() if dose_i is not None else ""
        patient.pieces.append(f"{medication} {dose}" if dose else medication)
        patient.conditions.update(dict.fromkeys(conditions))
        if egfr is not None and (patient.egfr is None or egfr < patient.egfr):
            patient.egfr = egfr
        patient.pregnant = patient.pregnant or pregnant
        patient.age = patient.age or _optional(fields, age_i).strip()
        patient.sex = patient.sex or _optional(fields, sex_i).strip()
        tables.rows_screened += 1
    screened = [p for p in patients if p.pieces]
    tables.patients = pl.DataFrame({
        "p": range(len(screened)), "pid": [p.pid for p in screened],
        "line": [p.line for p in screened],
        "ctx": [screener.context_id(screener.separators[0].join(p.conditions),
                                    "" if p.egfr is None else repr(p.egfr),
                                    "yes" if p.pregnant else "") for p in screened],
        "age": [p.age for p in screened], "sex": [p.sex for p in screened],
        "rejected": [p.rejected for p in screened]},
        schema={k: v for k, v in PATIENT_SCHEMA.items() if k != "items"})
    tables.pieces = resolve_pieces(screener, pl.DataFrame(
        {"p": [k for k, p in enumerate(screened) for _ in p.pieces],
         "piece": [piece for p in screened for piece in p.pieces]},
        schema={"p": pl.UInt32, "piece": pl.String}).with_row_index("pos"))
    # Every patient kept has a medication (an empty one is a rejected row), so a count.
    tables.patients = tables.patients.join(item_counts(tables.pieces), on="p",
                                           maintain_order="left")
    tables.rejects.sort()
    return tables

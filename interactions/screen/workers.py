"""Screen blocks, in this process or in worker processes, and hand back what to write.

In this process a block is read in one thread while another screens the block before (and the
writer writes the one before that, see pipeline.py); a worker process reads and screens a
block at a time and sends bytes back. Either way the same blocks give the same bytes.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import polars as pl

from ..check.engine import Checker
from ..errors import InputError
from ..knowledge.index import load_index
from .blocks import Block
from .columnar import Tables, screen_block
from .formats import FORMATS, OutputLines, Rows, lines_bytes
from .long import read_long
from .options import ScreenOptions
from .process import collector_settings
from .screener import Screener
from .tabular import Layout, neutralise, raw_for_rejects
from .wide import parse_wide, resolve_wide

REJECTS_SHOWN = 10  # rejected lines a result lists (line, reason) for the account


class Counts(NamedTuple):
    """A block's share of the account; the names are ScreenResult's."""

    rows_screened: int = 0
    rows_rejected: int = 0
    blank_lines: int = 0
    patients: int = 0
    findings: int = 0
    patients_with_findings: int = 0
    patients_with_unrecognised: int = 0


@dataclass
class BlockResult:
    # The findings and summary lines (see formats.write_lines), or in this process a function
    # that makes them: the writer thread calls it, so making the output of one block overlaps
    # screening the next.
    lines: Callable[[], tuple[OutputLines, OutputLines]] | tuple[OutputLines, OutputLines]
    rejects: bytes
    counts: Counts
    first_rejects: list[tuple[int, str]]
    first_key: tuple | None = None
    last_key: tuple | None = None
    violation: str | None = None


def _same(text: str) -> str:
    return text


@dataclass
class Worker:
    """What screening a block needs, made once per process: ``inline`` in the process that
    writes the output (lines are made by its writer thread), else in a worker process."""

    layout: Layout
    options: ScreenOptions
    rows: Rows
    screener: Screener
    inline: bool

    @classmethod
    def make(cls, layout: Layout, options: ScreenOptions, inline: bool) -> Worker:
        checker = Checker(load_index(options.rules))
        safe = neutralise if options.output_format == "csv" else _same
        return cls(layout, options, FORMATS[options.output_format](checker.index),
                   Screener(checker, neutralise=safe, item_separators=layout.item_separators,
                            cache_limit=options.cache_limit), inline)

    def read(self, block: Block) -> Tables:
        layout, encoding = self.layout, self.options.encoding
        if layout.layout == "wide":
            return resolve_wide(parse_wide(block.payload, block.first_line, layout, encoding),
                                self.screener)
        return read_long(block.payload, block.first_line, layout, encoding, self.screener,
                         block.numbers)

    def finish(self, tables: Tables) -> BlockResult:
        """Screen a block's tables; the output lines are made later (inline, by the writer
        thread) or now (in a worker process, which sends bytes back)."""
        if tables.violation:  # the run stops here: nothing of this block is written
            return BlockResult((None, None), b"", Counts(), [], tables.first_key, None,
                               tables.violation)
        rows = self.rows
        screened = screen_block(self.screener, tables.patients, tables.pieces)
        lines: Callable[[], tuple[OutputLines, OutputLines]] | tuple[OutputLines, OutputLines]
        if not tables.patients.height:
            lines = (None, None)
        elif self.inline:
            lines = partial(rows.block, screened)
        else:
            lines = tuple(map(lines_bytes, rows.block(screened)))  # type: ignore[assignment]
        rejects = "".join(rows.reject(line, reason, raw_for_rejects(raw))
                          for line, reason, raw in tables.rejects)
        patients = screened.patients
        counts = Counts(
            patients.height if tables.rows_screened is None else tables.rows_screened,
            len(tables.rejects), tables.blank, patients.height, screened.matches.height,
            patients.filter(pl.col("findings") > 0).height,
            patients.filter(pl.col("unrecognised") > 0).height)
        return BlockResult(lines, rejects.encode(), counts,
                           [(line, reason) for line, reason, _ in tables.rejects[:REJECTS_SHOWN]],
                           tables.first_key, tables.last_key, tables.violation)


def results(blocks: Iterable[Block], layout: Layout,
            options: ScreenOptions) -> Iterator[BlockResult]:
    """Each block's result, in block order."""
    if options.jobs <= 1:
        yield from _pipelined(blocks, Worker.make(layout, options, inline=True))
        return
    # Fresh worker processes, never forked ones: a fork copies polars' thread pool in whatever
    # state it is, and can deadlock.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(options.jobs, mp_context=context, initializer=_start_worker,
                                 initargs=(layout, options, collector_settings())) as pool:
            pending: deque = deque()
            for block in blocks:
                pending.append(pool.submit(_screen_block, block))
                if len(pending) >= 2 * options.jobs:  # bounded: never read far ahead of the writer
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    except BrokenProcessPool:
        # A worker died before it could screen: most often a script calling screen_file at its
        # top level, which every spawned worker imports again (a multiprocessing.Pool would go on
        # replacing the dead workers for ever).
        raise InputError(
            "a worker process could not start: a script that screens with jobs > 1 must call "
            "screen_file under 'if __name__ == \"__main__\":' (each worker imports the script "
            "again), or use jobs=1") from None


def _pipelined(blocks: Iterable[Block], worker: Worker) -> Iterator[BlockResult]:
    """Read a block in this thread while a thread of its own screens the block before (and the
    writer thread writes the one before that, see pipeline.py): most of the work is polars',
    which runs outside Python's lock. Reading and screening keep to the Screener state each
    owns (see Screener); when it is full, screening finishes before it is reset."""
    screener = worker.screener
    line = None  # the first line of the block after the one just read
    with ThreadPoolExecutor(max_workers=1) as screening:
        pending: Future[BlockResult] | None = None
        for block in blocks:
            if screener.full():
                if pending is not None:
                    yield pending.result()
                    pending = None
                screener.forget()
            if block.first_line is None:
                block.first_line = line
            tables = worker.read(block)
            line = block.first_line + tables.lines
            if pending is not None:
                yield pending.result()
            pending = screening.submit(worker.finish, tables)
        if pending is not None:
            yield pending.result()


_this_process: Worker | None = None  # a worker process's own, made by _start_worker


def _start_worker(layout: Layout, options: ScreenOptions,
                  collector: tuple[tuple[int, ...], bool]) -> None:
    """A worker process's set-up, with its parent's cycle-collector settings (process.py): the
    process is the library's own, and behaves as the one that started it."""
    global _this_process
    gc.set_threshold(*collector[0])
    _this_process = Worker.make(layout, options, inline=False)
    if collector[1]:
        gc.freeze()  # the loaded rules, as the parent froze what it had loaded


def _screen_block(block: Block) -> BlockResult:
    """A block, read and screened, in a worker process."""
    if _this_process is None:
        raise RuntimeError("_screen_block runs in a worker process started by results()")
    if _this_process.screener.full():
        _this_process.screener.forget()
    return _this_process.finish(_this_process.read(block))

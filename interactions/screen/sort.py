"""The external sort behind --sort: the long layout in patient order, in bounded memory.

Sorted runs go to temporary files and are merged lazily; the merged lines are cut into blocks
of whole patients, each line keeping its number in the input.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl

from .blocks import Block, Progress
from .fields import WHITESPACE, Lines, read_fields
from .long import order_key
from .options import ScreenOptions
from .tabular import Layout, read_blocks

Run = list[tuple[tuple, int, str]]  # (order_key of the patient id, line number, line)


def sorted_blocks(stream: IO[bytes], layout: Layout, options: ScreenOptions, done: int,
                  progress: Progress | None, size: int | None) -> Iterator[Block]:
    """Lines are read as long.read_long reads them; those without a patient id (blank,
    unreadable, or the id empty) go ahead as blocks of their own, to be rejected (or counted)
    with their line numbers."""
    pid = pl.col(f"f{layout.columns['patient']}").str.strip_chars(WHITESPACE)
    with tempfile.TemporaryDirectory(prefix="interactions-sort-") as folder:
        runs: list[Path] = []
        run: Run = []
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
                yield Block(Lines(texts.gather(lost).to_list(),
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
        lines: list[str] = []
        numbers: list[int] = []
        key = None
        for item in merged:
            if len(lines) >= options.sorted_block_lines and item[0] != key:
                yield Block(Lines(lines), 0, numbers)
                lines, numbers = [], []
            key = item[0]
            lines.append(item[2])
            numbers.append(item[1])
        if lines:
            yield Block(Lines(lines), 0, numbers)


def _write_run(run: Run, folder: str, number: int, batch: int) -> Path:
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

"""Screen a Dask DataFrame on a Dask cluster, wide or long layout: ``pip install "interactions[dask]"``.

>>> from interactions.screen.dask import screen
>>> found = screen(ddf)                      # ddf: dask.dataframe, named as a patient file's columns
>>> findings, summary, rejects = dask.compute(*found)   # or found.findings.to_parquet(...)

The columns are named as in a patient file (tabular.detect_layout reads the names; ``layout``
and ``columns`` settle what it cannot). The rules are compiled once per worker process (a
module-level Checker, partitions.checker) and reused by every partition it screens. ``line`` is
the row's 0-based position in the whole frame, in the frame's order: the partitions' lengths are
counted first (one pass) to number them.

Wide layout: each partition goes through ``screen_frame`` (the batch engine ``interactions
screen`` runs, so the findings are the CSV path's, finding for finding) on the worker that holds
it, one output partition per input partition, in input order.

Long layout: each row gets its number and its patient id as the readers strip it, then the rows
are shuffled on that id (``DataFrame.shuffle``), so a partition holds whole patients, and sorted
within each partition as ``screen --sort`` sorts them (long.order_key, then row number). Each
partition is then read and screened as the Spark adapter screens its partitions
(partitions.screen_rows: the file pipeline's long reader on the rows as CSV lines), so the
findings are ``screen --sort``'s, patient by patient; patients come partition by partition.

The three results come from one task per partition: compute them together (``dask.compute``) or
``persist`` them, else each one computed alone screens the partitions again.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from .frames import FrameResult, screen_frame
from .parquet import SCHEMAS
from .partitions import (
    KEY,
    OUTPUTS,
    ROW,
    checker,
    layout_of,
    patient_key,
    patient_order,
    screen_rows,
    screener,
)
from .tabular import ITEM_SEPARATORS, Layout

__all__ = ["checker", "screen"]


def screen(ddf, rules: str | Path | None = None, *, layout: str | None = None,
           columns: dict[str, str | None] | None = None,
           item_separator: str | None = None) -> FrameResult:
    """Findings, summary and rejects of a Dask DataFrame as Dask DataFrames (pandas partitions,
    the CSV outputs' columns), lazily but for one pass that counts the partitions' rows."""
    import dask

    found, used = layout_of(list(ddf.columns), layout, columns, item_separator)
    rules = str(rules) if rules is not None else None
    lengths = dask.compute(ddf.map_partitions(len, meta=(None, "int64")))[0]
    lengths = list(lengths) if not isinstance(lengths, int) else [lengths]
    offsets = [0, *itertools.accumulate(lengths)][:-1]
    if found.layout == "wide":
        return _wide(ddf, found, offsets, rules)
    return _long(ddf[used], found, used, offsets, rules)


def screen_partition(frame, offset: int = 0, rules: str | None = None,
                     item_separators: tuple[str, ...] = ITEM_SEPARATORS) -> FrameResult:
    """One wide partition (pandas, screen_frame's column names) screened; ``line`` numbered
    from ``offset``."""
    found = screen_frame(frame.reset_index(drop=True), checker(rules),
                         item_separators=item_separators)
    found.summary["line"] += offset
    found.rejects["line"] += offset
    return found


def _wide(ddf, layout: Layout, offsets: list[int], rules: str | None) -> FrameResult:
    """screen_frame on each partition, the role columns named as screen_frame names them."""
    import pandas as pd

    names = {layout.header[k]: "patient_id" if role == "patient" else role
             for role, k in layout.columns.items()}
    clashing = [c for c in ddf.columns if c in names.values() and c not in names]
    frame = ddf.drop(columns=clashing) if clashing else ddf
    if any(old != new for old, new in names.items()):
        frame = frame.rename(columns=names)
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in frame.columns})
    meta = screen_frame(empty, checker(rules))
    return _collected(frame, meta, lambda part, k: (part, offsets[k], rules,
                                                    layout.item_separators), screen_partition)


def _long(ddf, layout: Layout, names: list[str], offsets: list[int],
          rules: str | None) -> FrameResult:
    import dask
    import dask.dataframe as dd
    import pandas as pd

    patient = names[layout.columns["patient"]]
    numbered_meta = ddf._meta.assign(**{ROW: pd.Series([], dtype="int64"),
                                        KEY: pd.Series([], dtype=object)})
    task = dask.delayed(_numbered, pure=True)
    numbered = dd.from_delayed([task(part, offset, patient)
                                for part, offset in zip(ddf.to_delayed(), offsets)],
                               meta=numbered_meta, verify_meta=False)
    grouped = numbered.shuffle(on=KEY, npartitions=numbered.npartitions)
    meta = FrameResult(*(pl.DataFrame(schema=SCHEMAS[name]).to_pandas() for name in OUTPUTS))
    return _collected(grouped, meta, lambda part, _k: (part, layout, names, rules),
                      screen_long_partition)


def _collected(frame, meta: FrameResult, arguments, work) -> FrameResult:
    """``work(*arguments(partition, k))`` on each partition, its three outputs as three Dask
    DataFrames sharing one task per partition."""
    import dask
    import dask.dataframe as dd

    task = dask.delayed(work, pure=True)
    parts = [task(*arguments(part, k)) for k, part in enumerate(frame.to_delayed())]
    take = dask.delayed(_take, pure=True)
    return FrameResult(*(dd.from_delayed([take(p, i) for p in parts], meta=meta[i],
                                         verify_meta=False) for i in range(3)))


def _take(found: FrameResult, which: int):
    return found[which]


def _numbered(frame, offset: int, patient: str):
    """A partition (pandas) with each row's number in the whole frame and its stripped id."""
    frame = frame.reset_index(drop=True)
    keys = patient_key(pl.from_pandas(frame[patient], nan_to_null=True))
    return frame.assign(**{ROW: range(offset, offset + len(frame)), KEY: keys.to_list()})


def screen_long_partition(frame, layout: Layout, names: list[str],
                          rules: str | None = None) -> FrameResult:
    """One long partition (pandas: ``names``, ROW and KEY; whole patients) screened, patients
    in ``screen --sort``'s order; ``line`` is ROW."""
    if not len(frame):
        return FrameResult(*(pl.DataFrame(schema=SCHEMAS[name]).to_pandas() for name in OUTPUTS))
    patient = names[layout.columns["patient"]]
    block = pl.from_pandas(frame.reset_index(drop=True), nan_to_null=True).with_columns(
        pl.col(patient).cast(pl.String), pl.col(ROW).cast(pl.Int64))
    found = screen_rows(patient_order(block), layout, names,
                        screener(rules, layout.item_separators))
    return FrameResult(*(out.cast(SCHEMAS[name]).to_pandas() for name, out in zip(OUTPUTS, found)))

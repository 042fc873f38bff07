"""Screen a Dask DataFrame (wide layout) on a Dask cluster: ``pip install "interactions[dask]"``.

>>> from interactions.screen.dask import screen
>>> found = screen(ddf)                      # ddf: dask.dataframe, the wide layout's columns
>>> findings, summary, rejects = dask.compute(*found)   # or found.findings.to_parquet(...)

Each partition goes through ``screen_frame`` (the batch engine ``interactions screen`` runs, so
the findings are the CSV path's, finding for finding) on the worker that holds it; the rules are
compiled once per worker process (a module-level Checker) and reused by every partition it
screens. ``line`` is the row's 0-based position in the whole frame, as ``screen_frame`` gives it
for one frame: the partitions' lengths are counted first (one pass) to number them.

The three results come from one task per partition: compute them together (``dask.compute``) or
``persist`` them, else each one computed alone screens the partitions again.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

from .frames import FrameResult, screen_frame

__all__ = ["screen"]

_CHECKERS: dict[str, Any] = {}  # rules folder -> Checker, one per worker process
_LOCK = threading.Lock()


def checker(rules: str | None = None):
    """This process's Checker for a rules folder (None: the bundled rules), compiled once."""
    key = str(rules or "")
    found = _CHECKERS.get(key)
    if found is None:
        with _LOCK:
            found = _CHECKERS.get(key)
            if found is None:
                from ..check.engine import Checker
                from ..knowledge.index import load_index

                found = _CHECKERS[key] = Checker(load_index(Path(rules) if rules else None))
    return found


def screen_partition(frame, offset: int = 0, rules: str | None = None) -> FrameResult:
    """One partition (pandas) screened; ``line`` numbered from ``offset``."""
    found = screen_frame(frame.reset_index(drop=True), checker(rules))
    found.summary["line"] += offset
    found.rejects["line"] += offset
    return found


def _take(found: FrameResult, which: int):
    return found[which]


def screen(ddf, rules: str | Path | None = None) -> FrameResult:
    """Findings, summary and rejects of a Dask DataFrame as Dask DataFrames (pandas partitions,
    the CSV outputs' columns), one output partition per input partition, in input order."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    rules = str(rules) if rules is not None else None
    lengths = dask.compute(ddf.map_partitions(len, meta=(None, "int64")))[0]
    lengths = list(lengths) if not isinstance(lengths, int) else [lengths]
    offsets = [0, *itertools.accumulate(lengths)][:-1]
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in ddf.columns})
    meta = screen_frame(empty, checker(rules))
    task = dask.delayed(screen_partition, pure=True)
    parts = [task(part, offset, rules) for part, offset in zip(ddf.to_delayed(), offsets)]
    take = dask.delayed(_take, pure=True)
    return FrameResult(*(dd.from_delayed([take(p, i) for p in parts], meta=meta[i],
                                         verify_meta=False) for i in range(3)))

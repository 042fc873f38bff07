"""Settings of a whole process that does nothing but screen (the command line's).

A library call never makes them: they would change the process of whoever calls it. Worker
processes that screening starts (``jobs`` > 1) take the settings of the process that starts
them (see workers.py).
"""

from __future__ import annotations

import gc

COLLECT_EVERY = (100_000, 50, 100)  # the cycle collector's thresholds (Python's: 700, 10, 10)


def tune_process() -> None:
    """Screening makes many short-lived containers (rows read back from polars, answers for new
    keys) and no reference cycles: the objects alive now (modules, loaded rules) are frozen out
    of the cycle collector's sight, and it runs every 100,000 allocations instead of every 700.
    No collection first: after start-up it finds nothing (benchmarks/screen_notes.md).

    Call once, from a program's entry point, before screening: the command line's `screen`
    is its one caller."""
    gc.freeze()
    gc.set_threshold(*COLLECT_EVERY)


def collector_settings() -> tuple[tuple[int, ...], bool]:
    """This process's collector thresholds, and whether it has frozen objects."""
    return gc.get_threshold(), gc.get_freeze_count() > 0

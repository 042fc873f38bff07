"""Batch screening: patient files, records and data frames in; findings, summaries and rejects out.

>>> from interactions.screen import screen_file, screen_records, screen_frame

``interactions.screen.spark`` (Spark DataFrames; ``pip install "interactions[spark]"``) is
imported on first use, and imports pyspark only when it screens.

A program that does nothing but screen may call ``tune_process()`` once at its start (the
command line's ``screen``); the library itself never changes process-wide settings.
"""

import importlib

from .frames import FrameResult, screen_frame
from .pipeline import ScreenOptions, ScreenResult, screen_file
from .process import tune_process
from .records import PatientReport, screen_records

__all__ = [
    "FrameResult", "PatientReport", "ScreenOptions", "ScreenResult", "screen_file", "screen_frame",
    "screen_records", "spark", "tune_process",
]


def __getattr__(name: str):
    if name == "spark":  # a submodule: imported here only when asked for
        return importlib.import_module(f"{__name__}.spark")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

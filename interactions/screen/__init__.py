"""Batch screening: patient files, records and data frames in; findings, summaries and rejects out.

>>> from interactions.screen import screen_file, screen_records, screen_frame

A program that does nothing but screen may call ``tune_process()`` once at its start (the
command line's ``screen``); the library itself never changes process-wide settings.
"""

from .frames import FrameResult, screen_frame
from .pipeline import ScreenOptions, ScreenResult, screen_file
from .process import tune_process
from .records import PatientReport, screen_records

__all__ = [
    "FrameResult", "PatientReport", "ScreenOptions", "ScreenResult", "screen_file", "screen_frame",
    "screen_records", "tune_process",
]

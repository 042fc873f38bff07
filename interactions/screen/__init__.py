"""Batch screening: patient files, records and data frames in; findings, summaries and rejects out.

>>> from interactions.screen import screen_file, screen_records, screen_frame
"""

from .frames import FrameResult, screen_frame
from .pipeline import ScreenOptions, ScreenResult, screen_file
from .screener import PatientReport, screen_records

__all__ = [
    "FrameResult", "PatientReport", "ScreenOptions", "ScreenResult", "screen_file", "screen_frame",
    "screen_records",
]

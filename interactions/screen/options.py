"""What a caller can choose about screening a file (ScreenOptions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .screener import CACHE_LIMIT


@dataclass(frozen=True)
class ScreenOptions:
    encoding: str = "utf-8"
    delimiter: str | None = None
    layout: str | None = None  # "wide" | "long" | None: read from the header
    item_separator: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)  # role -> header name
    output_format: str = "csv"  # "csv" | "jsonl"
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

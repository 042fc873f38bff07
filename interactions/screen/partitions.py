"""A partition of a distributed frame screened as the file pipeline screens a block: the pieces
the Spark and Dask adapters share, none of them tied to either engine.

The columns are named as in a patient file (``layout_of`` reads the names as tabular.detect_layout
reads a header). A partition's rows, held as a polars frame with ``ROW`` (the row's 0-based index
in the whole frame) and, for the long layout, ``KEY`` (the patient id as the readers strip it,
``patient_key``), are rendered as CSV lines by parquet.csv_lines and read and screened by the
file pipeline's readers (wide.parse_wide and resolve_wide, long.read_long) and
columnar.screen_block (``screen_rows``), so the findings are ``screen``'s, finding for finding.
The rules are compiled once per process (a module-level Checker per rules folder, ``checker``);
each thread keeps a Screener per rules folder and item separators (``screener``), reused by every
partition it screens.
"""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl

from ..check.engine import Checker
from ..errors import InputError
from ..knowledge.index import load_index
from .columnar import screen_block
from .fields import WHITESPACE
from .formats import csv_line, frames
from .long import order_key, read_long
from .parquet import SCHEMAS, csv_lines
from .screener import Screener
from .tabular import Layout, detect_layout, raw_for_rejects
from .wide import parse_wide, resolve_wide

__all__ = ["KEY", "OUTPUTS", "ROW", "checker", "layout_of", "patient_key", "patient_order",
           "screen_rows", "screener"]

OUTPUTS = ("findings", "summary", "rejects")
ROW = "__interactions_row"  # the row index, added before the rows are moved
KEY = "__interactions_patient"  # long layout: the patient id as the readers strip it
_ENCODING = "utf-8"  # csv_lines writes UTF-8

# This process's Checkers by rules folder; each thread's Screeners by (rules folder, item
# separators): a Dask worker may screen partitions in several threads, a Screener one at a time.
_CHECKERS: dict[str, Checker] = {}
_SCREENERS = threading.local()
_LOCK = threading.Lock()


def layout_of(names: list[str], layout: str | None, columns: dict[str, str | None] | None,
              item_separator: str | None) -> tuple[Layout, list[str]]:
    """The layout of a frame with these column names, and the columns it reads (in the frame's
    order); the layout is of those columns alone, as the rendered lines hold them."""
    found = _detected(names, layout, columns, item_separator)
    used = [found.header[k] for k in sorted(found.columns.values())]
    return _detected(used, found.layout, {role: found.header[k]
                                          for role, k in found.columns.items()},
                     item_separator), used


def _detected(names: list[str], layout: str | None, columns: dict[str, str | None] | None,
              item_separator: str | None) -> Layout:
    header = csv_line(names).rstrip("\n")
    return detect_layout(header, delimiter=",", layout=layout, item_separator=item_separator,
                         columns=columns)


def patient_key(ids: pl.Series) -> pl.Series:
    """The patient ids as the long reader will see them: text, CR and LF made spaces
    (csv_lines), then stripped."""
    text = ids.cast(pl.String).fill_null("").str.replace_all(r"[\r\n]", " ")
    return text.str.strip_chars(WHITESPACE).alias(KEY)


def patient_order(block: pl.DataFrame) -> pl.DataFrame:
    """A block's rows in the order ``screen --sort`` gives: long.order_key of ``KEY``, then
    ``ROW``; each patient's rows together."""
    keys, rows = block.get_column(KEY).to_list(), block.get_column(ROW).to_list()
    order = sorted(range(block.height), key=lambda k: (order_key(keys[k]), rows[k]))
    return block[order] if order else block


def checker(rules: str | None = None) -> Checker:
    """This process's Checker for a rules folder (None: the bundled rules), compiled once."""
    key = rules or ""
    found = _CHECKERS.get(key)
    if found is None:
        with _LOCK:
            found = _CHECKERS.get(key)
            if found is None:
                found = _CHECKERS[key] = Checker(load_index(Path(rules) if rules else None))
    return found


def screener(rules: str | None, separators: tuple[str, ...]) -> Screener:
    """This thread's Screener for a rules folder (None: the bundled rules): the rules are
    compiled once per process, and what it has resolved serves every partition after."""
    held = _SCREENERS.__dict__.setdefault("by_key", {})
    key = (rules or "", separators)
    found = held.get(key)
    if found is None:
        found = held[key] = Screener(checker(rules), item_separators=separators)
    return found


def screen_rows(block: pl.DataFrame, layout: Layout, names: list[str],
                screener: Screener) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Findings, summary and rejects (the CSV outputs' columns) of a block: its ``names``
    columns, numbered by ``ROW``; long layout: whole patients, in ``patient_order``. A Screener
    is used by one block at a time."""
    lines = csv_lines(block.select(names), layout.item_separators[0])
    numbers = block.get_column(ROW)
    if screener.full():
        screener.reset()
    if layout.layout == "wide":  # a partition's rows are numbered one after the other
        tables = resolve_wide(parse_wide(lines, int(numbers[0]), layout, _ENCODING), screener)
    else:
        tables = read_long(lines, 0, layout, _ENCODING, screener, numbers.to_list())
        if tables.violation:  # pragma: no cover - the adapters sort as order_key does
            raise InputError(f"patients were grouped out of order: {tables.violation}")
    rejects = pl.DataFrame([(line, reason, raw_for_rejects(raw))
                            for line, reason, raw in tables.rejects],
                           schema=SCHEMAS["rejects"], orient="row")
    if not tables.patients.height:
        return (pl.DataFrame(schema=SCHEMAS["findings"]), pl.DataFrame(schema=SCHEMAS["summary"]),
                rejects)
    findings, summary = frames(screener.checker.index,
                               screen_block(screener, tables.patients, tables.pieces))
    return findings, summary, rejects

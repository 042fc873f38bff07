"""A long-layout table that is hard to pool, shared by the engine adapters' tests (Dask, Spark):
patients out of order (a patient's rows apart), ids that sort as numbers in any script's digits,
padded ids that are one patient, and rows that are rejected."""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_patients import write as generate  # noqa: E402

AWKWARD = [
    ("10", "50", "F", "", "", "doxycycline", ""), ("9", "50", "F", "", "", "Maalox", ""),
    (" 9 ", "", "", "", "", "doxycycline", ""), ("٣", "70", "M", "25", "", "Mag-Ox 400", "BID"),
    ("٣", "70", "M", "", "", "levofloxacin", ""), ("0010", "40", "M", "", "", "Tums", ""),
    ("P0000004", "61", "F", "abc", "", "magnesium oxide", ""),   # bad eGFR
    ("P0000005", "91", "M", "", "", "", ""),                       # empty medication
    ("", "30", "F", "", "", "doxycycline", "")]                   # no patient id


def awkward_long(extra: list[tuple[str, ...]] = ()) -> pl.DataFrame:
    """300 generated patients in the long layout with AWKWARD (and ``extra``) rows, shuffled."""
    out = io.StringIO()
    generate(300, out, "long", 7)
    table = pl.read_csv(io.StringIO(out.getvalue()), infer_schema_length=0)
    rows = table.rows() + AWKWARD + list(extra)
    random.Random(3).shuffle(rows)
    return pl.DataFrame(rows, schema=table.columns, orient="row")

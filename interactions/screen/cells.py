"""The checks of a patient's cells (eGFR, age, sex, pregnancy): a value, or RowError saying why
not. Screening files, records and frames all check cells here."""

from __future__ import annotations

import polars as pl

from ..models import PatientContext
from .tabular import RowError

_TRUE = {"1", "y", "yes", "true", "t", "pregnant"}
_FALSE = {"", "0", "n", "no", "false", "f"}
SEX = {"f": "F", "female": "F", "w": "F", "woman": "F", "m": "M", "male": "M", "man": "M",
       "": None, "u": None, "unknown": None}


def _number(cell: str, label: str, high: float, unit: str = "") -> float | None:
    """A number in [0, high] from a cell, None when empty; RowError says what is wrong."""
    cell = cell.strip()
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise RowError(f"{label} {cell!r} is not a number") from None
    if not 0 <= value <= high:
        raise RowError(f"{label} {cell} is outside 0-{high:g}{unit}")
    return value


def parse_egfr(cell: str) -> float | None:
    return _number(cell, "eGFR", 250, " mL/min/1.73 m2")


def parse_age(cell: str) -> None:
    _number(cell, "age", 130)


def parse_sex(cell: str) -> None:
    if cell.strip().casefold() not in SEX:
        raise RowError(f"sex {cell.strip()!r} is not F or M")


def parse_pregnant(cell: str) -> bool:
    value = cell.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowError(f"pregnant {cell.strip()!r} is not yes or no")


def contradiction(pregnant: str, age: str, sex: str) -> str | None:
    """What a patient's pregnancy, age and sex cells say that cannot be true at once (as
    ``check`` refuses it: PatientContext.contradiction), or None. RowError for a bad cell."""
    if not parse_pregnant(pregnant):
        return None
    parse_age(age)
    parse_sex(sex)
    age = age.strip()
    return PatientContext(age=float(age) if age else None, sex=SEX[sex.strip().casefold()],
                          pregnant=True).contradiction()


def contradictions(rows: pl.DataFrame) -> pl.DataFrame:
    """pregnant, age, sex, contradiction: the distinct cells of ``rows`` that cannot be true at
    once (pregnant and male, or pregnant below age 10), each with why; ``check`` refuses them,
    so screening rejects their rows. Cells that are bad on their own are their checks' to
    reject."""
    found = []
    for pregnant, age, sex in rows.select("pregnant", "age", "sex").unique().iter_rows():
        try:
            why = contradiction(pregnant, age, sex)
        except RowError:
            continue
        if why:
            found.append((pregnant, age, sex, why))
    return pl.DataFrame(found, orient="row", schema={
        "pregnant": pl.String, "age": pl.String, "sex": pl.String, "contradiction": pl.String})

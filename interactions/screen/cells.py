"""The checks of a patient's cells (eGFR, age, sex, pregnancy): a value, or RowError saying why
not. Screening files, records and frames all check cells here."""

from __future__ import annotations

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

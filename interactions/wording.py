"""Plain-text wording shared by every front end (tables, documents, plans), so one gap or band is
written one way everywhere."""

from __future__ import annotations

from typing import Protocol


class Gap(Protocol):
    """A separation: the subject at least ``drug_before_hours`` before, or ``drug_after_hours``
    after, the other item (a rule's SeparationSpec, or a finding's Separation)."""

    drug_before_hours: float | None
    drug_after_hours: float | None


def hours(value: float | None) -> str:
    return f"{value:g} h" if value is not None else ""


def gap_text(sep: Gap | None) -> str:
    """'2 h before / 6 h after' (the subject relative to the object); '' when no gap is given."""
    if sep is None:
        return ""
    return " / ".join(f"{hours(value)} {side}" for value, side in
                      ((sep.drug_before_hours, "before"), (sep.drug_after_hours, "after"))
                      if value is not None)


def timing(sep: Gap | None, subject: str, obj: str) -> str:
    """'Take doxycycline at least 2 h before or at least 6 h after magnesium citrate.'"""
    if sep is None:
        return ""
    sides = [f"at least {hours(value)} {side}" for value, side in
             ((sep.drug_before_hours, "before"), (sep.drug_after_hours, "after"))
             if value is not None]
    return f"Take {subject} " + " or ".join(sides) + f" {obj}."


def egfr_band(low: float | None, high: float | None) -> str:
    """'15 to below 30 mL/min/1.73 m2', 'below 15 …', '90 … and above'; '' with no band."""
    unit = "mL/min/1.73 m2"
    if high is None:
        return "" if low is None else f"{low:g} {unit} and above"
    return f"{low:g} to below {high:g} {unit}" if low else f"below {high:g} {unit}"

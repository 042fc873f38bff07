"""From what a person wrote to the items and patient context a check runs on.

Every piece of text ends as exactly one of: a medication or supplement to check, a condition or
lab value of the patient (written among the items), or an unrecognised item. Nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..errors import InputError
from ..models import MedicationEntry, PatientContext
from .resolve import Resolver
from .split import split_items

# "eGFR 22", "GFR: 22 mL/min/1.73 m2", "eGFR=22.5": a lab value written where items go.
_EGFR = re.compile(
    r"^\s*(?:e\s*GFR|GFR|estimated GFR)\s*(?:of|[:=])?\s*(\d{1,3}(?:\.\d+)?)\s*"
    r"(?:ml\s*/\s*min(?:\s*/\s*1\.73\s*m(?:2|²))?)?\s*$", re.I)


@dataclass
class ReadItems:
    """The items to check, and the patient context with what the items added to it."""

    entries: list[MedicationEntry]
    context: PatientContext
    notes: list[str] = field(default_factory=list)  # how item positions were read


def read_items(resolver: Resolver, items: Iterable[str], context: PatientContext) -> ReadItems:
    """Split each argument into items, resolve them, and move conditions and eGFR values written
    as items into the context (each with a note). An empty item is an input error."""
    entries: list[MedicationEntry] = []
    conditions = list(context.conditions)
    egfr = context.egfr
    notes: list[str] = []
    for number, text in enumerate(items, start=1):
        if not text.strip():
            raise InputError(f"item {number} is empty: give a medication, supplement or condition")
        for entry in item_entries(resolver, text):
            role, value = item_role(entry)
            if role == "egfr":
                egfr = value if egfr is None else min(egfr, value)
                notes.append(f"'{entry.input}' written among the items: used as the eGFR"
                             + ("" if egfr == value else f" (the lower value, {egfr:g}, counts)"))
            elif role == "condition":
                conditions.append(entry.input)
                notes.append(f"'{entry.input}' written among the items: used as a condition "
                             f"({entry.resolved_name})")
            else:
                entries.append(entry)
    if egfr is not None and not 0 <= egfr <= 250:
        raise InputError(f"eGFR {egfr:g} is outside 0-250 mL/min/1.73 m2")
    context = context.model_copy(update={"conditions": conditions, "egfr": egfr})
    return ReadItems(entries, context, notes)


def item_role(entry: MedicationEntry) -> tuple[str, float | None]:
    """What an entry in an item position is: ("egfr", value) for an eGFR written as an item,
    ("condition", None) for a recognised condition, else ("item", None), an item to check.
    read_items and batch screening (screen.screener) both ask here."""
    value = _egfr_value(entry.input)
    if value is not None:
        return "egfr", value
    if entry.recognised and entry.kind == "condition":
        return "condition", None
    return "item", None


def item_entries(resolver: Resolver, text: str,
                 resolve: Callable[[str], MedicationEntry] | None = None) -> list[MedicationEntry]:
    """The entries one argument or cell holds: itself when the whole text names one thing
    (a combination product), else each item it lists. ``resolve`` is the resolver's
    ``resolve`` unless given (batch screening passes ``identify``: the same match, without
    "did you mean" suggestions)."""
    resolve = resolve or resolver.resolve
    if resolver.names_exactly(text):
        return [resolve(text)]
    parts = split_items(text)
    found = [entry for part in parts for entry in _with_ingredients(resolver, part, resolve)]
    if any(map(_maybe_condition, found)):
        # Only now, so a list of known names never loads the classification: an ICD-10-CM
        # code or title, whole ("Iron deficiency anemia, unspecified" holds a comma) or in part.
        whole = resolver.vocabulary_condition(text) if len(parts) > 1 else None
        if whole is not None:
            return [whole]
        found = [_or_condition(resolver, e) for e in found]
    if len(found) > 1:  # copies: resolved entries are cached and shared
        note = f"one of {len(found)} items read from '{text.strip()}'"
        found = [e.model_copy(update={"notes": [*e.notes, note]}) for e in found]
    return found


def _with_ingredients(resolver: Resolver, text: str,
                      resolve: Callable[[str], MedicationEntry]) -> list[MedicationEntry]:
    """'doxycycline magnesium citrate 400 mg' is two items: a magnesium form (or any named
    ingredient) after a drug's name is never read as the drug's salt."""
    cut = resolver.second_ingredient(text)
    if cut is None:
        return [resolve(text)]
    return [resolve(part) for part in cut]


def _maybe_condition(entry: MedicationEntry) -> bool:
    """Unrecognised, or read approximately as a condition: it may be an ICD-10-CM code or title
    (an official title is never read as a rules condition it resembles)."""
    return entry.id is None or (entry.match == "approximate" and entry.kind == "condition")


def _or_condition(resolver: Resolver, entry: MedicationEntry) -> MedicationEntry:
    if not _maybe_condition(entry):
        return entry
    return resolver.vocabulary_condition(entry.input) or entry


def _egfr_value(text: str) -> float | None:
    match = _EGFR.match(text)
    return float(match.group(1)) if match else None

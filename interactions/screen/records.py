"""The per-record library API: a full ``Report`` per patient, from dicts (``screen_records``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..check.engine import Checker
from ..errors import InputError
from ..models import PatientContext, Report
from .cells import SEX, parse_age, parse_egfr, parse_pregnant, parse_sex
from .tabular import ITEM_SEPARATORS, RowError


@dataclass(frozen=True)
class PatientReport:
    patient_id: str
    report: Report


def _listed(value: Any, separators: tuple[str, ...]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        for sep in separators[1:]:
            value = value.replace(sep, separators[0])
        return [v.strip() for v in value.split(separators[0]) if v.strip()]
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    return str(value)


def screen_records(records: Iterable[Mapping[str, Any]], checker: Checker | None = None, *,
                   item_separators: tuple[str, ...] = ITEM_SEPARATORS) -> Iterator[PatientReport]:
    """Yield a full ``Report`` per patient from dicts with ``patient_id``, ``medications`` (a list
    or a delimited string), and optionally ``conditions``, ``egfr``, ``age``, ``sex``, ``pregnant``.

    Raises InputError naming the record when a value cannot be used."""
    checker = checker or Checker()
    for number, record in enumerate(records, start=1):
        try:
            egfr = parse_egfr(_text(record.get("egfr")))
            parse_age(_text(record.get("age")))
            parse_sex(_text(record.get("sex")))
            sex = SEX[_text(record.get("sex")).strip().casefold()]
            age = _text(record.get("age")).strip()
            context = PatientContext(
                conditions=_listed(record.get("conditions"), item_separators), egfr=egfr,
                age=float(age) if age else None, sex=sex,
                pregnant=parse_pregnant(_text(record.get("pregnant"))))
            why = context.contradiction()
            if why:
                raise RowError(why)
        except RowError as exc:
            raise InputError(f"record {number}: {exc}") from None
        items = _listed(record.get("medications"), item_separators)
        yield PatientReport(_text(record.get("patient_id")), checker.check(items, context))

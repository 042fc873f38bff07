"""FHIR R4 in and out: a Bundle of MedicationRequest / MedicationStatement / Condition /
Observation / Patient in, findings out as DetectedIssue resources.

>>> report, source = check_bundle(Checker(), bundle)
>>> detected_issues_bundle(report, source)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError
from ..models import PatientContext, Report
from .read import FhirInput, FhirReader, MedicationSource, resources_of
from .write import (
    detected_issue,
    detected_issues_bundle,
    timing_text,
    unrecognized_outcome,
)


def load_bundle(path: Path | str) -> dict:
    """A FHIR JSON file, read with errors that name the file and the position."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the FHIR file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; FHIR JSON is UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}") from None
    resources_of(data, str(path))  # fail now, with the file's name, on a non-FHIR document
    return data


def read_bundle(checker, bundle: dict) -> FhirInput:
    """A Bundle (or one resource) as checker items and a PatientContext."""
    return FhirReader(checker.resolver).read(resources_of(bundle))


def check_bundle(checker, bundle: dict, items: Iterable[str] = (),
                 context: PatientContext | None = None):
    """(Report, FhirInput) for a FHIR Bundle: what ``interactions check --fhir`` runs.

    ``items`` are checked with the Bundle's medications; what ``context`` sets (age, sex, eGFR,
    pregnancy, lactation) wins over the Bundle, and its conditions are added to the Bundle's.
    """
    source = read_bundle(checker, bundle)
    if context is not None:
        source.context = combine_context(source.context, context)
    extra = [i for i in items if i.strip()]
    return checker.check(source.items + extra, source.context), source


def combine_context(from_bundle: PatientContext, given: PatientContext) -> PatientContext:
    """The Bundle's context with each field the user gave (not None, not False) laid over it:
    the command line builds a full PatientContext, so an option left out must not erase the
    Bundle's value."""
    merged = from_bundle.model_dump()
    for name in type(given).model_fields:
        value = getattr(given, name)
        if name != "conditions" and value is not None and value is not False:
            merged[name] = value
    merged["conditions"] = list(dict.fromkeys(from_bundle.conditions + given.conditions))
    return PatientContext(**merged)


def fhir_json(report: Report, source: FhirInput | None = None) -> str:
    """``--format fhir``: the findings as a Bundle of DetectedIssue (and an OperationOutcome for
    unrecognised items), as indented JSON."""
    return json.dumps(detected_issues_bundle(report, source), indent=2, ensure_ascii=False)


__all__ = [
    "FhirInput",
    "FhirReader",
    "MedicationSource",
    "check_bundle",
    "combine_context",
    "detected_issue",
    "detected_issues_bundle",
    "fhir_json",
    "load_bundle",
    "read_bundle",
    "resources_of",
    "timing_text",
    "unrecognized_outcome",
]

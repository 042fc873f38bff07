"""FHIR R4 in and out: a Bundle of MedicationRequest / MedicationStatement / Condition /
Observation / Patient in, findings out as DetectedIssue resources.

>>> report, source = check_bundle(Checker(), bundle)
>>> detected_issues_bundle(report, source)
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from .read import FhirInput, FhirReader, MedicationSource, resources_of
from .write import detected_issue, detected_issues_bundle, timing_text, unrecognized_outcome


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


def check_bundle(checker, bundle: dict):
    """(Report, FhirInput) for a FHIR Bundle: what ``interactions check --fhir`` runs."""
    source = read_bundle(checker, bundle)
    return checker.check(source.items, source.context), source


__all__ = [
    "FhirInput", "FhirReader", "MedicationSource", "check_bundle", "detected_issue",
    "detected_issues_bundle", "load_bundle", "read_bundle", "resources_of", "timing_text",
    "unrecognized_outcome",
]

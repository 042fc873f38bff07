"""FHIR R4 in: medications, conditions, eGFR, age, sex and pregnancy from a Bundle or resources.

The reader is tolerant of what real EHRs send (missing optional fields, extra fields, codes we do
not know) but strict about what would change the answer: a resource that is not FHIR R4, or a
Bundle that is not a Bundle, is an InputError. Everything it cannot use is said, never dropped
in silence: an unreadable medication becomes an unrecognised item, and `missing` says which
patient data was not there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ..errors import InputError
from ..models import PatientContext
from . import codes
from .values import (
    codings_of,
    concept_names,
    dosage_words,
    egfr_reading,
    first_code,
    first_dosage,
    looked_up,
    medication_resources,
    patient_fields,
    pregnancy_status,
    reference_of,
    without_semantic_tag,
)

# Statuses that mean the patient is not (or never was) taking it.
_STOPPED_REQUEST = frozenset({"cancelled", "completed", "entered-in-error", "stopped", "revoked"})
_STOPPED_STATEMENT = frozenset({"completed", "entered-in-error", "stopped", "not-taken"})
_STOPPED = {
    "MedicationRequest": _STOPPED_REQUEST,
    "MedicationStatement": _STOPPED_STATEMENT,
    # A dispense or administration the EHR sends is read as taken unless it did not happen.
    "MedicationDispense": frozenset({"cancelled", "entered-in-error", "stopped", "declined"}),
    "MedicationAdministration": frozenset({"not-done", "entered-in-error", "stopped"}),
}
MEDICATION_TYPES = frozenset(_STOPPED)
_INACTIVE_CONDITION = frozenset({"inactive", "resolved", "remission"})
_REFUTED_CONDITION = frozenset({"refuted", "entered-in-error"})
_READ_TYPES = MEDICATION_TYPES | {"Condition", "Observation", "Patient", "Medication", "Bundle"}


@dataclass
class MedicationSource:
    """One medication as the checker sees it, and the FHIR resource it came from."""

    text: str                      # the item given to the checker
    reference: str | None          # "MedicationRequest/123" (or the entry's fullUrl)
    resource_type: str
    display: str = ""              # the medication's name as the record gives it
    new: bool = False              # a draft order of this hook (not the patient's record)
    resource: dict | None = field(default=None, repr=False)


@dataclass
class ConditionSource:
    text: str
    reference: str | None


@dataclass
class FhirInput:
    """What a Bundle (or a CDS Hooks request) says, ready for ``Checker.check``."""

    medications: list[MedicationSource]
    conditions: list[ConditionSource]
    context: PatientContext
    egfr_reference: str | None = None
    egfr_date: str | None = None
    patient_reference: str | None = None
    seen: set[str] = field(default_factory=set)      # resource types present
    ignored: dict[str, int] = field(default_factory=dict)  # resource type -> count not used

    @property
    def items(self) -> list[str]:
        """Each medication text once: the same drug as a MedicationRequest and a
        MedicationStatement is one item (one finding naming both resources), not two."""
        return list(dict.fromkeys(m.text for m in self.medications))

    def sources_for(self, text: str) -> list[MedicationSource]:
        return [m for m in self.medications if m.text == text]


def resources_of(bundle: Any, where: str = "bundle") -> list[dict]:
    """The resources of a Bundle (nested Bundles flattened), or of a single resource."""
    if not isinstance(bundle, dict):
        raise InputError(f"{where}: expected a FHIR resource (a JSON object), "
                         f"got {type(bundle).__name__}")
    kind = bundle.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise InputError(f"{where}: no 'resourceType'; expected a FHIR R4 Bundle or resource")
    if kind not in codes.R4_RESOURCE_TYPES:
        raise InputError(f"{where}: unknown FHIR resource type {kind!r}; expected an R4 "
                         "resource such as Bundle, MedicationRequest or Condition")
    if kind != "Bundle":
        return [bundle]
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InputError(f"{where}: 'entry' must be a list of entries")
    found: list[dict] = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(f"{where}: entry {n} must be an object with a 'resource'")
        resource = entry.get("resource")
        if resource is None:
            continue  # a search Bundle may hold entries that only carry an OperationOutcome link
        nested = resources_of(resource, f"{where} entry {n}")
        if (len(nested) == 1 and nested[0] is resource and isinstance(entry.get("fullUrl"), str)
                and not resource.get("id")):
            nested = [{**resource, "_fullUrl": entry["fullUrl"]}]  # a copy: the input is not ours
        found.extend(nested)
    return found


class _Known(NamedTuple):
    recognised: bool
    id: str | None
    kind: str | None
    has_strength: bool
    unparsed: bool


class FhirReader:
    """Reads resources into checker items and a PatientContext.

    Takes the checker's resolver so that, of the names a medication carries (its text, each
    coding's display, an ATC code), the first one the rules recognise is the one checked.
    """

    def __init__(self, resolver, today: dt.date | None = None):
        self.resolver = resolver
        self.today = today
        # The same names come in every request of a service: what a name resolves to is kept
        # (as a small immutable summary; the resolver's entries are not ours to share).
        self._known = lru_cache(maxsize=32768)(self._identify)

    def _identify(self, text: str) -> _Known:
        entry = self.resolver.identify(text)
        return _Known(entry.recognised, entry.id, entry.kind, entry.strength is not None,
                      bool(entry.unparsed))

    def read(self, resources: Iterable[dict], new: Iterable[dict] = ()) -> FhirInput:
        resources = list(resources)
        new_ids = {id(r) for r in new}
        medications_by_ref = medication_resources(resources)
        out = FhirInput(medications=[], conditions=[], context=PatientContext())
        patient: dict | None = None
        observations: list[dict] = []
        condition_texts: list[str] = []
        for resource in resources:
            kind = resource.get("resourceType")
            out.seen.add(kind)
            if kind in MEDICATION_TYPES:
                source = self._medication(resource, medications_by_ref, id(resource) in new_ids)
                if source is not None:
                    out.medications.append(source)
            elif kind == "Condition":
                cond = self._condition(resource)
                if cond is not None:
                    out.conditions.append(cond)
                    condition_texts.append(cond.text)
            elif kind == "Observation":
                observations.append(resource)
            elif kind == "Patient":
                patient = patient or resource
            elif kind not in _READ_TYPES:
                out.ignored[kind] = out.ignored.get(kind, 0) + 1
        egfr = _latest(egfr_reading(o) for o in observations)
        pregnancy = _latest(pregnancy_status(o) for o in observations)
        context: dict[str, Any] = {"conditions": list(dict.fromkeys(condition_texts))}
        if patient is not None:
            out.patient_reference = reference_of(patient)
            context.update(patient_fields(patient, self.today or dt.date.today()))
        if egfr is not None:
            context["egfr"] = egfr[1]
            out.egfr_reference, out.egfr_date = reference_of(egfr[2]), egfr[0] or None
        if pregnancy is not None or any(c.text == "Z33.1" for c in out.conditions):
            context["pregnant"] = any(c.text == "Z33.1" for c in out.conditions) or pregnancy[1]
        out.context = PatientContext(**context)
        return out

    # -- medications ---------------------------------------------------------------------------

    def _medication(self, resource: dict, medications: dict[str, dict],
                    new: bool) -> MedicationSource | None:
        kind = resource["resourceType"]
        status = resource.get("status")
        stopped = _STOPPED[kind]
        if isinstance(status, str) and status in stopped and not new:
            return None
        concept = resource.get("medicationCodeableConcept")
        if not isinstance(concept, dict):
            ref = resource.get("medicationReference")
            target = looked_up(ref, medications, resource)
            concept = target.get("code") if isinstance(target, dict) else None
            if not isinstance(concept, dict) and isinstance(ref, dict):
                concept = {"text": ref.get("display")} if isinstance(ref.get("display"), str) else None
        name = self._medication_text(concept, kind, resource)
        text = self._with_dosage(name, first_dosage(resource))
        return MedicationSource(text=text, reference=reference_of(resource), resource_type=kind,
                                display=name, new=new, resource=resource)

    def _medication_text(self, concept: dict | None, kind: str, resource: dict) -> str:
        names = concept_names(concept, codes.MEDICATION_CODE_SYSTEMS)
        for name in names:
            if self._known(name).recognised:
                return name
        words = concept_names(concept, frozenset())
        if words:
            return words[0]
        if names:
            return f"{kind} code {names[0]}"
        # "MedicationStatement s9", not ".../s9": the text is checked as an item, where "/" between
        # two words separates items.
        ref = (reference_of(resource) or kind).replace("/", " ")
        return f"{ref} (no medication name or code)"

    def _with_dosage(self, text: str, dosage: dict | None) -> str:
        """Add the dose, frequency and route the order gives, when the parser reads them the
        same way (otherwise the text alone: a word it does not know would hide the drug)."""
        if dosage is None:
            return text
        base = self._known(text)
        if not base.recognised:
            return text
        extra = dosage_words(dosage, has_strength=base.has_strength)
        if not extra:
            return text
        fuller = f"{text} {extra}"
        entry = self._known(fuller)
        return fuller if entry.recognised and entry.id == base.id and not entry.unparsed else text

    # -- conditions ----------------------------------------------------------------------------

    def _condition(self, resource: dict) -> ConditionSource | None:
        clinical = first_code(resource.get("clinicalStatus"))
        verification = first_code(resource.get("verificationStatus"))
        if clinical in _INACTIVE_CONDITION or verification in _REFUTED_CONDITION:
            return None
        if resource.get("abatementDateTime") or resource.get("abatementPeriod"):
            return None
        concept = resource.get("code")
        names = concept_names(concept, codes.CONDITION_CODE_SYSTEMS)
        if isinstance(concept, dict):
            for coding in codings_of(concept):
                if coding.get("system") == codes.SNOMED and coding.get("code") in codes.SNOMED_TO_ICD10:
                    names.insert(0, codes.SNOMED_TO_ICD10[coding["code"]])
        names += [without_semantic_tag(n) for n in names if without_semantic_tag(n) != n]
        for name in names:
            entry = self._known(name)
            if entry.recognised and entry.kind == "condition":
                return ConditionSource(text=name, reference=reference_of(resource))
        words = concept_names(concept, frozenset()) or names
        if not words:
            return None
        return ConditionSource(text=words[0], reference=reference_of(resource))


# -- helpers --------------------------------------------------------------------------------------


def _latest(readings: Iterable[tuple | None]) -> tuple | None:
    """The reading with the latest date (its first field), of those there are."""
    return max((r for r in readings if r is not None), key=lambda r: r[0], default=None)

"""FHIR R4 in: medications, conditions, eGFR, age, sex and pregnancy from a Bundle or resources.

The reader is tolerant of what real EHRs send (missing optional fields, extra fields, codes we do
not know) but strict about what would change the answer: a resource that is not FHIR R4, or a
Bundle that is not a Bundle, is an InputError. Everything it cannot use is said, never dropped
in silence: an unreadable medication becomes an unrecognised item, and `missing` says which
patient data was not there.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ..errors import InputError
from ..models import PatientContext
from . import codes

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
_OBSERVATION_OK = frozenset({"final", "amended", "corrected", "preliminary"})
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
        medications_by_ref = _medication_resources(resources)
        out = FhirInput(medications=[], conditions=[], context=PatientContext())
        patient: dict | None = None
        egfr: tuple[str, float, dict] | None = None
        pregnancy: tuple[str, bool] | None = None
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
                reading = _egfr(resource)
                if reading is not None and (egfr is None or reading[0] > egfr[0]):
                    egfr = reading
                preg = _pregnancy_status(resource)
                if preg is not None and (pregnancy is None or preg[0] > pregnancy[0]):
                    pregnancy = preg
            elif kind == "Patient":
                patient = patient or resource
            elif kind not in _READ_TYPES:
                out.ignored[kind] = out.ignored.get(kind, 0) + 1
        context: dict[str, Any] = {"conditions": list(dict.fromkeys(condition_texts))}
        if patient is not None:
            out.patient_reference = _reference(patient)
            context.update(_patient_fields(patient, self.today or dt.date.today()))
        if egfr is not None:
            context["egfr"] = egfr[1]
            out.egfr_reference, out.egfr_date = _reference(egfr[2]), egfr[0] or None
        if pregnancy is not None:
            context["pregnant"] = pregnancy[1]
        if any(c.text == "Z33.1" for c in out.conditions):
            context["pregnant"] = True
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
            target = _lookup(ref, medications, resource)
            concept = target.get("code") if isinstance(target, dict) else None
            if not isinstance(concept, dict) and isinstance(ref, dict):
                concept = {"text": ref.get("display")} if isinstance(ref.get("display"), str) else None
        name = self._medication_text(concept, kind, resource)
        text = self._with_dosage(name, _first_dosage(resource))
        return MedicationSource(text=text, reference=_reference(resource), resource_type=kind,
                                display=name, new=new, resource=resource)

    def _medication_text(self, concept: dict | None, kind: str, resource: dict) -> str:
        names = _concept_names(concept, codes.MEDICATION_CODE_SYSTEMS)
        for name in names:
            if self._known(name).recognised:
                return name
        words = _concept_names(concept, frozenset())
        if words:
            return words[0]
        if names:
            return f"{kind} code {names[0]}"
        ref = _reference(resource) or kind
        return f"{ref} (no medication name or code)"

    def _with_dosage(self, text: str, dosage: dict | None) -> str:
        """Add the dose, frequency and route the order gives, when the parser reads them the
        same way (otherwise the text alone: a word it does not know would hide the drug)."""
        if dosage is None:
            return text
        base = self._known(text)
        if not base.recognised:
            return text
        extra = _dosage_words(dosage, has_strength=base.has_strength)
        if not extra:
            return text
        fuller = f"{text} {extra}"
        entry = self._known(fuller)
        return fuller if entry.recognised and entry.id == base.id and not entry.unparsed else text

    # -- conditions ----------------------------------------------------------------------------

    def _condition(self, resource: dict) -> ConditionSource | None:
        clinical = _first_code(resource.get("clinicalStatus"))
        verification = _first_code(resource.get("verificationStatus"))
        if clinical in _INACTIVE_CONDITION or verification in _REFUTED_CONDITION:
            return None
        if resource.get("abatementDateTime") or resource.get("abatementPeriod"):
            return None
        concept = resource.get("code")
        names = _concept_names(concept, codes.CONDITION_CODE_SYSTEMS)
        if isinstance(concept, dict):
            for coding in _codings(concept):
                if coding.get("system") == codes.SNOMED and coding.get("code") in codes.SNOMED_TO_ICD10:
                    names.insert(0, codes.SNOMED_TO_ICD10[coding["code"]])
        names += [_without_semantic_tag(n) for n in names if _without_semantic_tag(n) != n]
        for name in names:
            entry = self._known(name)
            if entry.recognised and entry.kind == "condition":
                return ConditionSource(text=name, reference=_reference(resource))
        words = _concept_names(concept, frozenset()) or names
        if not words:
            return None
        return ConditionSource(text=words[0], reference=_reference(resource))


# -- helpers --------------------------------------------------------------------------------------

def _codings(concept: Any) -> list[dict]:
    """A concept's codings with only string system/code/display kept (anything else is None),
    so that what an EHR sends in the wrong type is not read rather than crashing a lookup."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(found, list):
        return []
    return [{k: _text(c.get(k)) for k in ("system", "code", "display")}
            for c in found if isinstance(c, dict)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _first_code(concept: Any) -> str | None:
    if isinstance(concept, str):  # STU3 wrote clinicalStatus and verificationStatus as codes
        return concept
    for coding in _codings(concept):
        if isinstance(coding.get("code"), str):
            return coding["code"]
    return None


def _concept_names(concept: Any, code_systems: frozenset[str]) -> list[str]:
    """Text first (what the prescriber chose), then each coding's code (systems the vocabulary
    lists) and display."""
    if not isinstance(concept, dict):
        return []
    names: list[str] = []
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        names.append(concept["text"].strip())
    for coding in _codings(concept):
        code, display = coding.get("code"), coding.get("display")
        if coding.get("system") in code_systems and isinstance(code, str) and code.strip():
            names.append(code.strip())
        if isinstance(display, str) and display.strip():
            names.append(display.strip())
    return list(dict.fromkeys(names))


def _without_semantic_tag(name: str) -> str:
    """SNOMED CT fully specified names end in a tag: 'Myasthenia gravis (disorder)'."""
    if name.endswith(")") and " (" in name:
        return name[: name.rindex(" (")].strip()
    return name


def _reference(resource: dict) -> str | None:
    kind, rid = resource.get("resourceType"), resource.get("id")
    if isinstance(rid, str) and rid:
        return f"{kind}/{rid}"
    full = resource.get("_fullUrl")
    return full if isinstance(full, str) else None


def _medication_resources(resources: list[dict]) -> dict[str, dict]:
    found = {}
    for r in resources:
        if r.get("resourceType") == "Medication":
            for key in (_reference(r), r.get("_fullUrl")):
                if key:
                    found[key] = r
    return found


def _lookup(ref: Any, medications: dict[str, dict], holder: dict) -> dict | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    target = ref["reference"]
    if target.startswith("#"):
        for contained in holder.get("contained") or []:
            if isinstance(contained, dict) and contained.get("id") == target[1:]:
                return contained
        return None
    if target in medications:
        return medications[target]
    tail = "/".join(target.rstrip("/").split("/")[-2:])
    return medications.get(tail)


def _first_dosage(resource: dict) -> dict | None:
    dosage = resource.get("dosageInstruction") or resource.get("dosage")
    if isinstance(dosage, list) and dosage and isinstance(dosage[0], dict):
        return dosage[0]
    if isinstance(dosage, dict):  # MedicationAdministration.dosage: one object; its route counts
        return {"route": dosage.get("route")}
    return None


_PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1, "wk": 7, "mo": 30, "a": 365}
_DOSE_UNITS = {"mg": "mg", "g": "g", "mcg": "mcg", "ug": "mcg", "mmol": "mmol", "meq": "mEq",
               "ml": "mL", "tablet": "tablets", "tab": "tablets", "capsule": "capsules",
               "cap": "capsules", "{tbl}": "tablets", "{tablet}": "tablets", "{capsule}": "capsules"}


def _dosage_words(dosage: dict, has_strength: bool) -> str:
    words: list[str] = []
    rates = dosage.get("doseAndRate")
    quantity = rates[0].get("doseQuantity") if isinstance(rates, list) and rates and isinstance(rates[0], dict) \
        else dosage.get("doseQuantity")  # STU3 put it on the Dosage itself
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), (int, float)):
        unit = str(quantity.get("code") or quantity.get("unit") or "").strip().lower()
        word = _DOSE_UNITS.get(unit) or _DOSE_UNITS.get(unit.rstrip("s"))
        value = float(quantity["value"])
        if word and value > 0 and (word in ("tablets", "capsules", "mL") or not has_strength):
            words.append(f"{value:g} {word[:-1] if value == 1 and word.endswith('s') else word}")
    repeat = (dosage.get("timing") or {}).get("repeat") if isinstance(dosage.get("timing"), dict) else None
    if isinstance(repeat, dict):
        freq, period, unit = repeat.get("frequency"), repeat.get("period"), _text(repeat.get("periodUnit"))
        if isinstance(freq, (int, float)) and isinstance(period, (int, float)) and unit in _PERIOD_DAYS \
                and freq > 0 and period > 0:
            per_day = freq / (period * _PERIOD_DAYS[unit])
            if per_day >= 1 and math.isclose(per_day, round(per_day)):
                words.append(f"{round(per_day)}x daily")
            elif unit == "h" and freq == 1:
                words.append(f"every {period:g} hours")
            elif unit == "wk" and freq == 1 and period == 1:
                words.append("weekly")
    if dosage.get("asNeededBoolean") is True or isinstance(dosage.get("asNeededCodeableConcept"), dict):
        words.append("prn")
    route = dosage.get("route")
    if isinstance(route, dict):
        route_codes = {c.get("code") for c in _codings(route)}
        text = " ".join(str(c.get("display", "")) for c in _codings(route)) + " " + str(route.get("text", ""))
        if route_codes & codes.SNOMED_INTRAVENOUS or "intravenous" in text.lower():
            words.append("IV")
    return " ".join(words)


def _egfr(resource: dict) -> tuple[str, float, dict] | None:
    """(date, mL/min/1.73 m2, resource) of an eGFR result, or None."""
    if _text(resource.get("status")) not in _OBSERVATION_OK:
        return None
    if not any(c.get("system") in (codes.LOINC, None) and c.get("code") in codes.EGFR_LOINC
               for c in _codings(resource.get("code"))):
        return None
    value = resource.get("valueQuantity")
    if not isinstance(value, dict) or not isinstance(value.get("value"), (int, float)) \
            or isinstance(value.get("value"), bool):
        return None
    unit = str(value.get("code") or value.get("unit") or "mL/min/{1.73_m2}").lower().replace(" ", "")
    factor = codes.EGFR_UNITS.get(unit) or codes.EGFR_UNITS.get(unit.replace("1.73m2", "{1.73_m2}"))
    if factor is None:
        return None
    egfr = float(value["value"]) * factor
    if value.get("comparator") in ("<", "<="):
        egfr = math.nextafter(egfr, 0.0) if value["comparator"] == "<" else egfr
    if not 0 <= egfr <= 250:
        return None
    return _when(resource), egfr, resource


def _pregnancy_status(resource: dict) -> tuple[str, bool] | None:
    if _text(resource.get("status")) not in _OBSERVATION_OK:
        return None
    if not any(c.get("code") == codes.PREGNANCY_STATUS_LOINC for c in _codings(resource.get("code"))):
        return None
    found = {c.get("code") for c in _codings(resource.get("valueCodeableConcept"))}
    if found & codes.SNOMED_PREGNANT:
        return _when(resource), True
    if found & codes.SNOMED_NOT_PREGNANT:
        return _when(resource), False
    return None


def _when(resource: dict) -> str:
    for key in ("effectiveDateTime", "effectiveInstant", "issued"):
        if isinstance(resource.get(key), str):
            return resource[key]
    period = resource.get("effectivePeriod")
    if isinstance(period, dict):
        return str(period.get("end") or period.get("start") or "")
    return ""


def _patient_fields(patient: dict, today: dt.date) -> dict[str, Any]:
    found: dict[str, Any] = {}
    gender = patient.get("gender")
    if gender in ("female", "male"):
        found["sex"] = "F" if gender == "female" else "M"
    birth = patient.get("birthDate")
    if isinstance(birth, str) and len(birth) >= 4:
        try:
            parts = [int(p) for p in birth[:10].split("-")]
            born = dt.date(parts[0], parts[1] if len(parts) > 1 else 7, parts[2] if len(parts) > 2 else 1)
        except ValueError:
            return found
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if 0 <= years <= 130:
            found["age"] = float(years)
    return found

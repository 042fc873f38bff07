"""Values out of FHIR R4 JSON as EHRs send it: codings and texts, references, dosage, the
latest eGFR, pregnancy status and the patient's age and sex. Tolerant: a field of the wrong
shape is not there."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from . import codes


def codings_of(concept: Any) -> list[dict]:
    """A concept's codings with only string system/code/display kept (anything else is None),
    so that what an EHR sends in the wrong type is not read rather than crashing a lookup."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(found, list):
        return []
    return [
        {k: text_of(c.get(k)) for k in ("system", "code", "display")} for c in found if isinstance(c, dict)
    ]


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def first_code(concept: Any) -> str | None:
    if isinstance(concept, str):  # STU3 wrote clinicalStatus and verificationStatus as codes
        return concept
    for coding in codings_of(concept):
        if isinstance(coding.get("code"), str):
            return coding["code"]
    return None


def concept_names(concept: Any, code_systems: frozenset[str]) -> list[str]:
    """Text first (what the prescriber chose), then each coding's code (systems the vocabulary
    lists) and display."""
    if not isinstance(concept, dict):
        return []
    names: list[str] = []
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        names.append(concept["text"].strip())
    for coding in codings_of(concept):
        code, display = coding.get("code"), coding.get("display")
        if coding.get("system") in code_systems and isinstance(code, str) and code.strip():
            names.append(code.strip())
        if isinstance(display, str) and display.strip():
            names.append(display.strip())
    return list(dict.fromkeys(names))


def without_semantic_tag(name: str) -> str:
    """SNOMED CT fully specified names end in a tag: 'Myasthenia gravis (disorder)'."""
    if name.endswith(")") and " (" in name:
        return name[: name.rindex(" (")].strip()
    return name


def reference_of(resource: dict) -> str | None:
    kind, rid = resource.get("resourceType"), resource.get("id")
    if isinstance(rid, str) and rid:
        return f"{kind}/{rid}"
    full = resource.get("_fullUrl")
    return full if isinstance(full, str) else None


def medication_resources(resources: list[dict]) -> dict[str, dict]:
    found = {}
    for r in resources:
        if r.get("resourceType") == "Medication":
            for key in (reference_of(r), r.get("_fullUrl")):
                if key:
                    found[key] = r
    return found


def looked_up(ref: Any, medications: dict[str, dict], holder: dict) -> dict | None:
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


def first_dosage(resource: dict) -> dict | None:
    dosage = resource.get("dosageInstruction") or resource.get("dosage")
    if isinstance(dosage, list) and dosage and isinstance(dosage[0], dict):
        return dosage[0]
    if isinstance(dosage, dict):  # MedicationAdministration.dosage: one object; its route counts
        return {"route": dosage.get("route")}
    return None


_PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1, "wk": 7, "mo": 30, "a": 365}
_DOSE_UNITS = {
    "mg": "mg",
    "g": "g",
    "mcg": "mcg",
    "ug": "mcg",
    "mmol": "mmol",
    "meq": "mEq",
    "ml": "mL",
    "tablet": "tablets",
    "tab": "tablets",
    "capsule": "capsules",
    "cap": "capsules",
    "{tbl}": "tablets",
    "{tablet}": "tablets",
    "{capsule}": "capsules",
}


def dosage_words(dosage: dict, has_strength: bool) -> str:
    words: list[str] = []
    rates = dosage.get("doseAndRate")
    quantity = (
        rates[0].get("doseQuantity")
        if isinstance(rates, list) and rates and isinstance(rates[0], dict)
        else dosage.get("doseQuantity")
    )  # STU3 put it on the Dosage itself
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), (int, float)):
        unit = str(quantity.get("code") or quantity.get("unit") or "").strip().lower()
        word = _DOSE_UNITS.get(unit) or _DOSE_UNITS.get(unit.rstrip("s"))
        value = float(quantity["value"])
        if word and value > 0 and (word in ("tablets", "capsules", "mL") or not has_strength):
            words.append(f"{value:g} {word[:-1] if value == 1 and word.endswith('s') else word}")
    repeat = (dosage.get("timing") or {}).get("repeat") if isinstance(dosage.get("timing"), dict) else None
    if isinstance(repeat, dict):
        freq, period, unit = repeat.get("frequency"), repeat.get("period"), text_of(repeat.get("periodUnit"))
        if (
            isinstance(freq, (int, float))
            and isinstance(period, (int, float))
            and unit in _PERIOD_DAYS
            and freq > 0
            and period > 0
        ):
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
        route_codes = {c.get("code") for c in codings_of(route)}
        text = (
            " ".join(str(c.get("display", "")) for c in codings_of(route)) + " " + str(route.get("text", ""))
        )
        if route_codes & codes.SNOMED_INTRAVENOUS or "intravenous" in text.lower():
            words.append("IV")
    return " ".join(words)


def egfr_reading(resource: dict) -> tuple[str, float, dict] | None:
    """(date, mL/min/1.73 m2, resource) of an eGFR result, or None."""
    if text_of(resource.get("status")) not in codes.OBSERVATION_OK:
        return None
    if not any(
        c.get("system") in (codes.LOINC, None) and c.get("code") in codes.EGFR_LOINC
        for c in codings_of(resource.get("code"))
    ):
        return None
    value = resource.get("valueQuantity")
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("value"), (int, float))
        or isinstance(value.get("value"), bool)
    ):
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
    return effective_time(resource), egfr, resource


def pregnancy_status(resource: dict) -> tuple[str, bool] | None:
    if text_of(resource.get("status")) not in codes.OBSERVATION_OK:
        return None
    if not any(c.get("code") == codes.PREGNANCY_STATUS_LOINC for c in codings_of(resource.get("code"))):
        return None
    found = {c.get("code") for c in codings_of(resource.get("valueCodeableConcept"))}
    if found & codes.SNOMED_PREGNANT:
        return effective_time(resource), True
    if found & codes.SNOMED_NOT_PREGNANT:
        return effective_time(resource), False
    return None


def effective_time(resource: dict) -> str:
    for key in ("effectiveDateTime", "effectiveInstant", "issued"):
        if isinstance(resource.get(key), str):
            return resource[key]
    period = resource.get("effectivePeriod")
    if isinstance(period, dict):
        return str(period.get("end") or period.get("start") or "")
    return ""


def patient_fields(patient: dict, today: dt.date) -> dict[str, Any]:
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

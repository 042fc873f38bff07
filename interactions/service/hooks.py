"""The CDS Hooks services we offer, and how a hook request becomes checker input.

A request is read from what its context and prefetch hold; nothing is fetched from the EHR's FHIR
server. What the request does not carry is listed in ``Gathered.missing`` so a card can say so
instead of assuming the patient has no medicines, conditions or kidney impairment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..fhir import codes
from ..fhir.read import MEDICATION_TYPES, FhirInput, FhirReader, resources_of

_EGFR_CODES = ",".join(f"{codes.LOINC}|{code}" for code in codes.EGFR_LOINC)

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active,on-hold",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}&status=active,intended,on-hold",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse",
    "egfr": f"Observation?patient={{{{context.patientId}}}}&code={_EGFR_CODES}&_sort=-date&_count=1",
    "pregnancy": f"Observation?patient={{{{context.patientId}}}}&code={codes.LOINC}|"
                 f"{codes.PREGNANCY_STATUS_LOINC}&_sort=-date&_count=1",
}
MEDICATION_KEYS = ("medicationRequests", "medicationStatements")


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str

    def discovery(self) -> dict:
        return {"hook": self.hook, "title": self.title, "description": self.description,
                "id": self.id, "prefetch": dict(PREFETCH)}


SERVICES = {s.id: s for s in (
    Service("magnesium-interactions-order-select", "order-select",
            "Oral magnesium interaction check (order select)",
            "Checks a medication being ordered against the patient's oral magnesium "
            "(supplements, antacids, laxatives), other medicines and conditions such as CKD, "
            "with the dose timing that avoids each interaction and its public source."),
    Service("magnesium-interactions-order-sign", "order-sign",
            "Oral magnesium interaction check (order sign)",
            "Checks the orders about to be signed against the patient's oral magnesium, other "
            "medicines, kidney function and conditions, with timing and sources."),
    Service("magnesium-interactions-patient-view", "patient-view",
            "Oral magnesium interaction review (patient view)",
            "Reviews the patient's active medicines for interactions with oral magnesium and for "
            "magnesium in kidney impairment, with timing and sources."),
)}


def discovery() -> dict:
    return {"services": [s.discovery() for s in SERVICES.values()]}


class RequestError(InputError):
    """A hook request that cannot be used; ``code`` names the kind for the JSON error body."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.status = code, status


@dataclass
class Gathered:
    source: FhirInput
    new_refs: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)


def gather(service: Service, body: Any, reader: FhirReader) -> Gathered:
    """Validate a hook request against the spec and read its FHIR content."""
    if not isinstance(body, dict):
        raise RequestError("invalid-request", "the request body must be a JSON object")
    hook = body.get("hook")
    if not isinstance(hook, str) or not hook:
        raise RequestError("missing-hook", "the request has no 'hook'")
    if hook != service.hook:
        raise RequestError("wrong-hook", f"service {service.id!r} answers the {service.hook!r} "
                                         f"hook, not {hook!r}")
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        raise RequestError("missing-hook-instance", "the request has no 'hookInstance' (a UUID)")
    context = body.get("context")
    if not isinstance(context, dict):
        raise RequestError("missing-context", "the request has no 'context' object")
    if not isinstance(context.get("patientId"), str) or not context["patientId"]:
        raise RequestError("missing-context", "context.patientId is required for the "
                                              f"{service.hook!r} hook")
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise RequestError("invalid-prefetch", "'prefetch' must be an object of FHIR resources")
    prefetch = prefetch or {}

    drafts: list[dict] = []
    if service.hook in ("order-select", "order-sign"):
        if "draftOrders" not in context:
            raise RequestError("missing-context",
                               f"context.draftOrders is required for the {service.hook!r} hook")
        drafts = _resources(context["draftOrders"], "context.draftOrders")
        selections = context.get("selections")
        new = list(drafts)
        if service.hook == "order-select" and isinstance(selections, list) and selections:
            chosen = {s for s in selections if isinstance(s, str)}
            picked = [r for r in drafts if _ref(r) in chosen or r.get("_fullUrl") in chosen]
            # Selections that name no draft order cannot narrow anything: check every draft
            # rather than none.
            new = picked or new
    else:
        new = []

    record: list[dict] = []
    for key, value in prefetch.items():
        if value is None:
            continue  # the client could not fetch it: reported below as missing
        record += _resources(value, f"prefetch.{key}")
    resources = drafts + record
    # A medication in both the draft orders and the record (same id) is read once, as the draft.
    draft_refs, draft_ids = {_ref(r) for r in drafts} - {None}, {id(r) for r in drafts}
    resources = [r for r in resources if id(r) in draft_ids or _ref(r) not in draft_refs]
    source = reader.read(resources, new=new)
    return Gathered(source=source, new_refs={_ref(r) for r in new if _ref(r)},
                    missing=_missing(prefetch, record, source))


def _resources(value: Any, where: str) -> list[dict]:
    try:
        return resources_of(value, where)
    except RequestError:
        raise
    except InputError as exc:
        text = str(exc)
        code = "unknown-resource-type" if "unknown FHIR resource type" in text else "invalid-fhir"
        raise RequestError(code, text) from None


def _ref(resource: dict) -> str | None:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if isinstance(rid, str) and rid else None


def _missing(prefetch: dict, record: list[dict], source: FhirInput) -> list[str]:
    """What the request did not carry that the check uses."""
    missing = []
    kinds = {r.get("resourceType") for r in record}
    medication_keys = [k for k in prefetch if k in MEDICATION_KEYS or "medication" in k.lower()]
    if not any(prefetch.get(k) is not None for k in medication_keys) \
            and not kinds & MEDICATION_TYPES:
        missing.append("medications")
    if prefetch.get("conditions") is None and "Condition" not in kinds:
        missing.append("conditions")
    if source.context.egfr is None:
        missing.append("egfr" if prefetch.get("egfr") is None else "egfr-none-recorded")
    if source.context.age is None:
        missing.append("age")
    return missing

"""FHIR R4 out: each finding as a DetectedIssue, in a collection Bundle.

Plain dicts, so that writing FHIR needs no extra package; the tests check the output against the
fhir.resources models.
"""

from __future__ import annotations

import uuid

from ..models import Finding, Report
from . import codes
from .read import FhirInput

# DetectedIssue.severity is high | moderate | low.
ISSUE_SEVERITY = {"contraindicated": "high", "major": "high", "moderate": "moderate", "minor": "low"}
_NAMESPACE = uuid.UUID("6f1d7c1e-2b9a-4f50-9a53-3c1f0c7e5d21")


def timing_text(finding: Finding) -> str:
    """The separation in words, in the direction the finding gives it ('' for a condition or
    dose finding, which timing cannot solve)."""
    if finding.object is None:
        return ""
    subject, other = finding.subject.name, finding.object.name
    gap = finding.separation
    if gap is None:
        if finding.action == "avoid":
            return f"No dose separation avoids this: the sources give no safe gap between {subject} and {other}."
        return ""
    before, after = gap.drug_before_hours, gap.drug_after_hours
    if before is not None and after is not None:
        return f"Take {subject} at least {before:g} h before or {after:g} h after {other}."
    if before is not None:
        return f"Take {subject} at least {before:g} h before {other} (the sources give no gap the other way)."
    return f"Take {subject} at least {after:g} h after {other} (the sources give no gap the other way)."


def finding_key(finding: Finding) -> str:
    other = finding.object or finding.condition
    return "|".join((finding.rule_id, finding.subject.id, finding.subject.input,
                     other.id if other else "", other.input if other else ""))


def detected_issue(finding: Finding, source: FhirInput | None = None,
                   patient: str | None = None) -> dict:
    """One finding as a DetectedIssue resource (R4)."""
    code, display = codes.ISSUE_CATEGORY[finding.kind]
    implicated = []
    for ref in (finding.subject, finding.object):
        if ref is None:
            continue
        matches = source.sources_for(ref.input) if source else []
        if matches and matches[0].reference:
            implicated += [{"reference": m.reference, "display": ref.input} for m in matches
                           if m.reference]
        else:
            implicated.append({"display": ref.input})
    mitigation_text = " ".join(t for t in (finding.management, timing_text(finding)) if t)
    issue: dict = {
        "resourceType": "DetectedIssue",
        "id": str(uuid.uuid5(_NAMESPACE, finding_key(finding))),
        "status": "preliminary",
        "code": {"coding": [{"system": codes.ACT_CODE, "code": code, "display": display}],
                 "text": finding.kind},
        "severity": ISSUE_SEVERITY[finding.severity],
        "implicated": implicated,
        "detail": f"{finding.message} Mechanism: {finding.mechanism}",
        "mitigation": [{"action": {"text": mitigation_text}}],
        "evidence": [{"code": [{"text": f"evidence: {finding.evidence}; severity: "
                                        f"{finding.severity}; action: {finding.action}; "
                                        f"rule: {finding.rule_id}"}],
                      "detail": [{"display": _cite(r)} for r in finding.references]}],
    }
    if patient:
        issue["patient"] = {"reference": patient}
    if finding.references:
        issue["reference"] = finding.references[0].url
    return issue


def detected_issues_bundle(report: Report, source: FhirInput | None = None) -> dict:
    """Every finding of a report as a collection Bundle of DetectedIssue resources."""
    patient = source.patient_reference if source else None
    entries = [{"fullUrl": f"urn:uuid:{issue['id']}", "resource": issue}
               for issue in (detected_issue(f, source, patient) for f in report.findings)]
    outcome = unrecognized_outcome(report)
    if outcome is not None:
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": outcome})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _cite(reference) -> str:
    where = f", {reference.section}" if reference.section else ""
    return f"{reference.title}{where}: {reference.url}"


def unrecognized_outcome(report: Report) -> dict | None:
    """Items the rules do not know, as an OperationOutcome: unknown is reported, never dropped."""
    if not report.unrecognized:
        return None
    issues = []
    for item in report.unrecognized:
        hint = f" Did you mean: {', '.join(item.suggestions)}?" if item.suggestions else ""
        issues.append({"severity": "warning", "code": "not-found",
                       "diagnostics": f"{item.input!r} is not recognised and was not checked for "
                                      f"magnesium interactions.{hint}"})
    return {"resourceType": "OperationOutcome", "issue": issues}

"""A Report as CDS Hooks cards.

One card per finding that concerns this hook's new orders (every finding in patient-view), one
card for whatever the rules do not recognise (unknown is never silent), one card for data the
request did not carry when it could change the answer; no card when nothing is found.
"""

from __future__ import annotations

import copy
import uuid

from ..fhir.write import finding_key, timing_text
from ..models import Finding, Report
from .hooks import Gathered

INDICATOR = {"contraindicated": "critical", "major": "critical", "moderate": "warning",
             "minor": "info"}
SOURCE_LABEL = "interactions: oral magnesium rules"
OVERRIDE_SYSTEM = "urn:interactions:cds:override-reason"
OVERRIDE_REASONS = [
    {"system": OVERRIDE_SYSTEM, "code": "doses-will-be-separated",
     "display": "Doses will be separated as advised"},
    {"system": OVERRIDE_SYSTEM, "code": "benefit-outweighs-risk",
     "display": "Benefit outweighs risk; will monitor"},
    {"system": OVERRIDE_SYSTEM, "code": "not-taking-item",
     "display": "Patient is no longer taking one of these"},
    {"system": OVERRIDE_SYSTEM, "code": "already-addressed",
     "display": "Already addressed with the patient"},
    {"system": OVERRIDE_SYSTEM, "code": "not-clinically-relevant",
     "display": "Not clinically relevant for this patient"},
]
_ACTION_WORDS = {"avoid": "avoid", "separate": "separate doses", "adjust-dose": "adjust the dose",
                 "monitor": "monitor", "inform": "inform the patient"}
_NAMESPACE = uuid.UUID("0b8f2f4e-8a3c-4c36-9d5e-7a1e2b6c9f10")
SUMMARY_LIMIT = 139


def cards_for(report: Report, gathered: Gathered, hook: str, hook_instance: str,
              on_card=None) -> list[dict]:
    """The cards for one hook call; ``on_card(uuid, rule_id, indicator)`` hears of each."""
    source = gathered.source
    new_texts = {m.text for m in source.medications if m.new}
    order_hook = hook in ("order-select", "order-sign")
    shown = [f for f in report.findings if not order_hook or _concerns(f, new_texts, report)]
    if order_hook:
        # A condition or dose finding on an item the new order interacts with bears on the
        # decision ("separate doses" may rather be "stop the magnesium"): shown with it.
        implicated = {r.input for f in shown for r in (f.subject, f.object) if r is not None}
        taken = {id(f) for f in shown}
        shown = [f for f in report.findings if id(f) in taken
                 or (f.object is None and f.subject.input in implicated)]
    cards = []
    for finding in shown:
        cards.append(finding_card(finding, gathered, hook_instance))
        if on_card is not None:
            on_card(cards[-1]["uuid"], finding.rule_id, cards[-1]["indicator"])
    condition_texts = {c.text for c in source.conditions}
    unknown_meds = [u for u in report.unrecognized if u.input not in condition_texts]
    unknown_conditions = [u for u in report.unrecognized if u.input in condition_texts]
    # Magnesium that bears on this decision: any in patient-view; in an order hook, a new order
    # of magnesium or the magnesium a new order interacts with.
    magnesium = {i.input for i in report.magnesium_dose.items} if report.magnesium_dose else set()
    if order_hook:
        magnesium &= new_texts | {r.input for f in shown for r in (f.subject, f.object) if r}
    has_magnesium = bool(magnesium)
    if unknown_meds or (unknown_conditions and has_magnesium):
        cards.append(unrecognized_card(unknown_meds, unknown_conditions, gathered, hook_instance))
    missing = missing_card(report, gathered, hook, hook_instance, has_magnesium)
    if missing:
        cards.append(missing)
    return cards


def _concerns(finding: Finding, new_texts: set[str], report: Report) -> bool:
    if finding.subject.input in new_texts or (finding.object and finding.object.input in new_texts):
        return True
    if finding.kind == "dose" and report.magnesium_dose:
        return any(i.input in new_texts for i in report.magnesium_dose.items)
    return False


def finding_card(finding: Finding, gathered: Gathered, hook_instance: str) -> dict:
    card_id = str(uuid.uuid5(_NAMESPACE, f"{hook_instance}|{finding_key(finding)}"))
    card = {
        "uuid": card_id,
        "summary": summary(finding),
        "indicator": INDICATOR[finding.severity],
        "detail": detail(finding, gathered),
        "source": _source(finding),
        "overrideReasons": OVERRIDE_REASONS,
    }
    suggestions = _suggestions(finding, gathered, card_id)
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"
    return card


def summary(finding: Finding) -> str:
    severity = finding.severity.capitalize()
    subject = finding.subject.name
    if finding.object is not None:
        text = f"{severity}: {subject} with {finding.object.name}"
    elif finding.condition is not None:
        text = f"{severity}: {subject} in {finding.condition.name}"
    else:
        text = f"{severity}: {subject}: magnesium above the daily upper limit"
    action = _ACTION_WORDS.get(finding.action, finding.action)
    gap = finding.separation
    if finding.action == "separate" and gap is not None:
        hours = "/".join(f"{h:g} h" for h in (gap.drug_before_hours, gap.drug_after_hours)
                         if h is not None)
        action = f"separate doses ({hours})"
    return _clip(f"{text} - {action}")


def _clip(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def detail(finding: Finding, gathered: Gathered) -> str:
    lines = [f"**{finding.severity.capitalize()}** · action: {finding.action} · "
             f"evidence: {finding.evidence} · rule `{finding.rule_id}`", ""]
    def written(ref):
        sources = gathered.source.sources_for(ref.input)
        return _md(sources[0].display if sources else ref.input)

    lines.append(f"**Items:** {written(finding.subject)}"
                 + (f" and {written(finding.object)}" if finding.object else "")
                 + (f" (condition: {_md(finding.condition.name)})" if finding.condition else ""))
    lines += ["", _md(finding.message), "", f"**Mechanism:** {_md(finding.mechanism)}", "",
              f"**Management:** {_md(finding.management)}"]
    timing = timing_text(finding)
    if timing:
        lines += ["", f"**Timing:** {_md(timing)}"]
        if finding.separation_basis:
            lines.append(f"({_md(finding.separation_basis)})")
    if finding.source_separations:
        lines += ["", "**What each source says:**"]
        lines += [f"- {_md(s.source)}: {_md(s.wording)}" for s in finding.source_separations]
    if finding.references:
        lines += ["", "**Sources:**"]
        for ref in finding.references:
            section = f", {_md(ref.section)}" if ref.section else ""
            quote = f": “{_md(ref.quote)}”" if ref.quote else ""
            lines.append(f"- [{_md(ref.title)}]({ref.url}){section}{quote}")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text from the rules or the EHR, with markdown's active characters escaped."""
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


def _source(finding: Finding) -> dict:
    if not finding.references:
        return {"label": SOURCE_LABEL}
    ref = finding.references[0]
    label = f"{ref.title}, {ref.section}" if ref.section else ref.title
    return {"label": _clip(label), "url": ref.url}


def _suggestions(finding: Finding, gathered: Gathered, card_id: str) -> list[dict]:
    """Concrete actions on a draft order: cancel it when the rule says avoid, add the timing to
    its instructions when the rule says separate."""
    found = []
    items = [finding.subject] + ([finding.object] if finding.object else [])
    for item in items:
        for med in gathered.source.sources_for(item.input):
            if not med.new or med.resource_type != "MedicationRequest" or not med.reference:
                continue
            if finding.action == "avoid":
                found.append({
                    "label": _clip(f"Cancel the draft order for {item.name}"),
                    "uuid": str(uuid.uuid5(_NAMESPACE, f"{card_id}|cancel|{med.reference}")),
                    "isRecommended": True,
                    "actions": [{"type": "delete", "description":
                                 f"Remove the draft order for {item.name}.",
                                 "resourceId": med.reference}]})
            elif finding.action == "separate" and finding.separation is not None:
                timing = timing_text(finding)
                found.append({
                    "label": _clip(f"Add the timing to the {item.name} order"),
                    "uuid": str(uuid.uuid5(_NAMESPACE, f"{card_id}|timing|{med.reference}")),
                    "isRecommended": True,
                    "actions": [{"type": "update", "description":
                                 f"Add to the instructions: {timing}",
                                 "resource": _with_instruction(med.resource, timing)}]})
    return found


def _with_instruction(resource: dict, text: str) -> dict:
    updated = copy.deepcopy(resource)
    updated.pop("_fullUrl", None)
    dosage = updated.get("dosageInstruction")
    if not isinstance(dosage, list) or not dosage or not isinstance(dosage[0], dict):
        updated["dosageInstruction"] = dosage = [{}]
    first = dosage[0]
    before = first.get("patientInstruction")
    first["patientInstruction"] = f"{before} {text}" if isinstance(before, str) and before else text
    return updated


def unrecognized_card(medications, conditions, gathered: Gathered, hook_instance: str) -> dict:
    names = [u.input for u in medications]
    if medications:
        count = len(medications)
        summary_text = (f"{count} medication{'s' if count > 1 else ''} not recognised: not checked "
                        f"for magnesium interactions")
        indicator = "warning"
    else:
        summary_text = "Conditions not in the magnesium rules: not checked against magnesium"
        indicator = "info"
    lines = []
    if medications:
        lines += ["These medications are not in the rules, so **they were not checked**. Not "
                  "recognised is not the same as safe: check them against the magnesium "
                  "products by hand.", ""]
        for item in medications:
            origin = _origin(item.input, gathered)
            hint = f" — did you mean: {', '.join(_md(s) for s in item.suggestions)}?" if item.suggestions else ""
            lines.append(f"- {_md(item.input)}{origin}{hint}")
    if conditions:
        lines += ["", "These conditions are not in the rules (only conditions that change how "
                  "magnesium may be used are):"] + [f"- {_md(u.input)}" for u in conditions]
    return {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{hook_instance}|unrecognized|{'|'.join(names)}")),
        "summary": _clip(summary_text),
        "indicator": indicator,
        "detail": "\n".join(lines).strip(),
        "source": {"label": SOURCE_LABEL},
    }


def _origin(text: str, gathered: Gathered) -> str:
    sources = gathered.source.sources_for(text)
    if not sources:
        return ""
    first = sources[0]
    where = "draft order" if first.new else "patient record"
    return f" ({where}{', ' + first.reference if first.reference else ''})"


def missing_card(report: Report, gathered: Gathered, hook: str, hook_instance: str,
                 has_magnesium: bool) -> dict | None:
    """A card naming the data the request lacked, when that data could change the answer."""
    missing = set(gathered.missing)
    conditions = {c.id for c in report.conditions}
    kidney_known = bool(conditions & {"chronic-kidney-disease", "dialysis", "acute-kidney-injury"}) \
        or any(c.startswith("ckd-stage") for c in conditions)
    lines, indicator = [], "info"
    if "medications" in missing:
        if hook == "patient-view":
            lines.append("- **No medication list** was sent (no MedicationRequest or "
                         "MedicationStatement in prefetch): nothing could be checked.")
        else:
            lines.append("- **The patient's current medications** were not sent (no "
                         "MedicationRequest or MedicationStatement in prefetch): only the draft "
                         "orders were checked against each other.")
        indicator = "warning"
    if has_magnesium and not kidney_known and ("egfr" in missing or "egfr-none-recorded" in missing):
        said = ("no eGFR result was sent" if "egfr" in missing
                else "the record holds no eGFR result")
        lines.append(f"- **Kidney function unknown:** {said}, and no kidney condition is recorded. "
                     "Magnesium is cleared by the kidneys; the kidney checks (contraindicated "
                     "below a GFR of 30 mL/min) were not made. Check a recent eGFR.")
        indicator = "warning"
    if has_magnesium and "conditions" in missing:
        lines.append("- **Conditions** were not sent: condition checks for magnesium (kidney "
                     "disease, heart block, myasthenia gravis, bowel obstruction) were not made.")
    if not lines:
        return None
    if has_magnesium and "age" in missing:
        lines.append("- **Age** unknown: the adult upper limit for supplemental magnesium "
                     "(350 mg/day) was used.")
    return {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{hook_instance}|missing|{'|'.join(sorted(missing))}")),
        "summary": "Some patient data was not available: the check is incomplete",
        "indicator": indicator,
        "detail": "The request did not include everything this check uses; nothing was "
                  "assumed:\n\n" + "\n".join(lines),
        "source": {"label": SOURCE_LABEL},
    }

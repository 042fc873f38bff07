"""Elemental magnesium per day from what people write, and the intake limits it is compared with.

Labelling convention: a strength written after a salt ("magnesium citrate 500 mg", "Mag-Ox 400 mg")
is the salt's weight and is converted with the form's elemental fraction (or the product label's own
figures); a strength written as magnesium ("magnesium 200 mg", "elemental magnesium 200 mg",
"magnesium (as citrate) 200 mg") or in mmol/mEq is elemental already. Every item says which reading
it got. An amount we cannot work out is reported as not counted, never guessed.
"""

from __future__ import annotations

from ..knowledge import Index
from ..knowledge.schema import IntakeSpec, LabelStrengthSpec
from ..models import (
    NCPDP_SIGNIFICANCE,
    DoseItem,
    Finding,
    IntakeLevel,
    ItemRef,
    MagnesiumDose,
    MedicationEntry,
    PatientContext,
    risk_rating,
)

MG_PER_MMOL = 24.305  # standard atomic weight of magnesium: 1 mmol Mg = 24.305 mg
MEQ_PER_MMOL = 2  # Mg2+ is divalent: 1 mmol = 2 mEq
MG_PER_UNIT = {"mg": 1.0, "g": 1000.0, "mcg": 0.001}
ADULT_AGE = 30.0  # the age used to pick a limit when none is given (the adult rows)


def elemental_mg_from(amount: float, unit: str) -> float:
    """Elemental magnesium in mg from an amount of magnesium in mmol, mEq or a mass unit."""
    if unit == "mmol":
        return amount * MG_PER_MMOL
    if unit == "mEq":
        return amount / MEQ_PER_MMOL * MG_PER_MMOL
    return amount * MG_PER_UNIT[unit]


def round_mg(value: float) -> float:
    return round(value, 1)


class _NotCounted(Exception):
    """Why an item's magnesium cannot be worked out from what was written."""


def item_dose(entry: MedicationEntry, index: Index) -> DoseItem | None:
    """How much elemental magnesium one resolved item adds per day; None if it has none."""
    closure = index.closure.get(entry.id, {})
    if "magnesium" not in closure:
        return None
    base = dict(input=entry.input, id=entry.id, name=entry.resolved_name)
    if entry.route == "intravenous":
        return DoseItem(**base, counted=False, reading="not-counted", explanation=(
            "intravenous: the supplemental upper limit concerns magnesium taken by mouth"))
    try:
        per_dose, reading, how = _per_dose(entry, index)
    except _NotCounted as why:
        return DoseItem(**base, counted=False, reading="not-counted", explanation=str(why))
    per_day, when = _doses_per_day(entry)
    return DoseItem(**base, counted=True, reading=reading, elemental_mg_per_dose=round_mg(per_dose),
                    doses_per_day=per_day, elemental_mg_per_day=round_mg(per_dose * per_day),
                    explanation=f"{how}; {when}")


def _per_dose(entry: MedicationEntry, index: Index) -> tuple[float, str, str]:
    label = index.label_strengths.get(entry.id)
    if entry.strength is None:
        if label is None:
            raise _NotCounted("no strength given and no label strength on file: not counted")
        return _from_label(entry, label, index)
    if entry.unit is None:
        raise _NotCounted(f"strength {entry.strength:g} has no unit: not counted")
    if entry.unit not in MG_PER_UNIT and entry.unit not in ("mmol", "mEq"):
        raise _NotCounted(f"magnesium is not dosed in {entry.unit}: not counted")

    amount, written = _amount_taken(entry)
    if entry.unit in ("mmol", "mEq"):
        mg = elemental_mg_from(amount, entry.unit)
        factor = "24.305 mg/mmol" if entry.unit == "mmol" else "12.1525 mg/mEq (24.305 / 2)"
        return mg, "elemental", f"{written} of magnesium x {factor} = {round_mg(mg):g} mg elemental"
    mg = elemental_mg_from(amount, entry.unit)
    forms = _forms(entry.id, index)
    if entry.elemental or entry.id == "magnesium" or (not forms and entry.kind == "magnesium"):
        return mg, "elemental", f"{written} written as magnesium: {round_mg(mg):g} mg elemental"
    if len(forms) != 1 or _ingredients(entry.id, index) > 1:
        raise _NotCounted(f"{written}: the strength of a product with several ingredients, or of "
                          "an unnamed magnesium salt, cannot be converted: not counted")
    form = index.nodes[forms[0]]
    if label is not None and label.salt_mg and label.elemental_mg and label.form == form.id:
        elemental = mg * label.elemental_mg / label.salt_mg
        return elemental, "salt", (
            f"{written} of {form.name.lower()} (salt weight) x {label.elemental_mg:g}/"
            f"{label.salt_mg:g} (label) = {round_mg(elemental):g} mg elemental")
    if form.elemental_fraction is None:
        raise _NotCounted(f"{written}: no elemental fraction on file for {form.name}: not counted")
    elemental = mg * form.elemental_fraction
    return elemental, "salt", (
        f"{written} of {form.name.lower()} (salt weight) x {form.elemental_fraction:g} "
        f"(elemental fraction) = {round_mg(elemental):g} mg elemental")


def _amount_taken(entry: MedicationEntry) -> tuple[float, str]:
    """The amount of the written strength taken per dose, and how it was worked out."""
    amount, written = entry.strength, f"{entry.strength:g} {entry.unit}"
    if entry.per_volume_ml is not None:
        if entry.volume_ml is None:
            raise _NotCounted(f"{written} per {entry.per_volume_ml:g} mL given, but not the volume "
                              "taken: not counted")
        amount *= entry.volume_ml / entry.per_volume_ml
        written = f"{entry.volume_ml:g} mL of {entry.strength:g} {entry.unit}/{entry.per_volume_ml:g} mL"
    elif entry.volume_ml is not None:
        raise _NotCounted(f"{written} and {entry.volume_ml:g} mL given without a concentration: "
                          "not counted")
    if entry.quantity is not None:
        amount *= entry.quantity
        written = f"{entry.quantity:g} x {written}"
    return amount, written


def _from_label(entry: MedicationEntry, label: LabelStrengthSpec, index: Index):
    form = index.nodes[label.form]
    per_what = f"{label.per_amount:g} mL" if label.per == "mL" else f"1 {label.per}"
    per_unit = label.elemental_mg
    if per_unit is None:
        per_unit = label.salt_mg * form.elemental_fraction
        source = (f"label: {label.salt_mg:g} mg {form.name.lower()} per {per_what} x "
                  f"{form.elemental_fraction:g} (elemental fraction) = {round_mg(per_unit):g} mg elemental")
    else:
        source = f"label: {per_unit:g} mg elemental per {per_what}"
    if label.per == "mL":
        if entry.volume_ml is None:
            raise _NotCounted(f"{source}, but the volume taken was not given: not counted")
        mg = per_unit * entry.volume_ml / label.per_amount
        return mg, "label", f"{entry.volume_ml:g} mL; {source}; {round_mg(mg):g} mg elemental per dose"
    count = entry.quantity if entry.quantity is not None else 1.0
    taken = f"{count:g} {label.per}(s)" if entry.quantity is not None else \
        f"1 {label.per} (no number of {label.per}s given)"
    mg = per_unit * count
    return mg, "label", f"{taken}; {source}; {round_mg(mg):g} mg elemental per dose"


def _forms(node_id: str, index: Index) -> list[str]:
    return sorted(a for a in index.closure[node_id] if index.nodes[a].kind == "magnesium-form")


def _ingredients(node_id: str, index: Index) -> int:
    return sum(1 for path in index.closure[node_id].values()
               if len(path) == 1 and path[0][1] == "contains")


def _doses_per_day(entry: MedicationEntry) -> tuple[float, str]:
    """As-needed items count at their stated maximum frequency; with none stated, and for regular
    items with no frequency, one dose a day: the least that taking it at all adds."""
    if entry.frequency_per_day is not None:
        prefix = "as needed, counted at the most stated: " if entry.as_needed else ""
        return entry.frequency_per_day, f"{prefix}{entry.frequency_per_day:g} dose(s) a day"
    if entry.as_needed:
        return 1.0, "as needed with no frequency: counted as 1 dose a day"
    return 1.0, "no frequency given: counted as 1 dose a day"


def intake_level(index: Index, kind: str, context: PatientContext) -> IntakeLevel | None:
    """The row of an intake table that fits the patient; None when the context does not decide it
    (e.g. an adult RDA without age or sex). ULs assume an adult when the age is not given."""
    age, assumed = context.age, None
    if age is None:
        if kind != "ul-supplemental":
            return None
        age, assumed = ADULT_AGE, "age not given: the adult limit is used"
    stage = "pregnancy" if context.pregnant else "lactation" if context.lactating else None
    rows = [r for r in index.intake if r.kind == kind or (kind == "rda" and r.kind == "ai")]
    rows = [r for r in rows if r.age_min <= age and (r.age_max is None or age < r.age_max)]
    staged = [r for r in rows if r.life_stage == stage] or [r for r in rows if r.life_stage is None]
    fitting = [r for r in staged if r.sex is None or r.sex == context.sex]
    if context.sex is None and len({r.mg_per_day for r in staged}) > 1:
        return None
    if not fitting:
        return None
    row = fitting[0]
    return IntakeLevel(kind=row.kind, mg_per_day=row.mg_per_day, basis=_group(row),
                       assumed=assumed, reference=index.reference(row.ref, row.section, row.note))


def _group(row: IntakeSpec) -> str:
    ages = (f"{row.age_min:g} y and over" if row.age_max is None
            else f"{row.age_min:g} to under {row.age_max:g} y")
    who = row.life_stage or {"F": "females", "M": "males", None: "ages"}[row.sex]
    return f"{who} {ages}" if who == "ages" else f"{who}, {ages}"


def magnesium_dose(entries: list[MedicationEntry], context: PatientContext,
                   index: Index) -> MagnesiumDose | None:
    """The daily elemental total of every magnesium-containing item; None if there are none."""
    items = [d for d in (item_dose(e, index) for e in entries) if d is not None]
    if not items:
        return None
    total = round_mg(sum(d.elemental_mg_per_day for d in items if d.counted))
    return MagnesiumDose(elemental_mg_per_day=total, complete=all(d.counted for d in items),
                         items=items, upper_limit=intake_level(index, "ul-supplemental", context),
                         recommended=intake_level(index, "rda", context))


def dose_findings(dose: MagnesiumDose | None, index: Index) -> list[Finding]:
    """A `dose` finding when the counted total is above the supplemental upper limit."""
    if dose is None or dose.upper_limit is None or dose.upper_limit.mg_per_day is None:
        return []
    limit = dose.upper_limit.mg_per_day
    if dose.elemental_mg_per_day <= limit or not index.dose_rules:
        return []
    rule = index.dose_rules[min(index.dose_rules)]
    counted = sorted((d for d in dose.items if d.counted),
                     key=lambda d: (-d.elemental_mg_per_day, d.input))
    group = dose.upper_limit.basis + (f" ({dose.upper_limit.assumed})"
                                      if dose.upper_limit.assumed else "")
    values = dict(
        total=f"{dose.elemental_mg_per_day:g}", limit=f"{limit:g}", group=group,
        items="; ".join(f"{d.input}: {d.elemental_mg_per_day:g} mg/day" for d in counted),
        not_counted="" if dose.complete else " Some magnesium items could not be counted, so the "
        "true total is higher.",
    )
    references = [index.reference(c.ref, c.section, c.quote) for c in rule.references]
    top = counted[0]
    return [Finding(
        rule_id=rule.id, kind="dose", severity=rule.severity,
        subject=ItemRef(input=top.input, id=top.id, name=top.name), object=None, condition=None,
        mechanism=rule.mechanism, message=rule.message.format(**values),
        management=rule.management.format(**values), separation=None, evidence=rule.evidence,
        references=references, path=[], action=rule.action, route="oral",
        risk_rating=risk_rating(rule.severity, rule.action),
        clinical_significance=NCPDP_SIGNIFICANCE[rule.severity],
    )]


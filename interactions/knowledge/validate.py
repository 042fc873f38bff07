"""The checks a rule folder must pass beyond its schema: every name leads to one node, every rule
end and citation exists, overrides replace what they claim to, dose data is complete."""

from __future__ import annotations

import string

import networkx as nx

from .names import normalize
from .schema import DOSE_MESSAGE_FIELDS, EntitySpec

# Which kinds a rule's ends may be stated on.
SUBJECT_KINDS = {
    "drug-supplement": {"drug", "class"},
    "supplement-supplement": {"supplement", "class"},
    "drug-condition": {"drug", "class", "magnesium", "magnesium-form", "supplement"},
}
OBJECT_KINDS = {"magnesium", "magnesium-form", "class", "supplement", "drug"}
# Which kinds an administration instruction may be stated on.
ADMINISTRATION_KINDS = {"drug", "class", "product", "magnesium", "magnesium-form", "supplement"}


def check_all(found, graph: nx.DiGraph) -> None:
    """Append every problem of a collected folder (loader._Collected) to ``found.problems``."""
    problems, origin, references = found.problems, found.origin, found.references
    _check_names(found.entities, origin, problems)
    for rule in found.rules.values():
        _check_rule(rule, found.entities, found.rules, references, graph, origin[rule.id], problems)
    for spec in found.administration.values():
        _check_administration(spec, found.entities, references, origin[spec.id], problems)
    _check_intake(found.intake, references, problems)
    _check_dose_rules(found.dose_rules, references, origin, problems)
    _check_labels(found.labels, found.entities, references, problems)
    for fname, row in found.confusables:
        if row.ref not in references:
            problems.append(f"{fname}: confusable names {row.names}: cites unknown reference "
                            f"'{row.ref}'")


def _check_names(entities: dict[str, EntitySpec], origin: dict[str, str], problems: list[str]):
    """Every name, synonym and code must lead to exactly one node, or resolving would guess."""
    seen: dict[str, str] = {}
    for spec in entities.values():
        keys = {normalize(n) for n in [spec.name, *spec.synonyms, spec.id.replace("-", " ")]}
        keys |= {normalize(c) for c in [*spec.atc, *spec.rxcui, *spec.icd10]}
        for key in sorted(keys):
            if not key:
                continue
            other = seen.setdefault(key, spec.id)
            if other != spec.id:
                problems.append(
                    f"{origin[spec.id]}: entity '{spec.id}': name or code '{key}' "
                    f"already names '{other}' ({origin[other]})"
                )


def _check_rule(rule, entities, rules, references, graph, fname, problems) -> None:
    where = f"{fname}: rule '{rule.id}'"
    ends = [("subject", rule.subject, SUBJECT_KINDS[rule.kind])]
    if rule.object is not None:
        ends.append(("object", rule.object, OBJECT_KINDS))
    for role, node in (("condition", rule.condition), ("when_condition", rule.when_condition)):
        if node is not None:
            ends.append((role, node, {"condition"}))
    for role, node, kinds in ends:
        if node not in entities:
            problems.append(f"{where}: {role} names unknown entity '{node}'")
        elif entities[node].kind not in kinds:
            problems.append(
                f"{where}: {role} '{node}' is a {entities[node].kind}; expected one of {sorted(kinds)}"
            )
    cited = [c.ref for c in rule.references] + [s.ref for s in rule.source_separations]
    for ref in cited:
        if ref not in references:
            problems.append(f"{where}: cites unknown reference '{ref}'")
    if rule.overrides is not None:
        base = rules.get(rule.overrides)
        if base is None:
            problems.append(f"{where}: overrides unknown rule '{rule.overrides}'")
        elif rule.subject in graph and base.subject in graph and (
            base.subject not in nx.descendants(graph, rule.subject)
            or (base.object, base.condition, base.when_condition)
            != (rule.object, rule.condition, rule.when_condition)
        ):
            problems.append(
                f"{where}: overrides '{base.id}', but that rule is not stated on an ancestor of "
                f"'{rule.subject}' with the same object, condition and when_condition"
            )


def _check_administration(spec, entities, references, fname, problems) -> None:
    where = f"{fname}: administration '{spec.id}'"
    if spec.subject not in entities:
        problems.append(f"{where}: subject names unknown entity '{spec.subject}'")
    elif entities[spec.subject].kind not in ADMINISTRATION_KINDS:
        problems.append(f"{where}: subject '{spec.subject}' is a {entities[spec.subject].kind}; "
                        f"expected one of {sorted(ADMINISTRATION_KINDS)}")
    for citation in spec.references:
        if citation.ref not in references:
            problems.append(f"{where}: cites unknown reference '{citation.ref}'")


def _check_intake(intake, references, problems) -> None:
    for fname, row in intake:
        where = f"{fname}: intake {row.kind} {row.sex or ''}{row.life_stage or ''} from {row.age_min:g} y"
        if row.ref not in references:
            problems.append(f"{where}: cites unknown reference '{row.ref}'")
        if row.age_max is not None and row.age_max <= row.age_min:
            problems.append(f"{where}: age_max must be above age_min")


def _check_dose_rules(dose_rules, references, origin, problems) -> None:
    for rule in dose_rules.values():
        where = f"{origin[rule.id]}: dose rule '{rule.id}'"
        for field_name, text in (("message", rule.message), ("management", rule.management)):
            unknown = {f for _t, f, _s, _c in string.Formatter().parse(text) if f} - set(
                DOSE_MESSAGE_FIELDS)
            if unknown:
                problems.append(f"{where}: {field_name} uses unknown placeholder(s) "
                                f"{sorted(unknown)}; allowed: {list(DOSE_MESSAGE_FIELDS)}")
        for cite in rule.references:
            if cite.ref not in references:
                problems.append(f"{where}: cites unknown reference '{cite.ref}'")


def _check_labels(labels, entities, references, problems) -> None:
    for fname, row in labels:
        where = f"{fname}: label strength of {', '.join(row.products)}"
        if row.ref not in references:
            problems.append(f"{where}: cites unknown reference '{row.ref}'")
        if entities.get(row.form) is None or entities[row.form].kind != "magnesium-form":
            problems.append(f"{where}: form '{row.form}' is not a magnesium-form entity")
        for product in row.products:
            if product not in entities:
                problems.append(f"{where}: names unknown entity '{product}'")

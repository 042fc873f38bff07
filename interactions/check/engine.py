"""The rule engine: resolved items and patient context in, findings out.

Pure and deterministic: the same list gives the same report, in the same order, whatever order the
items came in. All graph knowledge comes from the precompiled Index (ancestor paths, rule index).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..knowledge import Edge, Index, load_index
from ..knowledge.schema import SEVERITY_ORDER, RuleSpec
from ..models import (
    NCPDP_SIGNIFICANCE,
    Finding,
    ItemRef,
    MedicationEntry,
    PatientContext,
    Report,
    Resolved,
    Separation,
    SourceSeparation,
    Unrecognized,
    risk_rating,
)
from .dose import dose_findings, intake_level, magnesium_dose
from .items import ReadItems, read_items
from .resolve import Resolver

# A condition known only to ICD-10-CM (id "icd10cm-...") has no node in the rules, so no
# ancestors: no rule is stated on it, and none fires for it.
_NO_ANCESTORS: dict = {}


class Checker:
    """Holds a compiled rule set and a resolver cache; ``check`` has no other side effects."""

    def __init__(self, index: Index | None = None):
        self.index = index if index is not None else load_index()
        self.resolver = Resolver(self.index)
        self._pairs: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._condition_pairs: dict[tuple, tuple[tuple[str, int], ...]] = {}
        self._held: dict[tuple[str, ...], frozenset[str]] = {}

    @classmethod
    def from_rules(cls, rules_dir: Path | None = None) -> Checker:
        return cls(load_index(rules_dir))

    def check(self, items: Iterable[str], context: PatientContext | None = None) -> Report:
        """Check a list as people write it: several items may share an argument, and a condition
        or eGFR written among the items counts as the patient's (see check.items)."""
        read = self.read(items, context or PatientContext())
        return self.check_entries(read.entries, read.context, read.notes)

    def read(self, items: Iterable[str], context: PatientContext) -> ReadItems:
        """The items to check and the context they imply, as ``check`` reads them."""
        return read_items(self.resolver, items, context)

    def check_entries(self, entries: list[MedicationEntry], context: PatientContext,
                      notes: list[str] | None = None) -> Report:
        conditions, unknown_conditions = self.resolve_conditions(context)
        known = [e for e in entries if e.recognised]
        unrecognized = [Unrecognized(input=e.input, suggestions=e.suggestions, unparsed=e.unparsed)
                        for e in entries if not e.recognised]
        dose = magnesium_dose(known, context, self.index)
        findings = self._findings(known, conditions) + dose_findings(dose, self.index)
        return Report(
            resolved=[_resolved(e) for e in known],
            unrecognized=unrecognized + unknown_conditions,
            findings=sorted(findings, key=_finding_order),
            conditions=conditions,
            elemental_magnesium_mg_per_day=dose.elemental_mg_per_day if dose else 0.0,
            recommended_magnesium_intake=intake_level(self.index, "rda", context),
            magnesium_dose=dose,
            notes=notes or [],
        )

    def resolve_conditions(self, context: PatientContext) -> tuple[list[Resolved], list[Unrecognized]]:
        """Conditions named by the user, implied by eGFR, or by pregnancy, as condition nodes."""
        found: list[Resolved] = []
        unknown: list[Unrecognized] = []
        for text in context.conditions:
            entry = self.resolver.resolve_condition(text)
            if entry.recognised and entry.kind == "condition":
                found.append(_resolved(entry))
            else:
                unknown.append(Unrecognized(input=text, suggestions=self._condition_suggestions(text)))
        if context.egfr is not None:
            bands = [b for b in self.index.egfr_bands if b.low <= context.egfr < b.high]
            if bands:
                narrowest = min(bands, key=lambda b: (b.high - b.low, b.node))
                found.append(self._implied(f"eGFR {context.egfr:g}", narrowest.node))
        if context.pregnant and "pregnancy" in self.index.nodes:
            found.append(self._implied("pregnant", "pregnancy"))
        return found, unknown

    def _condition_suggestions(self, text: str) -> list[str]:
        names = self.resolver.suggest(text.casefold())
        return [n for n in names if any(node.name == n and node.kind == "condition"
                                        for node in self.index.nodes.values())]

    def _implied(self, label: str, node_id: str) -> Resolved:
        node = self.index.nodes[node_id]
        return Resolved(input=label, id=node.id, name=node.name, kind=node.kind, match="exact")

    def route_of(self, entry: MedicationEntry) -> str:
        """The route that decides which rules follow an item: as written, else its node's."""
        return entry.route or self.index.nodes[entry.id].route

    def pair_rules(self, subject: str, obj: str, object_route: str) -> tuple[str, ...]:
        """Ids of the rules that fire for node ``subject`` taken with node ``obj``, after overrides.

        The compiled pair table that both ``check`` and batch screening read: computed once per
        (subject, object, route) from the ancestor closure and the rule index, then a dict lookup.
        """
        key = (subject, obj, object_route)
        found = self._pairs.get(key)
        if found is None:
            rules, object_ancestors = self.index.rules, self.index.closure[obj]
            hits = [rule_id for ancestor in self.index.closure[subject]
                    for rule_id in self.index.by_subject.get(ancestor, ())
                    if rules[rule_id].kind != "drug-condition"
                    and rules[rule_id].object in object_ancestors
                    and _route_applies(rules[rule_id], object_route)]
            found = self._pairs[key] = _without_overridden(hits, rules)
        return found

    def condition_rules(self, subject: str, subject_route: str,
                        conditions: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
        """(rule id, index of the condition it is matched on) for node ``subject`` in a patient
        with these condition nodes, after overrides; each rule is matched on the first condition
        that implies it."""
        key = (subject, subject_route, conditions)
        found = self._condition_pairs.get(key)
        if found is None:
            closure, rules = self.index.closure, self.index.rules
            held: dict[str, int] = {}
            for k, cond in enumerate(conditions):
                for ancestor in closure.get(cond, _NO_ANCESTORS):
                    held.setdefault(ancestor, k)
            groups: dict[int, list[str]] = {}
            for ancestor in closure[subject]:
                for rule_id in self.index.by_subject.get(ancestor, ()):
                    rule = rules[rule_id]
                    if (rule.kind == "drug-condition" and rule.condition in held
                            and _route_applies(rule, subject_route)
                            and (not rule.unspecified_only
                                 or _unspecified(rule.condition, conditions, closure))):
                        groups.setdefault(held[rule.condition], []).append(rule_id)
            found = self._condition_pairs[key] = tuple(
                (rule_id, k) for k, hits in groups.items()
                for rule_id in _without_overridden(hits, rules))
        return found

    def held_conditions(self, conditions: tuple[str, ...]) -> frozenset[str]:
        """Every node a patient's conditions imply (their ancestors), for rules that apply only
        in a condition (``when_condition``)."""
        found = self._held.get(conditions)
        if found is None:
            found = self._held[conditions] = frozenset(
                a for cond in conditions for a in self.index.closure.get(cond, _NO_ANCESTORS))
        return found

    def _findings(self, items: list[MedicationEntry], conditions: list[Resolved]) -> list[Finding]:
        closure, rules = self.index.closure, self.index.rules
        routes = [self.route_of(e) for e in items]
        condition_ids = tuple(c.id for c in conditions)
        held: dict[str, tuple[Resolved, tuple[Edge, ...]]] = {}
        for cond in conditions:
            for ancestor, path in closure.get(cond.id, _NO_ANCESTORS).items():
                held.setdefault(ancestor, (cond, path))
        findings = []
        for i, subject in enumerate(items):
            for j, other in enumerate(items):
                if j == i:
                    continue
                for rule_id in self.pair_rules(subject.id, other.id, routes[j]):
                    rule = rules[rule_id]
                    cond, cond_path = None, ()
                    if rule.when_condition is not None:
                        if rule.when_condition not in held:
                            continue
                        cond, cond_path = held[rule.when_condition]
                    path = closure[subject.id][rule.subject] + closure[other.id][rule.object]
                    findings.append(self._finding(rule, subject, other, cond, path + cond_path))
            for rule_id, k in self.condition_rules(subject.id, routes[i], condition_ids):
                rule, cond = rules[rule_id], conditions[k]
                path = closure[subject.id][rule.subject] + closure[cond.id][rule.condition]
                findings.append(self._finding(rule, subject, None, cond, path))
        return findings

    def _finding(self, rule, subject, obj, cond, path) -> Finding:
        refs = self.index.references
        return Finding(
            rule_id=rule.id,
            kind=rule.kind,
            severity=rule.severity,
            subject=_ref(subject),
            object=_ref(obj) if obj is not None else None,
            condition=ItemRef(input=cond.input, id=cond.id, name=cond.name) if cond else None,
            mechanism=rule.mechanism,
            message=rule.message,
            management=rule.management,
            separation=Separation(**rule.separation.model_dump()) if rule.separation else None,
            evidence=rule.evidence,
            references=[self.index.reference(c.ref, c.section, c.quote) for c in rule.references],
            path=[list(edge) for edge in path],
            action=rule.action,
            route=rule.route,
            separation_basis=rule.separation_basis,
            risk_rating=risk_rating(rule.severity, rule.action),
            clinical_significance=NCPDP_SIGNIFICANCE[rule.severity],
            source_separations=[
                SourceSeparation(source=refs[s.ref].title, url=refs[s.ref].url, wording=s.wording,
                                 drug_before_hours=s.drug_before_hours,
                                 drug_after_hours=s.drug_after_hours)
                for s in rule.source_separations
            ],
        )


def _unspecified(condition: str, conditions: tuple[str, ...], closure) -> bool:
    """The patient has ``condition`` itself and nothing more specific under it (CKD, no stage)."""
    return condition in conditions and not any(
        c != condition and condition in closure.get(c, _NO_ANCESTORS) for c in conditions)


def _route_applies(rule: RuleSpec, magnesium_route: str) -> bool:
    """Intravenous magnesium has its own interactions; oral rules do not follow it there."""
    return rule.route == "any" or (magnesium_route == "intravenous") == (rule.route == "intravenous")


def _without_overridden(rule_ids: list[str], rules: dict[str, RuleSpec]) -> tuple[str, ...]:
    """A drug-specific rule replaces the class rule it overrides for the same pair of items."""
    replaced = {rules[r].overrides for r in rule_ids}
    return tuple(r for r in rule_ids if r not in replaced)


def _ref(entry: MedicationEntry) -> ItemRef:
    return ItemRef(input=entry.input, id=entry.id, name=entry.resolved_name)


# What a report says of a resolved item: the entry's own fields, its node's name as ``name``.
_RESOLVED_FIELDS = (set(Resolved.model_fields) & set(MedicationEntry.model_fields)) - {"name"}


def _resolved(entry: MedicationEntry) -> Resolved:
    return Resolved(**entry.model_dump(include=_RESOLVED_FIELDS), name=entry.resolved_name)


def _finding_order(f: Finding):
    other = f.object or f.condition
    return (SEVERITY_ORDER[f.severity], f.rule_id, f.subject.id, f.subject.input,
            other.id if other else "", other.input if other else "")


def check(items: Iterable[str], context: PatientContext | None = None,
          rules_dir: Path | None = None) -> Report:
    """Check one medication list against the bundled (or given) rules."""
    return Checker.from_rules(rules_dir).check(items, context)

"""Load a rule folder into a validated knowledge base: models plus a typed networkx graph.

Every problem in every file is collected before failing, each naming its file and the entity or
rule it belongs to, so a reviewer fixes a rule folder in one pass.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from pydantic import ValidationError

from ..errors import RuleFileError
from .names import normalize, slug
from .paths import rule_files
from .schema import (
    DOSE_MESSAGE_FIELDS, AdministrationSpec, ConfusableSpec, DoseRuleSpec, EntitySpec, IntakeSpec, LabelStrengthSpec,
    ReferenceSpec, RuleFile, RuleSpec,
)

# The graph schema: which edge may join which kinds of node (child kind -> allowed parent kinds).
IS_A: dict[str, set[str]] = {
    "drug": {"class"},
    "class": {"class", "magnesium"},
    "magnesium-form": {"magnesium", "class"},
    "supplement": {"supplement", "class"},
    "condition": {"condition"},
}
CONTAINS: set[str] = {"drug", "magnesium", "magnesium-form", "supplement"}

# Which kinds a rule's ends may be stated on.
SUBJECT_KINDS = {
    "drug-supplement": {"drug", "class"},
    "supplement-supplement": {"supplement", "class"},
    "drug-condition": {"drug", "class", "magnesium", "magnesium-form", "supplement"},
}
OBJECT_KINDS = {"magnesium", "magnesium-form", "class"}
# Which kinds an administration instruction may be stated on.
ADMINISTRATION_KINDS = {"drug", "class", "product", "magnesium", "magnesium-form", "supplement"}


@dataclass
class KnowledgeBase:
    """Everything the rule folder says, validated. ``graph`` is the source of truth."""

    root: Path
    entities: dict[str, EntitySpec]
    rules: dict[str, RuleSpec]
    references: dict[str, ReferenceSpec]
    graph: nx.DiGraph
    origin: dict[str, str] = field(default_factory=dict)  # entity/rule id -> file it came from
    administration: dict[str, AdministrationSpec] = field(default_factory=dict)
    intake: list[IntakeSpec] = field(default_factory=list)
    dose_rules: dict[str, DoseRuleSpec] = field(default_factory=dict)
    label_strengths: list[LabelStrengthSpec] = field(default_factory=list)
    confusables: list[ConfusableSpec] = field(default_factory=list)



def _locate(raw: dict, loc: tuple) -> str:
    """Turn a pydantic error location into 'rule 'x-y': field' words."""
    if len(loc) >= 2 and loc[0] in ("rule", "entity", "administration") and isinstance(loc[1], int):
        items = raw.get(loc[0], [])
        ident = items[loc[1]].get("id", f"#{loc[1] + 1}") if loc[1] < len(items) else loc[1]
        rest = ".".join(str(p) for p in loc[2:])
        return f"{loc[0]} '{ident}'" + (f": {rest}" if rest else "")
    return ".".join(str(p) for p in loc)


def _parse_files(root: Path, problems: list[str]) -> list[tuple[str, RuleFile]]:
    parsed = []
    files = rule_files(root)
    if not files:
        problems.append(f"{root}: no .toml rule files found")
    for path in files:
        name = path.relative_to(root).as_posix()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: not valid TOML: {exc}")
            continue
        try:
            parsed.append((name, RuleFile.model_validate(raw)))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(f"{name}: {_locate(raw, err['loc'])}: {err['msg']}")
    return parsed


def _brand_entities(spec: EntitySpec) -> list[EntitySpec]:
    """A brand listed on an entity becomes a product node that contains it."""
    return [
        EntitySpec(id=slug(brand), kind="product", name=brand, contains=[spec.id])
        for brand in spec.brands
    ]


def load_knowledge(root: Path) -> KnowledgeBase:
    """Read and validate every rule file under ``root``; raise RuleFileError listing all problems."""
    root = Path(root)
    if not root.is_dir():
        raise RuleFileError([f"{root}: not a folder of rule files"])
    problems: list[str] = []
    entities: dict[str, EntitySpec] = {}
    rules: dict[str, RuleSpec] = {}
    references: dict[str, ReferenceSpec] = {}
    administration: dict[str, AdministrationSpec] = {}
    origin: dict[str, str] = {}
    intake: list[tuple[str, IntakeSpec]] = []
    dose_rules: dict[str, DoseRuleSpec] = {}
    labels: list[tuple[str, LabelStrengthSpec]] = []
    confusables: list[tuple[str, ConfusableSpec]] = []

    def claim(ident: str, what: str, fname: str) -> bool:
        if ident in origin:
            problems.append(f"{fname}: {what} '{ident}': id already used in {origin[ident]}")
            return False
        origin[ident] = fname
        return True

    for fname, content in _parse_files(root, problems):
        for ref_id, ref in content.references.items():
            if claim(f"ref:{ref_id}", "reference", fname):
                references[ref_id] = ref
        for spec in content.entity:
            for item in [spec, *_brand_entities(spec)]:
                what = "entity" if item is spec else f"brand of '{spec.id}'"
                if claim(item.id, what, fname):
                    entities[item.id] = item
        for rule in content.rule:
            if claim(rule.id, "rule", fname):
                rules[rule.id] = rule
        for spec in content.administration:
            if claim(spec.id, "administration", fname):
                administration[spec.id] = spec
        for dose_rule in content.dose_rule:
            if claim(dose_rule.id, "dose rule", fname):
                dose_rules[dose_rule.id] = dose_rule
        intake += [(fname, row) for row in content.intake]
        labels += [(fname, row) for row in content.label_strength]
        confusables += [(fname, row) for row in content.confusable]

    graph = _build_graph(entities, origin, problems)
    _check_names(entities, origin, problems)
    for rule in rules.values():
        _check_rule(rule, entities, rules, references, graph, origin[rule.id], problems)
    for spec in administration.values():
        _check_administration(spec, entities, references, origin[spec.id], problems)
    _check_dose_data(intake, dose_rules, labels, entities, references, origin, problems)
    for fname, row in confusables:
        if row.ref not in references:
            problems.append(f"{fname}: confusable names {row.names}: cites unknown reference "
                            f"'{row.ref}'")
    if problems:
        raise RuleFileError(problems)
    return KnowledgeBase(root, entities, rules, references, graph, origin, administration,
                         [row for _f, row in intake], dose_rules, [row for _f, row in labels],
                         [row for _f, row in confusables])


def _build_graph(entities: dict[str, EntitySpec], origin: dict[str, str], problems: list[str]):
    graph = nx.DiGraph()
    for spec in entities.values():
        graph.add_node(spec.id, kind=spec.kind, name=spec.name)
    for spec in entities.values():
        where = f"{origin[spec.id]}: entity '{spec.id}'"
        for rel, targets in (("is_a", spec.is_a), ("contains", spec.contains)):
            for target in targets:
                if target not in entities:
                    problems.append(f"{where}: {rel} names unknown entity '{target}'")
                    continue
                kind = entities[target].kind
                allowed = IS_A.get(spec.kind, set()) if rel == "is_a" else CONTAINS
                if kind not in allowed:
                    problems.append(
                        f"{where}: a {spec.kind} may not be '{rel}' a {kind} ('{target}')"
                    )
                    continue
                graph.add_edge(spec.id, target, rel=rel)
    try:
        cycle = nx.find_cycle(graph)
        problems.append("is_a/contains cycle: " + " -> ".join(a for a, _b in cycle) + f" -> {cycle[0][0]}")
    except nx.NetworkXNoCycle:
        pass
    return graph


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


def _check_dose_data(intake, dose_rules, labels, entities, references, origin, problems) -> None:
    """Intake rows, dose rules and label strengths cite known references and name known nodes."""
    for fname, row in intake:
        where = f"{fname}: intake {row.kind} {row.sex or ''}{row.life_stage or ''} from {row.age_min:g} y"
        if row.ref not in references:
            problems.append(f"{where}: cites unknown reference '{row.ref}'")
        if row.age_max is not None and row.age_max <= row.age_min:
            problems.append(f"{where}: age_max must be above age_min")
    for rule in dose_rules.values():
        for field_name, text in (("message", rule.message), ("management", rule.management)):
            unknown = {f for _t, f, _s, _c in string.Formatter().parse(text) if f} - set(
                DOSE_MESSAGE_FIELDS)
            if unknown:
                problems.append(f"{origin[rule.id]}: dose rule '{rule.id}': {field_name} uses "
                                f"unknown placeholder(s) {sorted(unknown)}; allowed: "
                                f"{list(DOSE_MESSAGE_FIELDS)}")
        for cite in rule.references:
            if cite.ref not in references:
                problems.append(f"{origin[rule.id]}: dose rule '{rule.id}': cites unknown "
                                f"reference '{cite.ref}'")
    for fname, row in labels:
        where = f"{fname}: label strength of {', '.join(row.products)}"
        if row.ref not in references:
            problems.append(f"{where}: cites unknown reference '{row.ref}'")
        if entities.get(row.form) is None or entities[row.form].kind != "magnesium-form":
            problems.append(f"{where}: form '{row.form}' is not a magnesium-form entity")
        for product in row.products:
            if product not in entities:
                problems.append(f"{where}: names unknown entity '{product}'")

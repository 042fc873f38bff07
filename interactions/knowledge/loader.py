"""Load a rule folder into a validated knowledge base: models plus a typed networkx graph.

Every problem in every file is collected before failing, each naming its file and the entity or
rule it belongs to, so a reviewer fixes a rule folder in one pass.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from pydantic import ValidationError

from ..errors import RuleFileError
from .names import slug
from .paths import rule_files
from .schema import (
    AdministrationSpec,
    ConfusableSpec,
    DoseRuleSpec,
    EntitySpec,
    IntakeSpec,
    LabelStrengthSpec,
    ReferenceSpec,
    RuleFile,
    RuleSpec,
)
from .validate import check_all

# The graph schema: which edge may join which kinds of node (child kind -> allowed parent kinds).
IS_A: dict[str, set[str]] = {
    "drug": {"class"},
    "class": {"class", "magnesium"},
    "magnesium-form": {"magnesium", "class"},
    "supplement": {"supplement", "class"},
    "condition": {"condition"},
}
CONTAINS: set[str] = {"drug", "magnesium", "magnesium-form", "supplement"}

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
        if not any(raw.values()):
            problems.append(f"{name}: holds no references, entities, rules or other tables: an "
                            "empty or truncated file? Delete it if it is meant to be empty.")
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


@dataclass
class _Collected:
    """Everything the files declare, each id claimed once across the whole folder."""

    problems: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # id -> the file that declared it
    references: dict[str, ReferenceSpec] = field(default_factory=dict)
    entities: dict[str, EntitySpec] = field(default_factory=dict)
    rules: dict[str, RuleSpec] = field(default_factory=dict)
    administration: dict[str, AdministrationSpec] = field(default_factory=dict)
    dose_rules: dict[str, DoseRuleSpec] = field(default_factory=dict)
    intake: list[tuple[str, IntakeSpec]] = field(default_factory=list)
    labels: list[tuple[str, LabelStrengthSpec]] = field(default_factory=list)
    confusables: list[tuple[str, ConfusableSpec]] = field(default_factory=list)

    def claim(self, table: dict, ident: str, spec, what: str, fname: str, key: str | None = None):
        key = key or ident
        if key in self.origin:
            self.problems.append(f"{fname}: {what} '{ident}': id already used in {self.origin[key]}")
            return
        self.origin[key] = fname
        table[ident] = spec

    def add(self, fname: str, content: RuleFile) -> None:
        for ref_id, ref in content.references.items():
            self.claim(self.references, ref_id, ref, "reference", fname, key=f"ref:{ref_id}")
        for spec in content.entity:
            self.claim(self.entities, spec.id, spec, "entity", fname)
            for brand in _brand_entities(spec):
                self.claim(self.entities, brand.id, brand, f"brand of '{spec.id}'", fname)
        for table, specs, what in ((self.rules, content.rule, "rule"),
                                   (self.administration, content.administration, "administration"),
                                   (self.dose_rules, content.dose_rule, "dose rule")):
            for spec in specs:
                self.claim(table, spec.id, spec, what, fname)
        self.intake += [(fname, row) for row in content.intake]
        self.labels += [(fname, row) for row in content.label_strength]
        self.confusables += [(fname, row) for row in content.confusable]


def collect(root: Path) -> _Collected:
    """Every file's declarations, schema-checked but not cross-checked (for `rules diff`, which
    must show what an invalid folder lost, not only that it is invalid)."""
    found = _Collected()
    for fname, content in _parse_files(Path(root), found.problems):
        found.add(fname, content)
    return found


def load_knowledge(root: Path) -> KnowledgeBase:
    """Read and validate every rule file under ``root``; raise RuleFileError listing all problems."""
    root = Path(root)
    if not root.is_dir():
        raise RuleFileError([f"{root}: not a folder of rule files"])
    found = _Collected()
    for fname, content in _parse_files(root, found.problems):
        found.add(fname, content)
    graph = _build_graph(found.entities, found.origin, found.problems)
    check_all(found, graph)
    if found.problems:
        raise RuleFileError(found.problems)
    return KnowledgeBase(root, found.entities, found.rules, found.references, graph, found.origin,
                         found.administration, [row for _f, row in found.intake], found.dose_rules,
                         [row for _f, row in found.labels], [row for _f, row in found.confusables])


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

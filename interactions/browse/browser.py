"""Read-only views of a rule folder for people: list and show rules, look a name up.

Browsing walks the validated knowledge base (the graph is the source of truth); names go through
the same resolver as `check`, so `lookup` answers for exactly what `check` would recognise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rapidfuzz import fuzz, process

from ..check.resolve import Resolver
from ..errors import UnknownNameError
from ..knowledge import KnowledgeBase, bundled_rules_dir, compile_index, load_knowledge
from ..knowledge.schema import SEVERITY_ORDER, RuleSpec

SUGGESTIONS = 3
GROUP_KINDS = {"class", "magnesium", "condition"}  # what a node can belong to


@dataclass(frozen=True)
class RuleUse:
    """A rule that reaches a node: stated on ``via`` (the node itself or one of its ancestors)."""

    rule_id: str
    severity: str
    role: str  # subject | object | condition
    via: str


@dataclass
class Lookup:
    """Everything the knowledge base says about one name."""

    input: str
    id: str
    name: str
    kind: str
    match: str
    classes: list[str]  # groups it belongs to, directly or through its ingredients, nearest first
    ingredients: list[str]  # what a product contains (itself, for a non-product)
    members: list[str]  # is_a descendants (for a class or a grouping condition)
    products: list[str]  # products and brands that contain it
    synonyms: list[str]
    codes: dict[str, list[str]]
    rules: list[RuleUse]
    source_file: str
    note: str | None = None
    route: str = "any"
    egfr: list[float | None] = field(default_factory=list)


def rule_ends(rule: RuleSpec) -> list[tuple[str, str]]:
    """(role, node id) for each end of a rule."""
    ends = [("subject", rule.subject)]
    if rule.object is not None:
        ends.append(("object", rule.object))
    if rule.condition is not None:
        ends.append(("condition", rule.condition))
    return ends


def rule_order(rule: RuleSpec) -> tuple[int, str]:
    return SEVERITY_ORDER[rule.severity], rule.id


class Browser:
    """A loaded rule folder with the resolver `check` uses."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.index = compile_index(kb)
        self.resolver = Resolver(self.index)
        self._is_a = nx.DiGraph([(a, b) for a, b, rel in kb.graph.edges(data="rel") if rel == "is_a"])
        self._is_a.add_nodes_from(kb.graph.nodes)

    @classmethod
    def from_rules(cls, folder: Path | None = None) -> Browser:
        return cls(load_knowledge(folder or bundled_rules_dir()))

    # ------------------------------------------------------------------ names

    def node_for(self, text: str) -> tuple[str, str]:
        """(node id, how it matched) for a name, brand, synonym, code or id; else UnknownNameError."""
        if text in self.kb.entities:
            return text, "id"
        entry = self.resolver.resolve(text)
        if not entry.recognised:
            raise UnknownNameError("name", text, entry.suggestions)
        return entry.id, entry.match

    def rule(self, rule_id: str) -> RuleSpec:
        if rule_id not in self.kb.rules:
            raise UnknownNameError("rule id", rule_id, _closest(rule_id, list(self.kb.rules)))
        return self.kb.rules[rule_id]

    # ------------------------------------------------------------------ rules

    def rules(self, klass: str | None = None, severity: str | None = None) -> list[RuleSpec]:
        """Rules, most serious first; ``klass`` keeps those stated on it, inside it (its members'
        own rules) or above it (rules its members inherit)."""
        chosen = list(self.kb.rules.values())
        if klass is not None:
            node, _ = self.node_for(klass)
            # the class itself, what it inherits from, and its members and products
            related = {node} | self.ancestors(node) | nx.ancestors(self.kb.graph, node)
            chosen = [r for r in chosen if any(n in related for _, n in rule_ends(r))]
        if severity is not None:
            chosen = [r for r in chosen if r.severity == severity]
        return sorted(chosen, key=rule_order)

    def ancestors(self, node: str) -> set[str]:
        """Every node ``node`` reaches through is_a/contains (what it inherits rules from)."""
        return nx.descendants(self.kb.graph, node)

    def rules_reaching(self, node: str) -> list[RuleUse]:
        """Rules stated on the node or on anything it is, or contains (a rule for a condition
        written without detail does not reach the more specific conditions under it)."""
        reach = {node} | self.ancestors(node)
        uses = {
            RuleUse(rule.id, rule.severity, role, end)
            for rule in self.kb.rules.values()
            for role, end in rule_ends(rule)
            if end in reach and not (rule.unspecified_only and role == "condition" and end != node)
        }
        return sorted(uses, key=lambda u: (SEVERITY_ORDER[u.severity], u.rule_id, u.role))

    # ------------------------------------------------------------------ graph

    def graph(self, fmt: str, around: str | None = None, depth: int = 1) -> str | bytes:
        """The graph as a file (graph_export.FORMATS); ``around`` is any name `check` resolves,
        and keeps only what lies within ``depth`` steps of it."""
        from .graph_export import render_graph

        node = self.node_for(around)[0] if around is not None else None
        return render_graph(self.kb, fmt, node, depth)

    # ------------------------------------------------------------------ lookup

    def lookup(self, text: str) -> Lookup:
        node, match = self.node_for(text)
        spec = self.kb.entities[node]
        graph = self.kb.graph
        distance = nx.single_source_shortest_path_length(graph, node)
        classes = sorted((a for a in distance if graph.nodes[a]["kind"] in GROUP_KINDS and a != node),
                         key=lambda a: (distance[a], a))
        products = sorted(p for p in graph.predecessors(node)
                          if graph.edges[p, node]["rel"] == "contains")
        codes = {k: v for k, v in (("ATC", spec.atc), ("RxCUI", spec.rxcui),
                                   ("ICD-10-CM", spec.icd10)) if v}
        egfr = [spec.egfr_min, spec.egfr_max] if (spec.egfr_min, spec.egfr_max) != (None, None) else []
        return Lookup(
            input=text, id=node, name=spec.name, kind=spec.kind, match=match,
            classes=classes, ingredients=list(spec.contains),
            members=sorted(nx.ancestors(self._is_a, node)),
            products=products, synonyms=list(spec.synonyms), codes=codes,
            rules=self.rules_reaching(node), source_file=self.kb.origin[node],
            note=spec.note, route=spec.route, egfr=egfr,
        )


def _closest(text: str, choices: list[str]) -> list[str]:
    ranked = process.extract(text, choices, scorer=fuzz.WRatio, limit=SUGGESTIONS, score_cutoff=60)
    return [choice for choice, _score, _ in ranked]

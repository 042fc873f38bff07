"""docs/coverage.md: every class, drug, magnesium form, product, condition and rule in a rule
folder, with codes, severities, gaps and sources, as one Markdown document.

Generated, never edited by hand: `python -m interactions rules coverage -o docs/coverage.md`.
Everything is sorted and nothing depends on the machine or the date, so a stale copy shows up as a
plain text difference (tests/test_coverage_doc.py).
"""

from __future__ import annotations

import networkx as nx

from ..knowledge import KnowledgeBase
from ..knowledge.schema import SEVERITY_ORDER, EntitySpec, RuleSpec
from ..wording import egfr_band, gap_text

COMMAND = "python -m interactions rules coverage -o docs/coverage.md"


def _cell(text: str) -> str:
    """Markdown table cells may not hold pipes or line breaks."""
    return text.replace("|", "\\|").replace("\n", " ")


def _list(values) -> str:
    values = list(values)
    return _cell(", ".join(values)) if values else "—"


def _gap(rule: RuleSpec) -> str:
    if rule.kind == "drug-condition":
        return "n/a (condition)"
    return gap_text(rule.separation) or "none given by the sources"


class _Doc:
    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.lines: list[str] = []
        graph = kb.graph
        self.members: dict[str, list[str]] = {n: [] for n in graph}
        self.products: dict[str, list[str]] = {n: [] for n in graph}
        for child, parent, rel in sorted(graph.edges(data="rel")):
            (self.members if rel == "is_a" else self.products)[parent].append(child)
        self.rules_for: dict[str, list[str]] = {}
        for node in graph:
            reach = {node} | nx.descendants(graph, node)
            self.rules_for[node] = sorted(
                (r.id for r in kb.rules.values()
                 if reach & {r.subject, r.object, r.condition}),
                key=lambda i: (SEVERITY_ORDER[kb.rules[i].severity], i))

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def entities(self, *kinds: str) -> list[EntitySpec]:
        return sorted((e for e in self.kb.entities.values() if e.kind in kinds and not self._brand(e)),
                      key=lambda e: e.name.casefold())

    def _brand(self, spec: EntitySpec) -> bool:
        """Brand nodes are generated from an entity's `brands` and listed with it."""
        return spec.kind == "product" and len(spec.contains) == 1 and any(
            spec.name in self.kb.entities[i].brands for i in spec.contains)

    def name(self, node: str) -> str:
        return self.kb.entities[node].name

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.add("| " + " | ".join(header) + " |", "|" + "---|" * len(header))
        self.add(*("| " + " | ".join(row) + " |" for row in rows))
        self.add("")

    def rule_links(self, node: str) -> str:
        return _list(f"[{r}](#{r})" for r in self.rules_for[node])


def coverage_markdown(kb: KnowledgeBase) -> str:
    doc = _Doc(kb)
    rules = sorted(kb.rules.values(), key=lambda r: (SEVERITY_ORDER[r.severity], r.id))
    drugs = doc.entities("drug")
    conditions = doc.entities("condition")
    doc.add(
        "# Coverage of the rules",
        "",
        "<!-- Generated from rules/ by the command below. Do not edit by hand. -->",
        f"Generated from `rules/` by `{COMMAND}`; a test fails when this file is stale.",
        "",
        f"{len(rules)} rules, {len(doc.entities('class'))} classes, {len(drugs)} drugs, "
        f"{len(doc.entities('magnesium-form', 'supplement'))} magnesium forms and "
        f"other supplements, {len(doc.entities('product'))} multi-ingredient products, "
        f"{len(conditions)} conditions, {len(kb.references)} references.",
        "",
        "Gaps read: take the rule's subject at least *X h before* or *Y h after* its object.",
        "",
        "## Contents",
        "",
        "- [Rules](#rules)",
        "- [Classes and their members](#classes-and-their-members)",
        "- [Drugs](#drugs)",
        "- [Magnesium and other supplements](#magnesium-and-other-supplements)",
        "- [Multi-ingredient products](#multi-ingredient-products)",
        "- [Conditions](#conditions)",
        "",
        "## Rules",
        "",
    )
    doc.table(["Rule", "Severity", "Subject", "Object / condition", "Route", "Gap", "Evidence"], [
        [f"[{r.id}](#{r.id})", r.severity, doc.name(r.subject),
         doc.name(r.object) if r.object else f"condition: {doc.name(r.condition)}",
         r.route, _gap(r), r.evidence] for r in rules])
    for r in rules:
        doc.add(f"### {r.id}", "",
                f"**{r.severity}** · {r.kind} · action {r.action} · evidence {r.evidence} · "
                f"route {r.route} · reviewed {r.reviewed.isoformat()} · `rules/{kb.origin[r.id]}`",
                "", _cell(r.message), "", f"- Gap applied: {_gap(r)}")
        if r.separation_basis:
            doc.add(f"- Why: {_cell(r.separation_basis)}")
        if r.overrides:
            doc.add(f"- Overrides: [{r.overrides}](#{r.overrides})")
        for s in r.source_separations:
            ref = kb.references[s.ref]
            doc.add(f"- Source gap: [{_cell(ref.title)}]({ref.url}): {gap_text(s)}")
        for c in r.references:
            ref = kb.references[c.ref]
            section = f", section: {_cell(c.section)}" if c.section else ""
            doc.add(f"- Source: [{_cell(ref.title)}]({ref.url}){section}")
        doc.add("")

    doc.add("## Classes and their members", "")
    for cls in doc.entities("class", "magnesium"):
        members = doc.members[cls.id]
        doc.add(f"### {cls.name}", "",
                f"id `{cls.id}` · ATC {_list(cls.atc)} · belongs to "
                f"{_list(doc.name(p) for p in cls.is_a)} · `rules/{kb.origin[cls.id]}`", "",
                f"Members: {_list(doc.name(m) for m in members)}", "",
                f"Rules: {doc.rule_links(cls.id)}", "")

    doc.add("## Drugs", "")
    doc.table(["Drug", "Classes", "ATC", "Brands", "Products containing it", "Rules"], [
        [f"{_cell(d.name)} (`{d.id}`)", _list(doc.name(p) for p in d.is_a), _list(d.atc),
         _list(d.brands), _list(doc.name(p) for p in doc.products[d.id]
                                if not doc._brand(kb.entities[p])),
         doc.rule_links(d.id)] for d in drugs])

    doc.add("## Magnesium and other supplements", "")
    doc.table(["Item", "Kind", "Belongs to", "ATC", "Brands", "Elemental fraction", "Rules"], [
        [f"{_cell(e.name)} (`{e.id}`)", e.kind, _list(doc.name(p) for p in e.is_a), _list(e.atc),
         _list(e.brands), f"{e.elemental_fraction:g}" if e.elemental_fraction else "—",
         doc.rule_links(e.id)] for e in doc.entities("magnesium-form", "supplement")])

    doc.add("## Multi-ingredient products", "")
    doc.table(["Product", "Contains", "Also known as", "ATC", "Rules"], [
        [f"{_cell(p.name)} (`{p.id}`)", _list(doc.name(i) for i in p.contains),
         _list(p.synonyms), _list(p.atc), doc.rule_links(p.id)] for p in doc.entities("product")])

    doc.add("## Conditions", "")
    doc.table(["Condition", "ICD-10-CM", "Synonyms", "eGFR band", "Belongs to", "Rules"], [
        [f"{_cell(c.name)} (`{c.id}`)", _list(c.icd10), _list(c.synonyms),
         egfr_band(c.egfr_min, c.egfr_max) or "—", _list(doc.name(p) for p in c.is_a),
         doc.rule_links(c.id)] for c in conditions])
    return "\n".join(doc.lines).rstrip() + "\n"


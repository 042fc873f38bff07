"""The knowledge graph as GraphML, node-link JSON or Graphviz DOT, for people who want to look at it.

The export holds every node (with kind, name and codes), the is_a/contains edges, and one edge per
rule from the node it is stated on to its object or condition (rel="rule"). Output is sorted, so
the same rules always give the same file.
"""

from __future__ import annotations

import json
from io import BytesIO

import graphviz
import networkx as nx

from ..errors import InputError
from ..knowledge import KnowledgeBase

FORMATS = ("graphml", "json", "dot")


def export_graph(kb: KnowledgeBase) -> nx.MultiDiGraph:
    """A MultiDiGraph (two rules may join the same pair of nodes) with only string attributes,
    which every writer accepts."""
    graph = nx.MultiDiGraph()
    for node in sorted(kb.entities):
        spec = kb.entities[node]
        attrs = {"kind": spec.kind, "name": spec.name, "route": spec.route}
        for key, values in (("atc", spec.atc), ("rxcui", spec.rxcui), ("icd10", spec.icd10)):
            if values:
                attrs[key] = " ".join(values)
        graph.add_node(node, **attrs)
    for child, parent, rel in sorted(kb.graph.edges(data="rel")):
        graph.add_edge(child, parent, key=rel, rel=rel)
    for rule_id in sorted(kb.rules):
        rule = kb.rules[rule_id]
        graph.add_edge(rule.subject, rule.object or rule.condition, key=rule_id, rel="rule",
                       rule=rule_id, severity=rule.severity, route=rule.route)
    return graph


def render_graph(kb: KnowledgeBase, fmt: str) -> str:
    """The graph as text in one of FORMATS."""
    graph = export_graph(kb)
    if fmt == "graphml":
        buffer = BytesIO()
        nx.write_graphml(graph, buffer, encoding="utf-8")
        return buffer.getvalue().decode("utf-8")
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"
    if fmt == "dot":
        return _dot(graph)
    raise InputError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _dot(graph: nx.MultiDiGraph) -> str:
    """DOT source through the graphviz package, which quotes names safely and needs no
    Graphviz binaries to write the source."""
    dot = graphviz.Digraph("interactions")
    for node, attrs in graph.nodes(data=True):
        dot.node(node, label=attrs["name"], kind=attrs["kind"])
    for a, b, attrs in graph.edges(data=True):
        extra = {"style": "dashed", "label": attrs["rule"], "severity": attrs["severity"]} \
            if attrs["rel"] == "rule" else {"label": attrs["rel"]}
        dot.edge(a, b, **extra)
    return dot.source

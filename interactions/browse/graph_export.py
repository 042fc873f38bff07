"""The knowledge graph as GraphML, node-link JSON, Graphviz DOT, SVG or PNG, for people who want to
look at it: whole, or one node's neighbourhood (``around``).

The export holds every node (with kind, name and codes), the is_a/contains edges, and one edge per
rule from the node it is stated on to its object or condition (rel="rule", with its severity).
Output is sorted, so the same rules always give the same file. SVG is drawn by graph_draw.py
(no Graphviz needed); PNG is that SVG through cairosvg, when installed (files.svg_to_png).
"""

from __future__ import annotations

import json
from collections import deque
from io import BytesIO

import graphviz
import networkx as nx

from ..errors import InputError
from ..files import svg_to_png
from ..knowledge import KnowledgeBase
from .graph_draw import SEVERITY_STYLE, draw_svg

FORMATS = ("graphml", "json", "dot", "svg", "png")
# The whole graph's bands, top to bottom: what rules are stated on, then what they reach, then
# the products that contain them.
KIND_BANDS = (("Classes", ("class", "magnesium")), ("Drugs", ("drug",)),
              ("Magnesium forms and other supplements", ("magnesium-form", "supplement",
                                                         "excipient")),
              ("Conditions", ("condition",)), ("Products and brands", ("product",)))


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


def neighbourhood(graph: nx.MultiDiGraph, node: str, depth: int) -> dict[str, int]:
    """Each node at most ``depth`` steps from ``node``, with its number of steps. What a node is
    or contains (its is_a/contains targets) counts as the node itself, since it inherits their
    rules: doxycycline's rules are stated on tetracyclines. A rule (either way), a member or a
    product containing it is one step."""
    steps = {node: 0}
    queue = deque([node])
    while queue:
        here = queue.popleft()
        moves = [(there, int(rel == "rule")) for _, there, rel in graph.out_edges(here, data="rel")]
        moves += [(there, 1) for there, _, _ in graph.in_edges(here, data="rel")]
        for there, cost in moves:
            far = steps[here] + cost
            if far <= depth and far < steps.get(there, depth + 1):
                steps[there] = far
                if cost:
                    queue.append(there)
                else:
                    queue.appendleft(there)
    return steps


def render_graph(kb: KnowledgeBase, fmt: str, around: str | None = None,
                 depth: int = 1) -> str | bytes:
    """The graph in one of FORMATS (bytes for PNG); ``around`` a node id keeps only the nodes
    within ``depth`` steps of it (see neighbourhood)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")
    graph = export_graph(kb)
    steps = neighbourhood(graph, around, depth) if around is not None else None
    if steps is not None:
        graph = nx.MultiDiGraph(graph.subgraph(steps))
    if fmt == "graphml":
        buffer = BytesIO()
        nx.write_graphml(graph, buffer, encoding="utf-8")
        return buffer.getvalue().decode("utf-8")
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"
    if fmt == "dot":
        return _dot(graph)
    svg = _svg(graph, around, steps, depth)
    return svg_to_png(svg) if fmt == "png" else svg


def _svg(graph: nx.MultiDiGraph, around: str | None, steps: dict[str, int] | None,
         depth: int) -> str:
    if around is None or steps is None:
        bands = [(title, sorted(n for n, kind in graph.nodes(data="kind") if kind in kinds))
                 for title, kinds in KIND_BANDS]
        bands = [(t, b) for t, b in bands if b]
        return draw_svg(graph, bands, f"Knowledge graph: {graph.number_of_nodes()} nodes, "
                                      f"{graph.number_of_edges()} edges")
    name = graph.nodes[around]["name"]
    bands = [(f"{name} and what it is or contains" if n == 0 else
              f"{n} step{'s' if n > 1 else ''} away",
              sorted(node for node, s in steps.items() if s == n))
             for n in range(max(steps.values()) + 1)]
    return draw_svg(graph, bands, f"Around {name}: {len(steps)} nodes within {depth} step(s)",
                    centre=around)


def _dot(graph: nx.MultiDiGraph) -> str:
    """DOT source through the graphviz package, which quotes names safely and needs no
    Graphviz binaries to write the source. Rule edges take the SVG's severity colours."""
    dot = graphviz.Digraph("interactions")
    for node, attrs in graph.nodes(data=True):
        dot.node(node, label=attrs["name"], kind=attrs["kind"])
    for a, b, attrs in graph.edges(data=True):
        extra = {"style": "dashed", "label": attrs["rule"], "severity": attrs["severity"],
                 "color": SEVERITY_STYLE[attrs["severity"]][0]} \
            if attrs["rel"] == "rule" else {"label": attrs["rel"]}
        dot.edge(a, b, **extra)
    return dot.source

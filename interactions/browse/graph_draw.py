"""The knowledge graph as a picture (SVG) people can read, drawn here without Graphviz.

Nodes are laid out in bands, one under the other: the steps from the node asked about
(`graph export --around`), or the kinds of node for the whole graph. A band wraps its nodes
into rows of one shared width, the number of columns chosen so that the picture is about 4:3
whatever the node count (Graphviz laid the whole graph out as one 32,767 x 305 px strip).
Within a band the nodes a rule touches come first, then by name, so the same rules always give
the same file.

Rule edges are coloured by severity (SEVERITY_STYLE: colour, width and dash pattern, so the
severity still reads in grey print or for a colour-blind reader); is_a/contains edges are thin
grey. Every node and edge is a <g> with a class and data- attributes, and a <title> that shows
its full name (or rule id) on hover.
"""

from __future__ import annotations

import math
import textwrap
import xml.etree.ElementTree as ET

import networkx as nx

SVG_NS = "http://www.w3.org/2000/svg"

# Severity palette: the terminal's colours (red, red, amber, blue/cyan) made distinguishable by
# width and dashes too: (stroke colour, width, dash pattern or None).
SEVERITY_STYLE = {
    "contraindicated": ("#7f0000", 3.5, None),
    "major": ("#d62728", 2.5, None),
    "moderate": ("#e69f00", 2.0, "7 4"),
    "minor": ("#0072b2", 1.5, "2 3"),
}
STRUCTURE = ("#9a9a9a", 1.0)  # is_a and contains edges: colour, width
KIND_FILL = {
    "magnesium": "#c7e9c0", "magnesium-form": "#e5f5e0", "supplement": "#fff3bf",
    "drug": "#ffffff", "class": "#e6e6e6", "product": "#f2e6fa", "condition": "#fde0dd",
    "excipient": "#f5f5f5",
}
ASPECT = 4 / 3  # the picture is at least this much wider than high, where the nodes allow
LABEL_CHARS = 26  # characters a label line holds before it wraps (two lines at most)
CHAR_W = 6.6  # average width of a 12 px Helvetica character
CELL_W = round(LABEL_CHARS * CHAR_W + 34)
BOX_W = CELL_W - 34  # the gap between columns leaves room for an arrowhead
BOX_H = 34
ROW_H = 50
BAND_GAP = 46  # room above each band for its title
MARGIN = 20
HEADER = 92  # title and legend


def _label(name: str) -> list[str]:
    """One or two lines; a name longer than two lines ends in an ellipsis (the <title> has it
    whole)."""
    lines = textwrap.wrap(name, LABEL_CHARS, break_on_hyphens=False) or [name]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: LABEL_CHARS - 1].rstrip() + "\u2026"]
    return lines


def _columns(bands: list[list[str]], legend_width: float) -> int:
    """The fewest columns that make the picture ASPECT wide (never more than the widest band)."""
    widest = max((len(b) for b in bands), default=1)
    room = int((legend_width - 2 * MARGIN) // CELL_W)  # columns the legend makes room for anyway
    for cols in range(min(max(room, 1), widest), widest + 1):
        width = max(cols * CELL_W + 2 * MARGIN, legend_width)
        if width >= ASPECT * _height(bands, cols):
            return cols
    return widest


def _height(bands: list[list[str]], cols: int) -> float:
    rows = sum(math.ceil(len(b) / cols) for b in bands)
    return HEADER + len(bands) * BAND_GAP + rows * ROW_H + MARGIN


def _order(bands: list[list[str]], graph: nx.MultiDiGraph, cols: int,
           centre: str | None) -> dict[str, tuple]:
    """The centre (x, y) of each node's box, band after band. In a band, the node asked about
    comes first, then the nodes a rule touches (the top row, next to the band above), then the
    rest, then products (the bulk of most bands), each by name."""
    ruled = {n for a, b, rel in graph.edges(data="rel") if rel == "rule" for n in (a, b)}

    def key(node: str) -> tuple:
        group = -1 if node == centre else 0 if node in ruled else \
            2 if graph.nodes[node]["kind"] == "product" else 1
        return group, graph.nodes[node]["name"].casefold(), node

    place: dict[str, tuple[float, float]] = {}
    y = HEADER
    for band in bands:
        y += BAND_GAP
        ordered = sorted(band, key=key)
        for start in range(0, len(ordered), cols):
            row = ordered[start:start + cols]
            left = MARGIN + (cols - len(row)) * CELL_W / 2  # a short row is centred
            for i, node in enumerate(row):
                place[node] = (left + i * CELL_W + CELL_W / 2, y + ROW_H / 2)
            y += ROW_H
    return place


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): str(v)
                                       for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _clip(centre: tuple[float, float], towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from a box's centre towards a point leaves the box."""
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    if dx == dy == 0:
        return centre
    t = min(BOX_W / 2 / abs(dx) if dx else math.inf, BOX_H / 2 / abs(dy) if dy else math.inf)
    return centre[0] + t * dx, centre[1] + t * dy


def _path(a: tuple[float, float], b: tuple[float, float], bend: float) -> str:
    """A line from box a to box b, or a quadratic curve bent sideways by ``bend`` px (for parallel
    edges)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    length = math.hypot(b[0] - a[0], b[1] - a[1]) or 1
    cx, cy = mx - bend * (b[1] - a[1]) / length, my + bend * (b[0] - a[0]) / length
    start, end = _clip(a, (cx, cy)), _clip(b, (cx, cy))
    if not bend:  # a straight line (cairosvg turns a straight Q's end marker the wrong way)
        return f"M{start[0]:.1f},{start[1]:.1f} L{end[0]:.1f},{end[1]:.1f}"
    return f"M{start[0]:.1f},{start[1]:.1f} Q{cx:.1f},{cy:.1f} {end[0]:.1f},{end[1]:.1f}"


def _markers(svg: ET.Element) -> None:
    defs = _el(svg, "defs")
    for name, colour in [("structure", STRUCTURE[0]),
                         *((s, style[0]) for s, style in SEVERITY_STYLE.items())]:
        marker = _el(defs, "marker", id=f"arrow-{name}", viewBox="0 0 10 10", refX=9, refY=5,
                     markerWidth=7, markerHeight=7, orient="auto")
        _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=colour)


def _legend(svg: ET.Element, kinds: list[str]) -> None:
    x = MARGIN
    for severity, (colour, width, dash) in SEVERITY_STYLE.items():
        item = _el(svg, "g", class_="legend", data_severity=severity)
        line = _el(item, "line", x1=x, y1=50, x2=x + 34, y2=50, stroke=colour, stroke_width=width)
        if dash:
            line.set("stroke-dasharray", dash)
        _el(item, "text", severity, x=x + 40, y=54, font_size=12)
        x += 48 + CHAR_W * len(severity) + 16
    _el(svg, "text", "grey: is a / contains", x=x, y=54, font_size=12, fill="#555555")
    x = MARGIN
    for kind in kinds:
        item = _el(svg, "g", class_="legend", data_kind=kind)
        _el(item, "rect", x=x, y=66, width=22, height=14, fill=KIND_FILL.get(kind, "#ffffff"),
            stroke="#555555")
        _el(item, "text", kind, x=x + 28, y=78, font_size=12)
        x += 40 + CHAR_W * len(kind) + 12


def _legend_width(kinds: list[str]) -> float:
    severities = sum(64 + CHAR_W * len(s) for s in SEVERITY_STYLE) + 160
    return max(severities, sum(52 + CHAR_W * len(k) for k in kinds)) + 2 * MARGIN


def draw_svg(graph: nx.MultiDiGraph, bands: list[tuple[str, list[str]]], title: str,
             centre: str | None = None) -> str:
    """``graph`` (export_graph's) drawn band by band: (band title, node ids) from the top."""
    kinds = sorted({graph.nodes[n]["kind"] for _, band in bands for n in band})
    nodes = [band for _, band in bands]
    cols = _columns(nodes, _legend_width(kinds))
    place = _order(nodes, graph, cols, centre)
    width = round(max(cols * CELL_W + 2 * MARGIN, _legend_width(kinds)))
    height = round(_height(nodes, cols))
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(f"{{{SVG_NS}}}svg", {"width": str(width), "height": str(height),
                                          "viewBox": f"0 0 {width} {height}",
                                          "font-family": "Helvetica, Arial, sans-serif"})
    _el(svg, "title", title)
    _markers(svg)
    _el(svg, "rect", x=0, y=0, width=width, height=height, fill="white")
    _el(svg, "text", title, x=MARGIN, y=28, font_size=17, font_weight="bold")
    _legend(svg, kinds)
    y = HEADER
    for name, band in bands:
        _el(svg, "text", name, x=MARGIN, y=y + BAND_GAP - 12, font_size=13, font_weight="bold",
            fill="#444444", class_="band")
        y += BAND_GAP + math.ceil(len(band) / cols) * ROW_H
    _edges(svg, graph, place)
    for node in sorted(place):
        _node(svg, graph, node, place[node], node == centre)
    return ET.tostring(svg, encoding="unicode", xml_declaration=True) + "\n"


def _edges(svg: ET.Element, graph: nx.MultiDiGraph, place: dict[str, tuple]) -> None:
    """Structure first, then rules from the least serious up, so a serious rule is on top."""
    rank = {s: i for i, s in enumerate(SEVERITY_STYLE)}
    edges = sorted(((a, b, attrs) for a, b, attrs in graph.edges(data=True)
                    if a in place and b in place),
                   key=lambda e: (e[2]["rel"] == "rule", -rank.get(e[2].get("severity"), 0),
                                  e[0], e[1], e[2].get("rule", "")))
    parallel: dict[frozenset, int] = {}
    for a, b, attrs in edges:
        if a == b:
            continue
        pair = frozenset((a, b))
        count = parallel[pair] = parallel.get(pair, -1) + 1
        bend = 0 if count == 0 else 14 * math.ceil(count / 2) * (1 if count % 2 else -1)
        d = _path(place[a], place[b], bend)
        if attrs["rel"] == "rule":
            colour, stroke, dash = SEVERITY_STYLE[attrs["severity"]]
            group = _el(svg, "g", class_="edge rule", data_rule=attrs["rule"],
                        data_severity=attrs["severity"], data_from=a, data_to=b)
            _el(group, "title", f"{attrs['rule']} ({attrs['severity']})")
            path = _el(group, "path", d=d, fill="none", stroke=colour, stroke_width=stroke,
                       marker_end=f"url(#arrow-{attrs['severity']})")
            if dash:
                path.set("stroke-dasharray", dash)
        else:
            group = _el(svg, "g", class_=f"edge {attrs['rel']}", data_from=a, data_to=b)
            _el(group, "title", f"{graph.nodes[a]['name']} {attrs['rel'].replace('_', ' ')} "
                                f"{graph.nodes[b]['name']}")
            _el(group, "path", d=d, fill="none", stroke=STRUCTURE[0], stroke_width=STRUCTURE[1],
                stroke_opacity=0.7, marker_end="url(#arrow-structure)")


def _node(svg: ET.Element, graph: nx.MultiDiGraph, node: str, at: tuple[float, float],
          centre: bool) -> None:
    attrs = graph.nodes[node]
    group = _el(svg, "g", class_="node", data_id=node, data_kind=attrs["kind"])
    _el(group, "title", f"{attrs['name']} ({attrs['kind']}, id {node})")
    _el(group, "rect", x=round(at[0] - BOX_W / 2, 1), y=round(at[1] - BOX_H / 2, 1), width=BOX_W,
        height=BOX_H, rx=6, fill=KIND_FILL.get(attrs["kind"], "#ffffff"),
        stroke="#000000" if centre else "#666666", stroke_width=3 if centre else 1)
    lines = _label(attrs["name"])
    first = at[1] + 4 - 7 * (len(lines) - 1)
    for i, line in enumerate(lines):
        _el(group, "text", line, x=round(at[0], 1), y=round(first + 14 * i, 1), font_size=12,
            text_anchor="middle", font_weight="bold" if centre else "normal")
